// KeyedQuota: `perHour` units per key (a user id, an address) per hour, as a token bucket whose
// burst is the hourly amount, and with refunds: a unit is taken before the work it pays for (so two
// concurrent requests cannot both pass the last unit) and given back when that work did nothing.
// Buckets that have refilled are forgotten, so the map holds only keys that spent lately.

interface Bucket {
  tokens: number;
  stamp: number;
}

const HOUR_MS = 3_600_000;
const SWEEP_MS = 60_000;

export class KeyedQuota {
  readonly #perHour: number;
  readonly #buckets = new Map<string, Bucket>();
  readonly #sweep: NodeJS.Timeout;

  /** @param perHour units per key per hour (> 0) */
  constructor(perHour: number) {
    this.#perHour = perHour;
    this.#sweep = setInterval(() => this.#forgetFull(performance.now()), SWEEP_MS).unref();
  }

  /** Takes one unit: 0 when granted, otherwise the milliseconds until one will be there. */
  take(key: string, now: number): number {
    const bucket = this.#refilled(key, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - bucket.tokens) * HOUR_MS) / this.#perHour);
  }

  /** Gives back a unit taken by `take` whose work did nothing. */
  refund(key: string, now: number): void {
    const bucket = this.#refilled(key, now);
    bucket.tokens = Math.min(this.#perHour, bucket.tokens + 1);
  }

  /** Keys currently tracked (for tests of the sweep and of memory). */
  get size(): number {
    return this.#buckets.size;
  }

  #refilled(key: string, now: number): Bucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.#perHour, stamp: now };
      this.#buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.#perHour, bucket.tokens + ((now - bucket.stamp) * this.#perHour) / HOUR_MS);
    bucket.stamp = now;
    return bucket;
  }

  #forgetFull(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.stamp) * this.#perHour) / HOUR_MS >= this.#perHour) this.#buckets.delete(key);
    }
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}
