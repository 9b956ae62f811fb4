// Stored-bytes quotas: how much message text (sends and edits) one client address and one user may
// store per hour. Rate limits bound requests per connection and user, but a crowd of guest
// connections from one address is a crowd of users: without a bound per address it fills the disk.
// Each quota is a token bucket in bytes holding an hour's worth, refilled evenly over the hour. The
// bytes are reserved before the store write and given back when nothing was stored (a refusal, a
// failure, a duplicate `cid`), so a refused write costs nothing and a stored one is never uncounted.
// Buckets live in this process: in a cluster each process counts its own.
import { KeyedQuota } from './keyed-quota.js';

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

export class StoredBytesQuota {
  readonly #ips: KeyedQuota | null;
  readonly #users: KeyedQuota | null;

  constructor(spec: QuotaSpec) {
    this.#ips = spec.ipBytesPerHour === 0 ? null : new KeyedQuota(spec.ipBytesPerHour);
    this.#users = spec.userBytesPerHour === 0 ? null : new KeyedQuota(spec.userBytesPerHour);
  }

  get enabled(): boolean {
    return this.#ips !== null || this.#users !== null;
  }

  /** Takes `bytes` from the address's and the user's buckets; a refusal takes from neither. */
  reserve(ip: string, userId: string, bytes: number, now: number): QuotaRefusal | undefined {
    const ipWait = this.#ips?.take(ip, now, bytes) ?? 0;
    if (ipWait > 0) return { scope: 'ip', waitMs: ipWait };
    const userWait = this.#users?.take(userId, now, bytes) ?? 0;
    if (userWait > 0) {
      this.#ips?.refund(ip, bytes);
      return { scope: 'user', waitMs: userWait };
    }
    return undefined;
  }

  /** Gives back a reservation whose text was not stored. */
  refund(ip: string, userId: string, bytes: number): void {
    this.#ips?.refund(ip, bytes);
    this.#users?.refund(userId, bytes);
  }

  close(): void {
    this.#ips?.close();
    this.#users?.close();
  }
}
