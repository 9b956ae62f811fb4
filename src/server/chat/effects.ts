// What every chat verb does besides its own work: it runs as one request (a store that failed
// becomes `store_failed`, logged once here), it publishes (a failed publication is logged, not
// thrown), it audits moderator and admin acts, and it reads the service's clock.
import type { Logger } from 'pino';
import type { Push, UserRef } from '../../protocol/messages.js';
import type { Broker } from '../broker/broker.js';
import type { NewAuditEntry } from '../store/console-store.js';
import { storeFailure } from './store-failure.js';

export interface ChatEffectsDeps {
  broker: Broker;
  log: Logger;
  audit?: ((entry: NewAuditEntry) => void) | undefined;
}

export class ChatEffects {
  readonly #deps: ChatEffectsDeps;
  /** Ms since the epoch. */
  readonly now: () => number;

  constructor(deps: ChatEffectsDeps, now: () => number) {
    this.#deps = deps;
    this.now = now;
  }

  /**
   * Runs one request for a caller (a session, plain mode): a store that failed (full disk, database
   * out of reach) leaves it as `store_failed`, logged here, so that no caller knows the Store's errors.
   */
  async request<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const failure = storeFailure(error);
      if (failure === undefined) throw error;
      this.#deps.log.error({ err: error }, 'store failed');
      throw failure;
    }
  }

  audit(actor: UserRef, action: string, room: string, target?: string, detail?: string): void {
    this.#deps.audit?.({
      at: this.now(),
      actor,
      action,
      room,
      ...(target === undefined ? {} : { target }),
      ...(detail === undefined ? {} : { detail }),
    });
  }

  // A failed publication is logged, not thrown: what it carried is stored (or, for presence and
  // typing, ephemeral), and members who missed a message recover it from the store by seq.
  async publish(room: string, push: Push): Promise<void> {
    try {
      await this.#deps.broker.publish(room, push);
    } catch (error) {
      this.#deps.log.error({ err: error, room, push: push.type }, 'publish failed');
    }
  }
}
