// KeyedQuota: an hourly amount per key (a user id, a client address) as token buckets whose burst
// is the hour's amount, with refunds: units are taken before the work they pay for (so concurrent
// requests cannot all pass the last unit) and given back when that work did nothing. Buckets that
// have refilled are the same as new ones and are forgotten, so the map holds only keys that spent
// lately. Room creations count one unit each; stored bytes count their bytes.
import { TokenBucket, type BucketSpec } from './token-bucket.js';

/** How often buckets that have refilled are forgotten. */
const SWEEP_MS = 60_000;

export class KeyedQuota {
  readonly #spec: BucketSpec;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #sweep: NodeJS.Timeout;

  /** @param perHour units per key per hour (> 0) */
  constructor(perHour: number) {
    this.#spec = { perSecond: perHour / 3600, burst: perHour };
    this.#sweep = setInterval(() => this.#forgetFull(performance.now()), SWEEP_MS).unref();
  }

  /** Takes `cost` units: 0 when granted, otherwise the milliseconds until they will be there. A refusal takes nothing. */
  take(key: string, now: number, cost = 1): number {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#spec, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now, cost);
  }

  /** Gives back units taken by `take` whose work did nothing. */
  refund(key: string, cost = 1): void {
    this.#buckets.get(key)?.refund(cost);
  }

  /** Keys currently tracked (for tests of the sweep and of memory). */
  get size(): number {
    return this.#buckets.size;
  }

  #forgetFull(now: number): void {
    for (const [key, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(key);
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}
