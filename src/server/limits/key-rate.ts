// A token bucket per key (a server API key's id): requests per second with a burst. Buckets that
// have refilled are the same as new ones and are forgotten, so the map holds only busy keys.
import { TokenBucket, type BucketSpec } from './token-bucket.js';

const SWEEP_MS = 60_000;

export class KeyRate {
  readonly #spec: BucketSpec;
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #sweep: NodeJS.Timeout;

  constructor(spec: BucketSpec) {
    this.#spec = spec;
    this.#sweep = setInterval(() => {
      const now = performance.now();
      for (const [key, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(key);
    }, SWEEP_MS).unref();
  }

  /** Takes `cost` tokens: 0 when granted, otherwise the milliseconds until they will be there. */
  take(key: string, cost = 1, now = performance.now()): number {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this.#spec, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now, cost);
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}
