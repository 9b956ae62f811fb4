// Where each process's live samples meet, so that the console shows every process of a cluster in
// one view: in this process's memory alone, or in Redis, where each process keeps one key of its
// last hour (renewed every sample, gone 35 s after the process stops) and a sorted set names them.
import type { Redis } from 'ioredis';
import type { LiveSample, ProcessLive } from '../../protocol/console.js';

export interface LiveBoard {
  /** This process's samples, as of now (replacing what it shared before). */
  share(process: ProcessLive): Promise<void>;
  /** Every process that shared lately, this one included, by process id. */
  read(): Promise<ProcessLive[]>;
}

export class MemoryLiveBoard implements LiveBoard {
  #mine: ProcessLive | undefined;

  share(process: ProcessLive): Promise<void> {
    this.#mine = process;
    return Promise.resolve();
  }

  read(): Promise<ProcessLive[]> {
    return Promise.resolve(this.#mine === undefined ? [] : [this.#mine]);
  }
}

/** A process that has not shared for this long is gone from the view. */
const STALE_MS = 35_000;
/** Processes read at most (a cluster is a handful; a flood of ids must not make one read huge). */
const MAX_PROCESSES = 64;

export class RedisLiveBoard implements LiveBoard {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;

  /** `redis` is shared with other users (not closed here); `prefix` as PARLEY_REDIS_PREFIX. */
  constructor(redis: Redis, prefix: string, now: () => number = Date.now) {
    this.#redis = redis;
    this.#prefix = prefix;
    this.#now = now;
  }

  async share(process: ProcessLive): Promise<void> {
    const now = this.#now();
    await this.#redis
      .multi()
      .set(this.#key(process.process), JSON.stringify(process), 'PX', STALE_MS)
      .zadd(this.#index(), now, process.process)
      .zremrangebyscore(this.#index(), '-inf', now - STALE_MS)
      .exec();
  }

  async read(): Promise<ProcessLive[]> {
    const ids = await this.#redis.zrangebyscore(this.#index(), this.#now() - STALE_MS, '+inf', 'LIMIT', 0, MAX_PROCESSES);
    if (ids.length === 0) return [];
    const texts = await this.#redis.mget(ids.map((id) => this.#key(id)));
    return texts.flatMap((text) => (text === null ? [] : [parseProcess(text)])).sort((a, b) => a.process.localeCompare(b.process));
  }

  #key(process: string): string {
    return `${this.#prefix}live:process:${process}`;
  }

  #index(): string {
    return `${this.#prefix}live:processes`;
  }
}

/** What another process wrote: trusted as our own format (only Parley processes write the key). */
function parseProcess(text: string): ProcessLive {
  const parsed = JSON.parse(text) as { process: string; startedAt: number; samples: LiveSample[] };
  return { process: parsed.process, startedAt: parsed.startedAt, samples: parsed.samples };
}
