// PasswordPool: at most `concurrency` password hashes or verifications run at once, at most `queue`
// more wait their turn, and past that a request is refused (PasswordBusy) instead of waiting.
//
// Why: @node-rs/argon2 runs each hash on libuv's thread pool (napi_queue_async_work), the same four
// threads (UV_THREADPOOL_SIZE) that run the fdatasync of SQLite's WAL (store/wal-sync.ts), on which
// every acknowledged message waits. libuv's queue is first come, first served: 300 logins at once
// would queue 300 argon2 jobs of ~13 ms (and 19 MiB) each, and a message's sync would wait behind
// all of them. Handing argon2 at most 2 jobs at a time keeps the other threads free for the syncs.
// Waiting here costs only a closure (argon2 takes its memory when it runs), but waiting forever
// is no answer either: past the queue, the client is told to come back (503, Retry-After).
export class PasswordBusy extends Error {
  override readonly name = 'PasswordBusy';
}

export type PasswordOp = 'hash' | 'verify';

export interface PasswordPoolOptions {
  /** Hashes and verifications running at once. */
  concurrency: number;
  /** Waiting beyond those; more are refused. */
  queue: number;
  /** Each one that starts (for the metric of the work done). */
  onStart?: (op: PasswordOp) => void;
  /** Each one refused because the queue is full. */
  onBusy?: (op: PasswordOp) => void;
}

export class PasswordPool {
  readonly #options: PasswordPoolOptions;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(options: PasswordPoolOptions) {
    this.#options = options;
  }

  /** Runs `work` when a slot is free; rejects with PasswordBusy at once when the queue is full. */
  async run<T>(op: PasswordOp, work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#options.concurrency) {
      if (this.#waiting.length >= this.#options.queue) {
        this.#options.onBusy?.(op);
        throw new PasswordBusy('the server is busy checking passwords; try again shortly');
      }
      // The slot is handed over by the one that finishes (#release), so it is never counted free in between.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    this.#options.onStart?.(op);
    try {
      return await work();
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#running--;
    else next();
  }
}
