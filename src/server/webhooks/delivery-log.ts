// The delivery worker's writes to the delivery log, gathered: each attempt is kept in memory and
// written with the others of the next FLUSH_MS in one store write (`logAttempts`), off the
// delivery's path. One write per attempt was measured to cut deliveries per second by a third on
// SQLite (each commit writes whole pages of the table and its index to the WAL); a batch writes
// those pages once. The log is for people, so it may lag by FLUSH_MS, a process killed meanwhile
// loses its last attempts' entries (never an event), and a failed write is logged once and
// dropped: nothing waits on it, and what waits for it is bounded.
import type { Logger } from 'pino';
import { DELIVERY_LOG_KEEP } from '../../protocol/webhooks.js';
import type { AttemptOf, LoggedAttempt, WebhookStore } from '../store/webhook-store.js';

/** How long an attempt waits to be written with others. */
export const FLUSH_MS = 50;
/** Attempts written at once; more make a write start at once. */
export const BATCH_MAX = 256;
/** Attempts kept waiting while writes fail or lag; past it the oldest are dropped. */
export const PENDING_MAX = 4096;

/** All the log needs of the store. */
export type DeliveryLogStore = Pick<WebhookStore, 'logAttempts'>;

export class DeliveryLog {
  readonly #store: DeliveryLogStore;
  readonly #log: Logger;
  #pending: AttemptOf[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The write in flight: one at a time, so that the log's order is the attempts' order. */
  #writing: Promise<void> | undefined;
  /** While writes fail: told once, not every write. */
  #failing = false;
  #dropped = 0;

  constructor(store: DeliveryLogStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  add(subscriptionId: string, attempt: LoggedAttempt): void {
    if (this.#pending.length >= PENDING_MAX) {
      this.#pending.shift();
      this.#dropped++;
    }
    this.#pending.push({ subscriptionId, attempt });
    if (this.#pending.length >= BATCH_MAX) this.#start();
    else this.#timer ??= setTimeout(() => this.#start(), FLUSH_MS);
  }

  /** Writes everything waiting (the worker's stop, before the store closes). */
  async flush(): Promise<void> {
    while (this.#writing !== undefined || this.#pending.length > 0) {
      this.#start();
      await this.#writing;
    }
  }

  #start(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#writing !== undefined || this.#pending.length === 0) return;
    const batch = this.#pending.splice(0, BATCH_MAX);
    this.#writing = this.#write(batch).finally(() => {
      this.#writing = undefined;
      if (this.#pending.length > 0) this.#timer ??= setTimeout(() => this.#start(), this.#pending.length >= BATCH_MAX ? 0 : FLUSH_MS);
    });
  }

  async #write(batch: AttemptOf[]): Promise<void> {
    try {
      await this.#store.logAttempts(batch, DELIVERY_LOG_KEEP);
      if (this.#failing) this.#log.info({ dropped: this.#dropped }, 'webhook delivery: writing the delivery log again');
      else if (this.#dropped > 0)
        this.#log.warn({ dropped: this.#dropped }, 'webhook delivery: the delivery log fell behind; the oldest attempts were not logged');
      this.#failing = false;
      this.#dropped = 0;
    } catch (error) {
      this.#dropped += batch.length;
      if (!this.#failing) this.#log.warn({ err: error }, 'webhook delivery: could not write the delivery log; delivering on');
      this.#failing = true;
    }
  }
}
