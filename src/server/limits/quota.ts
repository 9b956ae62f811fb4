// Stored-bytes quotas: how much message text (sends and edits) one client address and one user may
// store per hour. Rate limits bound requests per connection and user, but a crowd of guest
// connections from one address is a crowd of users: without a bound per address it fills the disk.
// Each quota is a token bucket in bytes holding an hour's worth, refilled evenly over the hour. The
// bytes are reserved before the store write and given back when nothing was stored (a refusal, a
// failure, a duplicate `cid`), so a refused write costs nothing and a stored one is never uncounted.
// Buckets live in this process: in a cluster each process counts its own.
import { TokenBucket, type BucketSpec } from './token-bucket.js';

export interface QuotaSpec {
  /** Bytes per hour per client address; 0: no quota. */
  ipBytesPerHour: number;
  /** Bytes per hour per user; 0: no quota. */
  userBytesPerHour: number;
}

export type QuotaScope = 'ip' | 'user';

export interface QuotaRefusal {
  scope: QuotaScope;
  /** Milliseconds until the bucket holds enough for this text. */
  waitMs: number;
}

/** How often buckets that have refilled (the same as new ones) are forgotten. */
const SWEEP_MS = 60_000;

export class StoredBytesQuota {
  readonly #ipSpec: BucketSpec | null;
  readonly #userSpec: BucketSpec | null;
  readonly #ips = new Map<string, TokenBucket>();
  readonly #users = new Map<string, TokenBucket>();
  readonly #sweep: NodeJS.Timeout;

  constructor(spec: QuotaSpec) {
    this.#ipSpec = hourly(spec.ipBytesPerHour);
    this.#userSpec = hourly(spec.userBytesPerHour);
    this.#sweep = setInterval(() => this.#forgetFull(performance.now()), SWEEP_MS).unref();
  }

  get enabled(): boolean {
    return this.#ipSpec !== null || this.#userSpec !== null;
  }

  /** Takes `bytes` from the address's and the user's buckets; a refusal takes from neither. */
  reserve(ip: string, userId: string, bytes: number, now: number): QuotaRefusal | undefined {
    const ipBucket = this.#ipSpec === null ? null : bucket(this.#ips, ip, this.#ipSpec, now);
    if (ipBucket !== null) {
      const waitMs = ipBucket.take(now, bytes);
      if (waitMs > 0) return { scope: 'ip', waitMs };
    }
    if (this.#userSpec !== null) {
      const waitMs = bucket(this.#users, userId, this.#userSpec, now).take(now, bytes);
      if (waitMs > 0) {
        ipBucket?.refund(bytes);
        return { scope: 'user', waitMs };
      }
    }
    return undefined;
  }

  /** Gives back a reservation whose text was not stored. */
  refund(ip: string, userId: string, bytes: number): void {
    this.#ips.get(ip)?.refund(bytes);
    this.#users.get(userId)?.refund(bytes);
  }

  #forgetFull(now: number): void {
    for (const [key, held] of this.#ips) if (held.full(now)) this.#ips.delete(key);
    for (const [key, held] of this.#users) if (held.full(now)) this.#users.delete(key);
  }

  close(): void {
    clearInterval(this.#sweep);
  }
}

function hourly(bytesPerHour: number): BucketSpec | null {
  return bytesPerHour === 0 ? null : { perSecond: bytesPerHour / 3600, burst: bytesPerHour };
}

function bucket(map: Map<string, TokenBucket>, key: string, spec: BucketSpec, now: number): TokenBucket {
  let found = map.get(key);
  if (found === undefined) {
    found = new TokenBucket(spec, now);
    map.set(key, found);
  }
  return found;
}
