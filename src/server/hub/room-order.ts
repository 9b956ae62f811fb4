// RoomOrder: hands a room's message pushes to this process's members in seq order with no gap.
// A broker may lose a publication (Redis pub/sub is at most once) or, with several processes
// sending to one room, deliver seq 6 before seq 5. Either way the push that arrives ahead is held,
// and what is missing is read from the store after the last seq delivered: the same read that a
// join with `since` uses. One RoomOrder per room per process, so a gap costs one store read for
// the process, not one per connection.
import type { Logger } from 'pino';
import type { ChatMessage, MessagePush } from '../../protocol/messages.js';
import type { Store } from '../store/store.js';

/** The part of the Store that repairs need. */
export type RecoveryReader = Pick<Store, 'after' | 'roomSeq'>;

export interface RoomOrderOptions {
  room: string;
  reader: RecoveryReader;
  log: Logger;
  /** Receives each message push exactly once, in seq order. */
  emit: (push: MessagePush) => void;
  /** Most messages read from the store in one go. */
  pageSize?: number;
  /** Wait before reading the store again after a failed read. */
  retryMs?: number;
}

export class RoomOrder {
  readonly #options: Required<RoomOrderOptions>;
  /** Highest seq handed on; undefined until the baseline is known. */
  #last: number | undefined;
  /** Pushes that arrived ahead of a gap, by seq. */
  readonly #ahead = new Map<number, MessagePush>();
  /** Set by a broker resync: read until the store has nothing newer. */
  #tailWanted = false;
  #repairing = false;
  #stopped = false;
  /** Store reads made to fill gaps or catch up (for tests and metrics). */
  reads = 0;

  constructor(options: RoomOrderOptions) {
    this.#options = { pageSize: 500, retryMs: 1000, ...options };
  }

  get last(): number | undefined {
    return this.#last;
  }

  /**
   * Sets the room's seq when this process started to listen. Pushes at or below it are older than
   * any local member's join and are dropped; pushes that came before it are checked against it.
   */
  start(baseline: number): void {
    if (this.#last !== undefined) return;
    this.#last = baseline;
    this.#drain();
    this.#repair();
  }

  accept(push: MessagePush): void {
    if (this.#stopped) return;
    const last = this.#last;
    if (last !== undefined && push.seq <= last) return; // already handed on (from the store, or twice by the broker)
    if (last !== undefined && push.seq === last + 1) {
      this.#hand(push);
      this.#drain();
      return;
    }
    this.#ahead.set(push.seq, push);
    this.#repair();
  }

  /** The broker may have lost publications: read whatever the store has after the last seq. */
  resync(): void {
    this.#tailWanted = true;
    this.#repair();
  }

  stop(): void {
    this.#stopped = true;
    this.#ahead.clear();
  }

  #hand(push: MessagePush): void {
    this.#last = push.seq;
    this.#options.emit(push);
  }

  /** Hands on the held pushes that now follow without a gap, and forgets the ones already passed. */
  #drain(): void {
    if (this.#last === undefined) return;
    for (;;) {
      const next = this.#ahead.get(this.#last + 1);
      if (next === undefined) break;
      this.#ahead.delete(next.seq);
      this.#hand(next);
    }
    for (const seq of this.#ahead.keys()) if (seq <= this.#last) this.#ahead.delete(seq);
  }

  #repair(): void {
    if (this.#repairing || this.#stopped || this.#last === undefined) return;
    if (this.#ahead.size === 0 && !this.#tailWanted) return;
    this.#repairing = true;
    this.#readOnce().then(
      () => {
        this.#repairing = false;
        this.#repair();
      },
      (error: unknown) => {
        this.#options.log.error({ err: error, room: this.#options.room }, 'gap repair failed unexpectedly');
        this.#repairing = false;
      },
    );
  }

  async #readOnce(): Promise<void> {
    const { room, reader, pageSize, retryMs, log } = this.#options;
    const from = this.#last as number;
    const tail = this.#tailWanted;
    this.#tailWanted = false;
    const highestAhead = this.#ahead.size > 0 ? Math.max(...this.#ahead.keys()) : undefined;
    const limit = highestAhead !== undefined ? Math.min(highestAhead - from, pageSize) : pageSize;
    let page: ChatMessage[];
    this.reads++;
    log.debug({ room, after: from, limit, tail }, highestAhead !== undefined ? 'gap in seq; reading it from the store' : 'catching up from the store');
    try {
      page = await reader.after(room, from, limit);
    } catch (error) {
      log.warn({ err: error, room, after: from }, 'could not read missed messages; retrying');
      this.#tailWanted ||= tail;
      await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
      return;
    }
    if (this.#stopped) return;
    for (const message of page) {
      const last = this.#last as number;
      if (message.seq <= last) continue; // the broker delivered it while we read
      if (message.seq !== last + 1) break;
      this.#hand({ type: 'message', ...message });
      this.#drain();
    }
    this.#drain();
    if (tail && page.length === limit) this.#tailWanted = true; // there may be more
    const next = this.#ahead.size > 0 ? Math.min(...this.#ahead.keys()) : undefined;
    if (page.length < limit && next !== undefined && next > (this.#last as number) + 1) {
      // The store has nothing where the gap is, which a store-first publisher cannot cause. Skip
      // the hole rather than hold the room forever, and say so loudly.
      log.error({ room, after: this.#last, next }, 'store has no messages for a gap in seq; skipping it');
      this.#last = next - 1;
      this.#drain();
    }
  }
}
