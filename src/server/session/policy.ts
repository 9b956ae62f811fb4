// What every session of one server shares: its limits, metrics and logger. Sessions hold one
// reference to it instead of a copy of each setting.
import type { Logger } from 'pino';
import type { RateLimiter } from '../limits/rate-limiter.js';
import type { JsonBounds } from '../limits/json-bounds.js';
import type { StoredBytesQuota } from '../limits/quota.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Drain } from './drain.js';
import type { DocService } from '../docs/doc-service.js';

export interface SessionPolicy {
  readonly limiter: RateLimiter;
  readonly maxRooms: number;
  /** Requests one connection may have in flight; one more is refused with `busy`. */
  readonly maxInFlight: number;
  /** Bytes of message frames one join may replay (at most half the outbox limit). */
  readonly recoveryBytes: number;
  /** Message text stored per hour, per address and per user. */
  readonly quotas: StoredBytesQuota;
  readonly jsonBounds: JsonBounds;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly drain: Drain;
  /** The rooms' shared documents (lock and version verbs); absent, those verbs answer not_found. */
  readonly docs?: DocService;
}
