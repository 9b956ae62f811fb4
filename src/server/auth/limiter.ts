// Counts attempts per key (an IP, an account) in a fixed window; past the limit the key is blocked
// until the window ends. An attempt takes its slot *before* the expensive work it guards (reserve),
// and gives it back when it turns out not to be a failure (refund): checking first and counting
// after the work let every concurrent attempt pass the check before any of them was counted.
// In this process's memory: the counter of a single process, and the fallback of a cluster's Redis
// counters (failure-counter.ts) while Redis is unreachable.
export interface LimitState {
  /** Milliseconds until the key may try again; 0 when it may now. */
  retryAfterMs: number;
}

interface Window {
  failures: number;
  resetAt: number;
}

export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /**
   * Takes one of `key`'s attempts in this window, or refuses (retryAfterMs > 0) when none is left;
   * a refused reservation takes nothing. Check and count are one step, so no two callers can both
   * take the last slot.
   */
  reserve(key: string): LimitState {
    const now = this.#now();
    const window = this.#current(key);
    if (window === undefined) {
      this.#sweep(now);
      this.#windows.set(key, { failures: 1, resetAt: now + this.#windowMs });
      return { retryAfterMs: 0 };
    }
    if (window.failures >= this.#limit) return { retryAfterMs: Math.max(1, window.resetAt - now) };
    window.failures++;
    return { retryAfterMs: 0 };
  }

  /** Gives back a slot `reserve` took, when the attempt was not a failure after all. */
  refund(key: string): void {
    const window = this.#current(key);
    if (window !== undefined && window.failures > 0) window.failures--;
  }

  /** A success forgets the key's failures (used per account, not per IP). */
  reset(key: string): void {
    this.#windows.delete(key);
  }

  #current(key: string): Window | undefined {
    const window = this.#windows.get(key);
    if (window !== undefined && window.resetAt <= this.#now()) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  // Bounded memory under a spray of distinct keys: expired windows go whenever a new key arrives
  // and the map is large.
  #sweep(now: number): void {
    if (this.#windows.size < 10_000) return;
    for (const [key, window] of this.#windows) if (window.resetAt <= now) this.#windows.delete(key);
  }
}
