// WebhookStore: outgoing webhook subscriptions and their delivery outbox. The outbox rows themselves
// are written by the chat Store, inside the transaction of the write that caused them (an append, an
// edit, a join...), with one INSERT ... SELECT over the enabled subscriptions: nothing is written when
// nobody subscribes, and nothing a subscriber was promised can be lost between the write and the
// delivery. This interface is the rest: the API's subscriptions, and the delivery worker's claims.
import type { WebhookEventType } from '../../protocol/webhooks.js';

export type { WebhookEventType } from '../../protocol/webhooks.js';

export interface WebhookSubscription {
  id: string;
  /** The API key that made it: only that key lists, deletes or re-enables it. */
  owner: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  /** Why it was disabled: 'failing' (retries ran out) or 'outbox_full'. */
  disabledReason?: string;
  createdAt: number;
}

export interface NewWebhookSubscription extends Omit<WebhookSubscription, 'enabled' | 'disabledReason'> {
  /** The signing secret (`whsec_…`): kept as is, since every delivery is signed with it. */
  secret: string;
}

/** A subscription this worker holds the lease of, with what it needs to deliver. */
export interface ClaimedSubscription {
  id: string;
  url: string;
  secret: string;
}

/** One event waiting for one subscription. */
export interface OutboxEntry {
  /** Outbox order: a subscription's events are delivered in ascending id. */
  id: number;
  /** `webhook-id`: the same on every attempt, so receivers deduplicate by it. */
  eventId: string;
  type: WebhookEventType;
  /** The event's `data`, as JSON text. */
  payload: string;
  createdAt: number;
  /** Failed attempts so far. */
  attempts: number;
  nextAt: number;
}

/** One attempt of the delivery worker at one event, as the delivery log keeps it. */
export interface DeliveryAttempt {
  /** The event's `webhook-id`. */
  eventId: string;
  type: WebhookEventType;
  /** 1 for the first try (of the event, or of a resend of it), 2 for the first retry... */
  attempt: number;
  at: number;
  /** The receiver's HTTP status; absent when none came. */
  status?: number;
  ok: boolean;
  latencyMs: number;
  /** Why it failed; the store keeps its first DELIVERY_ERROR_MAX characters. */
  error?: string;
}

/** What the worker logs: the attempt, and its event as it was queued, so that it can be sent again. */
export interface LoggedAttempt extends DeliveryAttempt {
  payload: string;
  /** The event's time (the outbox entry's `createdAt`: the body's `timestamp`). */
  createdAt: number;
}

/** One attempt to log, and whose. */
export interface AttemptOf {
  subscriptionId: string;
  attempt: LoggedAttempt;
}

/** What `resend` did: queued it, found it queued still, or why not. */
export type ResendOutcome = 'queued' | 'already_queued' | 'disabled' | 'no_subscription' | 'no_event';

/** An event to put in the outbox: the chat Store records it for every enabled subscriber of `type`. */
export interface WebhookEvent {
  type: WebhookEventType;
  data: Record<string, unknown>;
  at: number;
}

/**
 * Contract (test/contract/webhook-store.contract.ts, SQLite and PostgreSQL):
 * - `createSubscription` refuses (false) once `max` subscriptions exist, checked in the same write.
 * - list, delete and enable see only the owner's subscriptions; delete drops its queued events.
 * - Events the chat Store records reach every enabled subscription asking for their type, in order;
 *   a disabled one gets none.
 * - `claim` leases subscriptions whose first queued event is due, to one worker at a time: another
 *   worker gets them only once the lease has passed (a dead process's work is taken over).
 * - `head` is a subscription's first queued event; `delivered` removes it; `retryLater` counts the
 *   failure and moves its next attempt.
 * - `enableSubscription` makes the first queued event due at once, its failures forgotten.
 * - `logAttempts` adds attempts (of any subscriptions, in the order given) to their delivery logs
 *   and keeps only each log's newest `keep`, in the same write; an error text is cut to
 *   DELIVERY_ERROR_MAX characters; a subscription that does not exist (deleted while its attempt
 *   was in flight) logs nothing. `deliveries` lists a log newest first. Deleting the subscription
 *   drops its log.
 * - `resend` queues a logged event again, last in the subscription's outbox (due now), with its
 *   webhook-id, type, payload and time; not when it is queued still (`already_queued`), nor for a
 *   disabled subscription, and only events still in the log.
 */
export interface WebhookStore {
  createSubscription(subscription: NewWebhookSubscription, max: number): Promise<boolean>;
  listSubscriptions(owner: string): Promise<WebhookSubscription[]>;
  /** Every key's subscriptions (the admin console), oldest first. */
  listAllSubscriptions(): Promise<WebhookSubscription[]>;
  deleteSubscription(id: string, owner: string): Promise<boolean>;
  enableSubscription(id: string, owner: string, now: number): Promise<boolean>;
  /** Leases up to `limit` enabled subscriptions with a due event, not leased by anyone now. */
  claim(worker: string, now: number, leaseMs: number, limit: number): Promise<ClaimedSubscription[]>;
  /** Moves the lease on; false when `worker` no longer holds it. */
  extendLease(subscriptionId: string, worker: string, until: number): Promise<boolean>;
  release(subscriptionId: string, worker: string): Promise<void>;
  head(subscriptionId: string): Promise<OutboxEntry | undefined>;
  delivered(entryId: number): Promise<void>;
  retryLater(entryId: number, attempts: number, nextAt: number): Promise<void>;
  /** Stops recording and delivering for it; true when it was enabled. */
  disable(subscriptionId: string, reason: string): Promise<boolean>;
  /** Adds attempts to their subscriptions' delivery logs, each log cut to its newest `keep`: one write. */
  logAttempts(attempts: readonly AttemptOf[], keep: number): Promise<void>;
  /** The subscription's delivery log, newest first. */
  deliveries(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]>;
  resend(subscriptionId: string, eventId: string, now: number): Promise<ResendOutcome>;
  /** Queued events per subscription (those with any). */
  depth(): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/** Events as stored: `,a,b,` so that one is found with a substring test in SQL. */
export function storedEvents(events: readonly WebhookEventType[]): string {
  return `,${events.join(',')},`;
}

export function parseEvents(stored: string, known: readonly WebhookEventType[]): WebhookEventType[] {
  const listed = stored.split(',');
  return known.filter((event) => listed.includes(event));
}
