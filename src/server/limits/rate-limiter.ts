// Rate limits on what clients send: a token bucket per connection and one per user (shared by all
// of that user's connections on this process), each split into `send` and every other verb, and a
// `send` bucket per client address shared by all its connections (guests are a new user per
// connection: without it, many connections from one address multiply every bound). A
// request over either bucket is refused with `rate_limited` and a retry-after; a connection that
// keeps going after many refusals in a short window is abusive and gets closed (1008).
import { TokenBucket, type BucketSpec } from './token-bucket.js';

export type RateKind = 'send' | 'other';

export interface RateLimitSpec {
  connSend: BucketSpec | null;
  connOther: BucketSpec | null;
  userSend: BucketSpec | null;
  userOther: BucketSpec | null;
  /** `send` per client address, over all its connections on this process. */
  ipSend: BucketSpec | null;
  /** Refusals within `abuseWindowMs` after which the connection is closed with 1008. 0 never closes. */
  abuseRefusals: number;
  abuseWindowMs: number;
}

/** One connection's buckets and its recent refusals. */
export class ConnectionRate {
  readonly send: TokenBucket | null;
  readonly other: TokenBucket | null;
  refusals = 0;
  windowStart = 0;

  constructor(spec: RateLimitSpec, now: number) {
    this.send = spec.connSend === null ? null : new TokenBucket(spec.connSend, now);
    this.other = spec.connOther === null ? null : new TokenBucket(spec.connOther, now);
  }
}

interface UserRate {
  send: TokenBucket | null;
  other: TokenBucket | null;
}

/** How often idle user buckets are forgotten. */
const SWEEP_MS = 60_000;

export class RateLimiter {
  readonly spec: RateLimitSpec;
  readonly #users = new Map<string, UserRate>();
  readonly #ips = new Map<string, TokenBucket>();
  readonly #sweep: NodeJS.Timeout;

  constructor(spec: RateLimitSpec) {
    this.spec = spec;
    this.#sweep = setInterval(() => this.#forgetIdle(performance.now()), SWEEP_MS).unref();
  }

  get enabled(): boolean {
    const { connSend, connOther, userSend, userOther, ipSend } = this.spec;
    return connSend !== null || connOther !== null || userSend !== null || userOther !== null || ipSend !== null;
  }

  connection(now: number): ConnectionRate {
    return new ConnectionRate(this.spec, now);
  }

  /** 0 when the request may go ahead, otherwise the milliseconds the client should wait. */
  take(conn: ConnectionRate, userId: string | undefined, kind: RateKind, now: number): number {
    const connBucket = kind === 'send' ? conn.send : conn.other;
    const connWait = connBucket === null ? 0 : connBucket.take(now);
    if (connWait > 0) return connWait;
    if (userId === undefined) return 0;
    const spec = kind === 'send' ? this.spec.userSend : this.spec.userOther;
    if (spec === null) return 0;
    let user = this.#users.get(userId);
    if (user === undefined) {
      user = { send: null, other: null };
      this.#users.set(userId, user);
    }
    const bucket = kind === 'send' ? (user.send ??= new TokenBucket(spec, now)) : (user.other ??= new TokenBucket(spec, now));
    return bucket.take(now);
  }

  /** A `send` from address `ip` (after `take` granted it): 0, or the milliseconds to wait. */
  takeAddress(ip: string, now: number): number {
    const spec = this.spec.ipSend;
    if (spec === null) return 0;
    let bucket = this.#ips.get(ip);
    if (bucket === undefined) {
      bucket = new TokenBucket(spec, now);
      this.#ips.set(ip, bucket);
    }
    return bucket.take(now);
  }

  /** Records a refusal; true when the connection has now been refused too often and must be closed. */
  refused(conn: ConnectionRate, now: number): boolean {
    if (this.spec.abuseRefusals === 0) return false;
    if (now - conn.windowStart > this.spec.abuseWindowMs) {
      conn.windowStart = now;
      conn.refusals = 0;
    }
    return ++conn.refusals >= this.spec.abuseRefusals;
  }

  /** Users whose buckets are full again would get fresh ones anyway; dropping them bounds the map. */
  #forgetIdle(now: number): void {
    for (const [id, user] of this.#users) {
      if ((user.send === null || user.send.full(now)) && (user.other === null || user.other.full(now))) this.#users.delete(id);
    }
    for (const [ip, bucket] of this.#ips) if (bucket.full(now)) this.#ips.delete(ip);
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}
