// The delivery worker: every process runs one. Each poll it leases the subscriptions that have a
// due event and nobody delivering them (store/webhook-store.ts `claim`; in a PostgreSQL cluster
// `FOR UPDATE SKIP LOCKED` hands each to one process), then delivers each subscription's events one
// at a time, oldest first, so a receiver gets them in order. An event leaves the outbox only after
// a 2xx answer: a process killed at any moment leaves its events queued, and its leases run out
// for another process (or itself, restarted) to deliver them again (at least once; receivers
// deduplicate by `webhook-id`). A failure waits out the retry schedule, blocking the events after
// it; when the schedule is spent the subscription is disabled, with a warn line and a metric.
// Every attempt goes into the subscription's delivery log (the console's "recent deliveries") once
// the outbox has been told, gathered with others into one write (delivery-log.ts): the log is for
// people, and never holds a delivery back.
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { ClaimedSubscription, LoggedAttempt, OutboxEntry, WebhookStore } from '../store/webhook-store.js';
import { randomId } from '../random-id.js';
import { DeliveryLog } from './delivery-log.js';
import { retryDelay } from './schedule.js';
import { signature } from './signature.js';
import type { Sender } from './sender.js';

export interface DeliveryOptions {
  store: WebhookStore;
  sender: Sender;
  log: Logger;
  /** Waits after each failure (schedule.ts). */
  retrySchedule: readonly number[];
  /** How often the outbox is polled for due events. */
  pollMs: number;
  /** One attempt's timeout (the lease outlasts it). */
  timeoutMs: number;
  /** Queued events one subscription may have; at the bound it is disabled (docs/security.md). */
  outboxMax: number;
  /** Subscriptions this process delivers to at once. */
  concurrency?: number;
  onAttempt?: (ok: boolean) => void;
  onDisabled?: (reason: 'failing' | 'outbox_full') => void;
  onDepth?: (queued: number, deepest: number) => void;
}

/** Between outbox depth checks (a GROUP BY over the outbox): the bound may be passed by this much time's events. */
const DEPTH_EVERY_MS = 2000;

export class DeliveryWorker {
  readonly #options: DeliveryOptions;
  readonly #id = `worker-${process.pid}-${randomId(6)}`;
  /** Subscriptions this process is delivering to now. */
  readonly #active = new Set<string>();
  /** Their drains, for stop() to wait on. */
  readonly #running = new Set<Promise<void>>();
  readonly #leaseMs: number;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #lastDepthAt = 0;
  #stopping = false;
  /** While polls fail (the database is unreachable): told once, not every poll. */
  #pollFailing = false;
  readonly #deliveryLog: DeliveryLog;

  constructor(options: DeliveryOptions) {
    this.#options = options;
    // Moved on before every attempt, so it needs to cover one attempt and its store writes; it is also how
    // long a killed process's subscriptions wait before another process (or its restart) takes them over.
    this.#leaseMs = options.timeoutMs + 5000;
    this.#deliveryLog = new DeliveryLog(options.store, options.log);
  }

  start(): void {
    this.#schedule(0);
  }

  /** Stops polling, cuts attempts in flight (their events stay queued, unchanged) and releases the leases. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    await this.#polling;
    this.#options.sender.close();
    await Promise.all([...this.#running]);
    await this.#deliveryLog.flush();
  }

  #schedule(delayMs: number): void {
    if (this.#stopping) return;
    this.#timer = setTimeout(() => {
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined;
        this.#schedule(this.#options.pollMs);
      });
    }, delayMs);
  }

  async #poll(): Promise<void> {
    const { store, log } = this.#options;
    try {
      const now = Date.now();
      if (now - this.#lastDepthAt >= DEPTH_EVERY_MS) {
        this.#lastDepthAt = now;
        await this.#checkDepth();
      }
      const room = (this.#options.concurrency ?? 16) - this.#active.size;
      if (room <= 0) return;
      for (const claimed of await store.claim(this.#id, now, this.#leaseMs, room)) {
        if (this.#active.has(claimed.id) || this.#stopping) continue;
        this.#active.add(claimed.id);
        const run: Promise<void> = this.#drain(claimed).finally(() => this.#running.delete(run));
        this.#running.add(run);
      }
      if (this.#pollFailing) log.info('webhook delivery: polling the outbox again');
      this.#pollFailing = false;
    } catch (error) {
      if (!this.#pollFailing) log.warn({ err: error }, 'webhook delivery: could not poll the outbox; retrying every poll');
      this.#pollFailing = true;
    }
  }

  async #checkDepth(): Promise<void> {
    const { store, log, outboxMax } = this.#options;
    const depth = await store.depth();
    let total = 0;
    let deepest = 0;
    for (const [subscription, queued] of depth) {
      total += queued;
      deepest = Math.max(deepest, queued);
      if (queued >= outboxMax && (await store.disable(subscription, 'outbox_full'))) {
        log.warn({ subscription, queued }, 'webhook subscription disabled: its outbox is full (PARLEY_WEBHOOK_OUTBOX_MAX)');
        this.#options.onDisabled?.('outbox_full');
      }
    }
    this.#options.onDepth?.(total, deepest);
  }

  /** Delivers the subscription's due events in order until one fails or none is left. */
  async #drain(subscription: ClaimedSubscription): Promise<void> {
    const { store, log } = this.#options;
    try {
      while (!this.#stopping) {
        const entry = await store.head(subscription.id);
        if (entry === undefined || entry.nextAt > Date.now()) return;
        if (!(await store.extendLease(subscription.id, this.#id, Date.now() + this.#leaseMs))) return;
        if (!(await this.#attempt(subscription, entry))) return;
      }
    } catch (error) {
      log.warn({ err: error, subscription: subscription.id }, 'webhook delivery: store failed');
    } finally {
      // Forgotten before the lease is released: once it is, the next poll may claim it again and
      // must then start a new drain (it cannot be claimed again before the release commits).
      this.#active.delete(subscription.id);
      await store.release(subscription.id, this.#id).catch(() => undefined);
    }
  }

  /** One attempt; true when it was delivered (and the next event may go). */
  async #attempt(subscription: ClaimedSubscription, entry: OutboxEntry): Promise<boolean> {
    const { store, sender, log } = this.#options;
    // `data` is stored as JSON already: the body is put together without parsing it again.
    const body = `{"type":${JSON.stringify(entry.type)},"timestamp":${JSON.stringify(new Date(entry.createdAt).toISOString())},"data":${entry.payload}}`;
    const sentAt = Date.now();
    const timestamp = Math.floor(sentAt / 1000);
    const started = performance.now();
    const attempt = await sender.post(
      subscription.url,
      {
        'webhook-id': entry.eventId,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature(subscription.secret, entry.eventId, timestamp, body),
      },
      body,
    );
    const latencyMs = performance.now() - started;
    // Cut short by stop(): not the receiver's failure, and the event stays as it was.
    if (this.#stopping && !attempt.ok) return false;
    this.#options.onAttempt?.(attempt.ok);
    const logged: LoggedAttempt = {
      eventId: entry.eventId,
      type: entry.type,
      attempt: entry.attempts + 1,
      at: sentAt,
      ...(attempt.status === undefined ? {} : { status: attempt.status }),
      ok: attempt.ok,
      latencyMs,
      ...(attempt.ok ? {} : { error: attempt.error }),
      payload: entry.payload,
      createdAt: entry.createdAt,
    };
    if (attempt.ok) {
      await store.delivered(entry.id);
      this.#deliveryLog.add(subscription.id, logged);
      return true;
    }
    const failures = entry.attempts + 1;
    const delay = retryDelay(this.#options.retrySchedule, failures);
    await store.retryLater(entry.id, failures, Date.now() + (delay ?? 0));
    this.#deliveryLog.add(subscription.id, logged);
    if (delay === undefined && (await store.disable(subscription.id, 'failing'))) {
      log.warn({ subscription: subscription.id, failures, error: attempt.error }, 'webhook subscription disabled: every retry failed');
      this.#options.onDisabled?.('failing');
    } else {
      log.info({ subscription: subscription.id, failures, error: attempt.error, retryInMs: delay }, 'webhook delivery failed; will retry');
    }
    return false;
  }
}
