// Webhook subscriptions as the server API makes them: the URL checked by the address guard (form,
// scheme, every resolved address), a signing secret made here and shown once, and a bound on how
// many exist. Each belongs to the API key that made it; other keys see none of it.
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { WebhookEventType } from '../../protocol/webhooks.js';
import type { DeliveryAttempt, WebhookStore, WebhookSubscription } from '../store/webhook-store.js';
import { randomId } from '../random-id.js';
import { WebhookRefused, type AddressGuard } from './address-guard.js';
import { newSigningSecret } from './signature.js';

// Layers above (http) take the subscription types from here, never from the store.
export type { DeliveryAttempt, WebhookSubscription } from '../store/webhook-store.js';

export class WebhookSubscriptions {
  readonly #store: WebhookStore;
  readonly #guard: AddressGuard;
  readonly #max: number;

  constructor(store: WebhookStore, guard: AddressGuard, maxSubscriptions: number) {
    this.#store = store;
    this.#guard = guard;
    this.#max = maxSubscriptions;
  }

  async create(owner: string, url: string, events: readonly WebhookEventType[], now = Date.now()): Promise<{ id: string; secret: string }> {
    try {
      await this.#guard.check(url);
    } catch (error) {
      if (error instanceof WebhookRefused) throw new ProtocolError(ErrorCode.BadRequest, `url: ${error.message}`, 'url');
      throw error;
    }
    const id = `wh_${randomId(12)}`;
    const secret = newSigningSecret();
    const created = await this.#store.createSubscription({ id, owner, url, events: [...new Set(events)], secret, createdAt: now }, this.#max);
    if (!created) throw new ProtocolError(ErrorCode.Forbidden, `this server has ${this.#max} webhook subscriptions already (PARLEY_WEBHOOK_MAX)`);
    return { id, secret };
  }

  list(owner: string): Promise<WebhookSubscription[]> {
    return this.#store.listSubscriptions(owner);
  }

  async delete(id: string, owner: string): Promise<void> {
    if (!(await this.#store.deleteSubscription(id, owner))) throw new ProtocolError(ErrorCode.NotFound, `no webhook ${id}`);
  }

  /** Every key's subscriptions with how many events wait for each (the admin console). */
  async listAll(): Promise<(WebhookSubscription & { queued: number })[]> {
    const [all, depth] = await Promise.all([this.#store.listAllSubscriptions(), this.#store.depth()]);
    return all.map((subscription) => ({ ...subscription, queued: depth.get(subscription.id) ?? 0 }));
  }

  /** The console acts on any key's subscription: its owner is looked up. */
  async ownerOf(id: string): Promise<string> {
    const found = (await this.#store.listAllSubscriptions()).find((subscription) => subscription.id === id);
    if (found === undefined) throw new ProtocolError(ErrorCode.NotFound, `no webhook ${id}`);
    return found.owner;
  }

  async enable(id: string, owner: string, now = Date.now()): Promise<void> {
    if (!(await this.#store.enableSubscription(id, owner, now))) throw new ProtocolError(ErrorCode.NotFound, `no webhook ${id}`);
  }

  /** The subscription's delivery log, newest first; another owner's is not found. */
  async deliveries(id: string, owner: string, limit: number): Promise<DeliveryAttempt[]> {
    await this.#mustOwn(id, owner);
    return this.#store.deliveries(id, limit);
  }

  /**
   * Queues a logged event again, after what is queued, with the same webhook-id (it is the same
   * event: a receiver that deduplicates and still has that id drops it). Nothing more is queued
   * while it waits in the outbox still.
   */
  async resend(id: string, owner: string, eventId: string, now = Date.now()): Promise<{ alreadyQueued: boolean }> {
    await this.#mustOwn(id, owner);
    const outcome = await this.#store.resend(id, eventId, now);
    switch (outcome) {
      case 'queued':
        return { alreadyQueued: false };
      case 'already_queued':
        return { alreadyQueued: true };
      case 'disabled':
        throw new ProtocolError(ErrorCode.WebhookDisabled, `webhook ${id} is disabled: enable it first (its queued events go first), then send again`);
      case 'no_event':
        throw new ProtocolError(ErrorCode.NotFound, `no event ${eventId} in the delivery log of webhook ${id} (it keeps the newest attempts only)`, 'eventId');
      case 'no_subscription':
        throw new ProtocolError(ErrorCode.NotFound, `no webhook ${id}`);
    }
  }

  async #mustOwn(id: string, owner: string): Promise<void> {
    const mine = await this.#store.listSubscriptions(owner);
    if (!mine.some((subscription) => subscription.id === id)) throw new ProtocolError(ErrorCode.NotFound, `no webhook ${id}`);
  }
}
