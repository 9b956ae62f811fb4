// Webhook rows as both engines return them (pg: BIGINT as string, boolean; SQLite: number, 0/1).
import { DELIVERY_ERROR_MAX, WEBHOOK_EVENTS } from '../../protocol/webhooks.js';
import {
  parseEvents,
  type AttemptOf,
  type DeliveryAttempt,
  type LoggedAttempt,
  type OutboxEntry,
  type WebhookEventType,
  type WebhookSubscription,
} from './webhook-store.js';

export const SUBSCRIPTION_COLUMNS = 'id, owner, url, events, enabled, disabled_reason, created_at';
export const OUTBOX_COLUMNS = 'id, event_id, type, payload, created_at, attempts, next_at';
export const DELIVERY_COLUMNS = 'event_id, type, attempt, at, status, ok, latency_ms, error';

export interface SubscriptionRow<N, B> {
  id: string;
  owner: string;
  url: string;
  events: string;
  enabled: B;
  disabled_reason: string | null;
  created_at: N;
}

export interface OutboxRow<N> {
  id: N;
  event_id: string;
  type: string;
  payload: string;
  created_at: N;
  attempts: number;
  next_at: N;
}

export function toSubscription<N extends number | string, B extends number | boolean>(row: SubscriptionRow<N, B>): WebhookSubscription {
  return {
    id: row.id,
    owner: row.owner,
    url: row.url,
    events: parseEvents(row.events, WEBHOOK_EVENTS),
    enabled: row.enabled === true || row.enabled === 1,
    ...(row.disabled_reason === null ? {} : { disabledReason: row.disabled_reason }),
    createdAt: Number(row.created_at),
  };
}

export function toOutboxEntry<N extends number | string>(row: OutboxRow<N>): OutboxEntry {
  return {
    id: Number(row.id),
    eventId: row.event_id,
    type: row.type as WebhookEventType,
    payload: row.payload,
    createdAt: Number(row.created_at),
    attempts: row.attempts,
    nextAt: Number(row.next_at),
  };
}

export interface DeliveryRow<N, B> {
  event_id: string;
  type: string;
  attempt: number;
  at: N;
  status: number | null;
  ok: B;
  latency_ms: number;
  error: string | null;
}

export function toDeliveryAttempt<N extends number | string, B extends number | boolean>(row: DeliveryRow<N, B>): DeliveryAttempt {
  return {
    eventId: row.event_id,
    type: row.type as WebhookEventType,
    attempt: row.attempt,
    at: Number(row.at),
    ...(row.status === null ? {} : { status: row.status }),
    ok: row.ok === true || row.ok === 1,
    latencyMs: row.latency_ms,
    ...(row.error === null ? {} : { error: row.error }),
  };
}

/**
 * A logged attempt's columns, in the order both engines' INSERT takes them (after the subscription
 * id). `ok` is 1 or 0: SQLite binds no booleans, and PostgreSQL reads '1' and '0' as booleans.
 */
export function deliveryValues(attempt: LoggedAttempt): [string, string, string, number, number, number, number | null, number, number, string | null] {
  return [
    attempt.eventId,
    attempt.type,
    attempt.payload,
    attempt.createdAt,
    attempt.attempt,
    attempt.at,
    attempt.status ?? null,
    attempt.ok ? 1 : 0,
    // A latency is whole milliseconds, never negative (a clock step back mid-attempt).
    Math.max(0, Math.round(attempt.latencyMs)),
    attempt.error === undefined ? null : attempt.error.slice(0, DELIVERY_ERROR_MAX),
  ];
}

/**
 * The attempts worth writing: of each subscription only its last `keep` in the batch (older ones
 * would be pruned by the same write), in the order given. PostgreSQL's single statement relies on it.
 */
export function newestOfBatch(attempts: readonly AttemptOf[], keep: number): AttemptOf[] {
  const left = new Map<string, number>();
  const kept: AttemptOf[] = [];
  for (let i = attempts.length - 1; i >= 0; i--) {
    const one = attempts[i];
    if (one === undefined) continue;
    const room = left.get(one.subscriptionId) ?? keep;
    if (room <= 0) continue;
    left.set(one.subscriptionId, room - 1);
    kept.push(one);
  }
  return kept.reverse();
}
