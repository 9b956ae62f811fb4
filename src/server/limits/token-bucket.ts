// Token bucket: `burst` tokens, refilled at `perSecond`. One bucket is two numbers, so every
// connection and every user can have its own without noticeable memory.

export interface BucketSpec {
  /** Tokens added per second: the sustained rate. */
  perSecond: number;
  /** Most tokens held: how many requests may arrive at once after a quiet spell. */
  burst: number;
}

export class TokenBucket {
  readonly #spec: BucketSpec;
  #tokens: number;
  #stamp: number;

  constructor(spec: BucketSpec, now: number) {
    this.#spec = spec;
    this.#tokens = spec.burst;
    this.#stamp = now;
  }

  /**
   * Takes `cost` tokens (one request; or, for a byte quota, its bytes): 0 when granted, otherwise
   * the milliseconds until that many will be there. A refusal takes nothing.
   */
  take(now: number, cost = 1): number {
    const { perSecond, burst } = this.#spec;
    const refilled = this.#tokens + ((now - this.#stamp) * perSecond) / 1000;
    this.#stamp = now;
    this.#tokens = refilled > burst ? burst : refilled;
    if (this.#tokens >= cost) {
      this.#tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - this.#tokens) * 1000) / perSecond);
  }

  /** Gives back tokens taken for something that did not happen (a write the store refused). */
  refund(cost: number): void {
    const tokens = this.#tokens + cost;
    this.#tokens = tokens > this.#spec.burst ? this.#spec.burst : tokens;
  }

  /** True once the bucket has refilled completely: it is then the same as a new one. */
  full(now: number): boolean {
    return this.#tokens + ((now - this.#stamp) * this.#spec.perSecond) / 1000 >= this.#spec.burst;
  }
}
