// Webhook rows as both engines return them (pg: BIGINT as string, boolean; SQLite: number, 0/1).
import { WEBHOOK_EVENTS } from '../../protocol/webhooks.js';
import { parseEvents, type OutboxEntry, type WebhookEventType, type WebhookSubscription } from './webhook-store.js';

export const SUBSCRIPTION_COLUMNS = 'id, owner, url, events, enabled, disabled_reason, created_at';
export const OUTBOX_COLUMNS = 'id, event_id, type, payload, created_at, attempts, next_at';

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
