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
