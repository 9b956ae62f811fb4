// Webhooks out (docs/api.md, docs/push.md): the events a subscription can ask for, the API's request
// and reply schemas (also in the OpenAPI document), and the body every delivery carries.
import { Type, type Static } from '@sinclair/typebox';

export const WEBHOOK_EVENTS = [
  'message.created',
  'message.edited',
  'message.deleted',
  'reaction.changed',
  'member.joined',
  'member.left',
  'room.created',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** Longest subscription URL accepted. */
export const WEBHOOK_URL_MAX = 2048;

const EventName = Type.Union(WEBHOOK_EVENTS.map((event) => Type.Literal(event)));

export const WebhookCreateBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: WEBHOOK_URL_MAX, description: 'http:// or https://, resolving to a public address' }),
    events: Type.Array(EventName, { minItems: 1, maxItems: WEBHOOK_EVENTS.length, uniqueItems: true }),
  },
  { additionalProperties: false },
);
export type WebhookCreateBody = Static<typeof WebhookCreateBody>;

export const WebhookCreated = Type.Object({
  id: Type.String(),
  /** Shown once: `whsec_<base64>`, the Standard Webhooks signing secret. */
  secret: Type.String(),
});

export const WebhookInfo = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(EventName),
  enabled: Type.Boolean(),
  /** Why it stopped: `failing` (its retry schedule ran out) or `outbox_full`. */
  disabledReason: Type.Optional(Type.String()),
  createdAt: Type.Integer(),
});

export const WebhookList = Type.Object({ webhooks: Type.Array(WebhookInfo) });

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
export const WebhookPath = Type.Object({ id: Id });

/**
 * Attempts kept in each subscription's delivery log: the newest, older ones dropped by the write
 * that adds one (docs/security.md). Also the most `GET …/deliveries` answers at once.
 */
export const DELIVERY_LOG_KEEP = 100;
/** Characters of an attempt's error text the log keeps. */
export const DELIVERY_ERROR_MAX = 200;
/** Attempts `GET …/deliveries` answers without a `limit`. */
export const DELIVERIES_DEFAULT_LIMIT = 20;

/** One attempt at delivering one event, as the delivery log keeps it. */
export const WebhookDelivery = Type.Object({
  /** The event's `webhook-id`: the same on every attempt and on a resend. */
  eventId: Type.String(),
  type: EventName,
  /** 1 for the first try of the event (or of a resend of it), 2 for the first retry, and so on. */
  attempt: Type.Integer({ minimum: 1 }),
  /** When the attempt was sent, ms since the epoch. */
  at: Type.Integer(),
  /** The receiver's HTTP status; absent when no answer came (timeout, refused address, connection reset). */
  status: Type.Optional(Type.Integer()),
  ok: Type.Boolean(),
  /** From sending the request to the answer (or the failure), ms. */
  latencyMs: Type.Integer({ minimum: 0 }),
  /** Why it failed, at most DELIVERY_ERROR_MAX characters. */
  error: Type.Optional(Type.String()),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;
export const WebhookDeliveryList = Type.Object({ deliveries: Type.Array(WebhookDelivery) });
export const DeliveriesQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: DELIVERY_LOG_KEEP, description: `newest first; default ${DELIVERIES_DEFAULT_LIMIT}` })) },
  { additionalProperties: false },
);
export type DeliveriesQuery = Static<typeof DeliveriesQuery>;
export const ResendPath = Type.Object({ id: Id, eventId: Id });
/** `alreadyQueued`: the event was still waiting in the outbox, so nothing more was queued. */
export const ResendReply = Type.Object({ id: Type.String(), eventId: Type.String(), alreadyQueued: Type.Boolean() });
export type ResendReply = Static<typeof ResendReply>;

/** The JSON body of every delivery (Standard Webhooks' recommended shape). */
export interface WebhookPayload {
  type: WebhookEventType;
  /** When the event happened, ISO 8601. */
  timestamp: string;
  data: Record<string, unknown>;
}
