// SearchRunner: how every search of this process reads the store. A search's window is read in
// slices of seqs, newest first, each sized to take a few milliseconds; slices of all searches take
// turns, one per event-loop turn for the whole process, so that between two slices the server
// reads sockets, delivers messages and answers other requests. A request that runs past its time
// budget answers with what it found and a `from` to continue from. How many searches run at once
// is bounded, per connection and per process: a flood of searches is refused, not queued.
import type { ChatMessage } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';

export interface SearchLimits {
  /** Ms one search request may spend reading before it answers with what it found so far. */
  budgetMs: number;
  /** Searches one connection may have in flight; more are refused with `busy`. */
  perConnection: number;
  /** Searches this process runs at once; more are refused with `busy`. */
  concurrent: number;
}

export type SearchRefusal = 'connection' | 'server';

export interface SearchEvents {
  refused(reason: SearchRefusal): void;
  /** A request answered before reaching the bottom of its window or a full page (budget spent). */
  truncated(): void;
}

/** Live matches with from <= seq < before, newest first, at most `limit`. */
export type SliceReader = (from: number, before: number, limit: number) => Promise<ChatMessage[]>;

/**
 * What one slice's seqs should cost, on top of the fixed cost of one store call (an index query
 * costs a few ms whatever its range): about the longest a search holds the event loop at once.
 */
const SLICE_TARGET_MS = 5;
/** The first slice is small: how long a seq takes to read is not known yet (long texts, LIKE scans). */
const FIRST_SLICE = 16;
/** A slice grows at most this much from one to the next, so one fast slice cannot imply a huge one. */
const GROWTH = 4;

export class SearchRunner {
  readonly #limits: SearchLimits;
  readonly #events: SearchEvents;
  readonly #inFlight = new Map<string, number>();
  #running = 0;
  /** Slices waiting for their turn, in order; one is let go per event-loop turn. */
  readonly #turns: (() => void)[] = [];
  #pumping = false;

  constructor(limits: SearchLimits, events: SearchEvents) {
    this.#limits = limits;
    this.#events = events;
  }

  /**
   * Reads [from, end) newest first until `limit` matches, the bottom of the window, or the budget.
   * `from` in the answer is the lowest seq below which nothing was looked at: the bottom of the
   * window, the oldest result of a full page, or where the budget ran out.
   */
  async run(owner: string, from: number, end: number, limit: number, read: SliceReader): Promise<{ messages: ChatMessage[]; from: number }> {
    const mine = this.#inFlight.get(owner) ?? 0;
    if (mine >= this.#limits.perConnection) {
      this.#events.refused('connection');
      throw new ProtocolError(ErrorCode.Busy, `a search is already running on this connection (at most ${this.#limits.perConnection}); wait for its reply`);
    }
    if (this.#running >= this.#limits.concurrent) {
      this.#events.refused('server');
      throw new ProtocolError(ErrorCode.Busy, 'the server is running as many searches as it may; retry shortly');
    }
    this.#inFlight.set(owner, mine + 1);
    this.#running++;
    try {
      return await this.#read(from, end, limit, read);
    } finally {
      this.#running--;
      const left = (this.#inFlight.get(owner) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(owner);
      else this.#inFlight.set(owner, left);
    }
  }

  async #read(from: number, end: number, limit: number, read: SliceReader): Promise<{ messages: ChatMessage[]; from: number }> {
    const deadline = performance.now() + this.#limits.budgetMs;
    const messages: ChatMessage[] = [];
    let low = end;
    let size = FIRST_SLICE;
    // A call costs fixed + perSeq * size; the cheapest call seen so far estimates the fixed part.
    let fixed = Infinity;
    while (low > from && messages.length < limit) {
      await this.#turn();
      const sliceFrom = Math.max(from, low - size);
      const started = performance.now();
      messages.push(...(await read(sliceFrom, low, limit - messages.length)));
      const now = performance.now();
      const elapsed = now - started;
      const covered = low - sliceFrom;
      low = sliceFrom;
      fixed = Math.min(fixed, elapsed);
      const perSeq = (elapsed - fixed) / covered;
      const wanted = perSeq > 0 ? SLICE_TARGET_MS / perSeq : size * GROWTH;
      size = Math.max(1, Math.round(Math.min(size * GROWTH, Math.max(size / GROWTH, wanted))));
      if (now >= deadline && low > from && messages.length < limit) {
        this.#events.truncated();
        break;
      }
    }
    const oldest = messages.length >= limit ? messages[messages.length - 1]?.seq : undefined;
    return { messages, from: Math.max(from, oldest ?? low) };
  }

  #turn(): Promise<void> {
    return new Promise((resolve) => {
      this.#turns.push(resolve);
      if (!this.#pumping) {
        this.#pumping = true;
        setImmediate(this.#pump);
      }
    });
  }

  // A setImmediate callback queued by another runs on the next turn of the loop, after I/O: each
  // turn lets exactly one slice go (it runs in the microtasks right after this callback).
  readonly #pump = (): void => {
    this.#turns.shift()?.();
    if (this.#turns.length > 0) setImmediate(this.#pump);
    else this.#pumping = false;
  };
}
