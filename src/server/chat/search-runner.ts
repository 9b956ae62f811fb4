// SearchRunner: how every search of this process reads the store. A search's window is read in
// slices of seqs, newest first, each sized so that even at its worst it takes a few milliseconds
// (see maxSliceSeqs); slices of all searches take turns, one per event-loop turn for the whole
// process, so that between two slices the server reads sockets, delivers messages and answers
// other requests. A request that runs past its time budget answers with what it found and a
// `from` to continue from. How many searches run at once is bounded, per connection and per
// process: a flood of searches is refused, not queued.
import { Limits, type ChatMessage } from '../../protocol/messages.js';
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

/** One search request as the runner reads it. */
export interface SearchScan {
  /** The pattern: its length bounds what reading one seq can cost. */
  text: string;
  /** The window, [from, end), read newest first. */
  from: number;
  end: number;
  limit: number;
  read: SliceReader;
  /**
   * Whether a read runs on this thread, inside the call (SQLite): then each slice is bounded by
   * what its seqs could cost at worst. A read that runs elsewhere (PostgreSQL) holds the loop only
   * to send the query and parse at most `limit` rows; its slices just grow.
   */
  readsHoldLoop: boolean;
}

/** About the longest one slice may hold the event loop, and so the longest a search stalls others. */
const SLICE_TARGET_MS = 5;
/**
 * What LIKE costs at worst for one seq: a text of textMax characters where a pattern of n
 * characters almost matches at every position (a run of 'a's for 'aa…ab') costs about textMax × n
 * character comparisons. Measured with SQLite 3.53 (better-sqlite3) on the project's machine, per
 * 3,990-character row: 1 char 5 µs, 2 chars 32-39 µs, 10 chars 47-190 µs, 200 chars 0.6 ms ('a'),
 * 1.3 ms ('A'), 2.8 ms ('é'), 3.6 ms ('中'), i.e. up to ~4.6 ns a comparison for 3-byte characters.
 * Modelled with a margin as textMax × (WORST_NS_BASE + WORST_NS_PER_CHAR × n) ns.
 */
const WORST_NS_BASE = 10;
const WORST_NS_PER_CHAR = 5;
/** Reads off this thread (PostgreSQL) start at this many seqs and grow. */
const FIRST_SLICE_ELSEWHERE = 256;
/** A slice grows at most this much from one to the next, so one fast slice cannot imply a huge one. */
const GROWTH = 4;

/** The most seqs one slice may cover: even if each is the worst case for this pattern, the slice stays near the target. */
export function maxSliceSeqs(text: string): number {
  const worstSeqMs = (Limits.textMax * (WORST_NS_BASE + WORST_NS_PER_CHAR * [...text].length)) / 1e6;
  return Math.max(1, Math.floor(SLICE_TARGET_MS / worstSeqMs));
}

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
  async run(owner: string, scan: SearchScan): Promise<{ messages: ChatMessage[]; from: number }> {
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
      return await this.#read(scan);
    } finally {
      this.#running--;
      const left = (this.#inFlight.get(owner) ?? 1) - 1;
      if (left === 0) this.#inFlight.delete(owner);
      else this.#inFlight.set(owner, left);
    }
  }

  async #read({ text, from, end, limit, read, readsHoldLoop }: SearchScan): Promise<{ messages: ChatMessage[]; from: number }> {
    const deadline = performance.now() + this.#limits.budgetMs;
    const messages: ChatMessage[] = [];
    // On this thread, the worst case bounds every slice, whatever the texts read so far looked
    // like: newer messages being short says nothing of older ones. The measured cost of the last
    // slice can only make the next one smaller (a slower machine than the one measured).
    const most = readsHoldLoop ? maxSliceSeqs(text) : end - from;
    let size = readsHoldLoop ? most : FIRST_SLICE_ELSEWHERE;
    let low = end;
    while (low > from && messages.length < limit) {
      await this.#turn();
      const sliceFrom = Math.max(from, low - size);
      const started = performance.now();
      // What the loop is held for is the synchronous part of the call: all of it for SQLite, the
      // sending of a query for PostgreSQL (whose wait for the reply lets other work run).
      const pending = read(sliceFrom, low, limit - messages.length);
      const held = performance.now() - started;
      messages.push(...(await pending));
      const covered = low - sliceFrom;
      low = sliceFrom;
      const wanted = held > 0 ? (SLICE_TARGET_MS * covered) / held : size * GROWTH;
      size = Math.max(1, Math.min(most, size * GROWTH, Math.round(wanted)));
      if (performance.now() >= deadline && low > from && messages.length < limit) {
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
