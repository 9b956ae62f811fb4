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

export const WebhookPath = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

/** The JSON body of every delivery (Standard Webhooks' recommended shape). */
export interface WebhookPayload {
  type: WebhookEventType;
  /** When the event happened, ISO 8601. */
  timestamp: string;
  data: Record<string, unknown>;
}
