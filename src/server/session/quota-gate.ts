// Message text counted against the stored-bytes quotas (see limits/quota.ts) by the verbs that store
// text: reserved before the store write, given back when nothing was stored.
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { Session } from './session.js';

/** Reserves `text`'s UTF-8 bytes for this session's address and user; throws quota_exceeded. Returns what to refund. */
export function reserveText(session: Session, text: string): number {
  const { quotas, metrics } = session.policy;
  if (!quotas.enabled) return 0;
  const bytes = Buffer.byteLength(text);
  const refusal = quotas.reserve(session.ip, session.userId, bytes, performance.now());
  if (refusal === undefined) return bytes;
  metrics.quotaExceeded.inc({ scope: refusal.scope });
  const who = refusal.scope === 'ip' ? 'your address' : 'you';
  const error = new ProtocolError(
    ErrorCode.QuotaExceeded,
    `${who} stored the most message text allowed per hour; retry in ${Math.ceil(refusal.waitMs / 1000)} s`,
  );
  error.retryAfterMs = refusal.waitMs;
  throw error;
}

/** Gives back a reservation whose text was not stored (refused, failed, or a duplicate). */
export function refundText(session: Session, bytes: number): void {
  if (bytes > 0) session.policy.quotas.refund(session.ip, session.userId, bytes);
}
