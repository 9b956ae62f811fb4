// Webhooks out in the SQLite database file. SqliteOutbox is what SqliteStore records events with,
// inside its own batch transaction; SqliteWebhooks is the API's subscriptions and the delivery
// worker's claims, on a connection of its own (as SqliteApiKeys): its writes are small, and a lost
// `delivered` after a power cut only means one more delivery (at least once), so it runs under
// synchronous NORMAL, with no fsync on the event loop per delivery.
import Database from 'better-sqlite3';
import { migrate } from './sqlite-schema.js';
import { syncPromise } from './sync-promise.js';
import {
  DELIVERY_COLUMNS,
  OUTBOX_COLUMNS,
  SUBSCRIPTION_COLUMNS,
  deliveryValues,
  newestOfBatch,
  toDeliveryAttempt,
  toOutboxEntry,
  toSubscription,
  type DeliveryRow,
  type OutboxRow,
  type SubscriptionRow,
} from './webhook-rows.js';
import {
  storedEvents,
  type AttemptOf,
  type ClaimedSubscription,
  type DeliveryAttempt,
  type NewWebhookSubscription,
  type OutboxEntry,
  type ResendOutcome,
  type WebhookEvent,
  type WebhookStore,
  type WebhookSubscription,
} from './webhook-store.js';

/**
 * Records events for their subscribers; call it inside the transaction of the write that caused
 * them, after `refresh` at the start of that transaction.
 */
export class SqliteOutbox {
  readonly #insert: Database.Statement<{ type: string; payload: string; at: number }>;
  readonly #dataVersion: Database.Statement<[], number>;
  readonly #anyEnabled: Database.Statement<[], number>;
  #seenVersion: number | undefined;
  #active = true;

  constructor(db: Database.Database) {
    this.#dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.#anyEnabled = db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE enabled = 1)').pluck();
    // Nothing but this SELECT over an (almost always) empty or small table when nobody subscribes.
    this.#insert = db.prepare(
      `INSERT INTO webhook_outbox (subscription_id, event_id, type, payload, created_at, next_at)
       SELECT id, 'msg_' || lower(hex(randomblob(16))), @type, @payload, @at, @at FROM webhook_subscriptions
        WHERE enabled = 1 AND instr(events, ',' || @type || ',') > 0 ORDER BY id`,
    );
  }

  /**
   * Whether anyone subscribes, re-read only when another connection (the webhook store's: nothing
   * else of ours writes subscriptions) has committed since: with no subscriber, recording costs
   * nothing, not even the event's JSON (measured: 9% of the store's throughput otherwise). Inside
   * the IMMEDIATE transaction, so a subscription committed before it is seen.
   */
  refresh(): void {
    const version = this.#dataVersion.get() ?? 0;
    if (version === this.#seenVersion) return;
    this.#seenVersion = version;
    this.#active = this.#anyEnabled.get() === 1;
  }

  record(event: WebhookEvent): void {
    if (!this.#active) return;
    this.#insert.run({ type: event.type, payload: JSON.stringify(event.data), at: event.at });
  }
}

type Row = SubscriptionRow<number, number>;

export class SqliteWebhooks implements WebhookStore {
  readonly #db: Database.Database;
  readonly #statements;

  /** `file`: the database file of SqliteStore (migrated here too). */
  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
    const db = this.#db;
    this.#statements = {
      create: db.prepare<[string, string, string, string, string, number, number]>(
        `INSERT INTO webhook_subscriptions (id, owner, url, events, secret, created_at)
         SELECT ?, ?, ?, ?, ?, ? WHERE (SELECT COUNT(*) FROM webhook_subscriptions) < ?`,
      ),
      list: db.prepare<[string], Row>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE owner = ? ORDER BY created_at, id`),
      listAll: db.prepare<[], Row>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id`),
      delete: db.prepare<[string, string]>('DELETE FROM webhook_subscriptions WHERE id = ? AND owner = ?'),
      dropQueue: db.prepare<[string]>('DELETE FROM webhook_outbox WHERE subscription_id = ?'),
      enable: db.prepare<[string, string]>('UPDATE webhook_subscriptions SET enabled = 1, disabled_reason = NULL WHERE id = ? AND owner = ?'),
      resetHead: db.prepare<[number, string]>(
        `UPDATE webhook_outbox SET attempts = 0, next_at = ? WHERE id = (SELECT min(id) FROM webhook_outbox WHERE subscription_id = ?)`,
      ),
      claimable: db.prepare<[number, number, number], { id: string }>(
        `SELECT s.id FROM webhook_subscriptions s
          WHERE s.enabled = 1 AND s.locked_until < ?
            AND (SELECT o.next_at FROM webhook_outbox o WHERE o.subscription_id = s.id ORDER BY o.id LIMIT 1) <= ?
          ORDER BY s.id LIMIT ?`,
      ),
      lease: db.prepare<[string, number, string], ClaimedSubscription>(
        'UPDATE webhook_subscriptions SET locked_by = ?, locked_until = ? WHERE id = ? RETURNING id, url, secret',
      ),
      extend: db.prepare<[number, string, string]>('UPDATE webhook_subscriptions SET locked_until = ? WHERE id = ? AND locked_by = ?'),
      release: db.prepare<[string, string]>('UPDATE webhook_subscriptions SET locked_by = NULL, locked_until = 0 WHERE id = ? AND locked_by = ?'),
      head: db.prepare<[string], OutboxRow<number>>(`SELECT ${OUTBOX_COLUMNS} FROM webhook_outbox WHERE subscription_id = ? ORDER BY id LIMIT 1`),
      delivered: db.prepare<[number]>('DELETE FROM webhook_outbox WHERE id = ?'),
      retry: db.prepare<[number, number, number]>('UPDATE webhook_outbox SET attempts = ?, next_at = ? WHERE id = ?'),
      disable: db.prepare<[string, string]>('UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = ? WHERE id = ? AND enabled = 1'),
      depth: db.prepare<[], { subscription_id: string; n: number }>('SELECT subscription_id, COUNT(*) AS n FROM webhook_outbox GROUP BY subscription_id'),
      // Not for a subscription deleted while its attempt was in flight: its log would never be dropped.
      logAttempt: db.prepare<[string, ...ReturnType<typeof deliveryValues>, string]>(
        `INSERT INTO webhook_deliveries (subscription_id, event_id, type, payload, event_at, attempt, at, status, ok, latency_ms, error)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE id = ?)`,
      ),
      // Everything at or below the (keep+1)-th newest: by the (subscription_id, id) index, one row in the steady state.
      pruneLog: db.prepare<[string, string, number]>(
        `DELETE FROM webhook_deliveries WHERE subscription_id = ?
            AND id <= (SELECT id FROM webhook_deliveries WHERE subscription_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
      ),
      deliveries: db.prepare<[string, number], DeliveryRow<number, number>>(
        `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = ? ORDER BY at DESC, id DESC LIMIT ?`,
      ),
      dropLog: db.prepare<[string]>('DELETE FROM webhook_deliveries WHERE subscription_id = ?'),
      enabled: db.prepare<[string], number>('SELECT enabled FROM webhook_subscriptions WHERE id = ?').pluck(),
      logged: db.prepare<[string, string], { type: string; payload: string; event_at: number }>(
        'SELECT type, payload, event_at FROM webhook_deliveries WHERE subscription_id = ? AND event_id = ? ORDER BY id DESC LIMIT 1',
      ),
      // No index on event_id: it would cost every chat write that records an event; a resend reads the subscription's rows.
      queued: db.prepare<[string, string], number>('SELECT EXISTS (SELECT 1 FROM webhook_outbox WHERE subscription_id = ? AND event_id = ?)').pluck(),
      requeue: db.prepare<[string, string, string, string, number, number]>(
        'INSERT INTO webhook_outbox (subscription_id, event_id, type, payload, created_at, next_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  createSubscription(subscription: NewWebhookSubscription, max: number): Promise<boolean> {
    const { id, owner, url, events, secret, createdAt } = subscription;
    return syncPromise(() => this.#statements.create.run(id, owner, url, storedEvents(events), secret, createdAt, max).changes === 1);
  }

  listSubscriptions(owner: string): Promise<WebhookSubscription[]> {
    return syncPromise(() => this.#statements.list.all(owner).map(toSubscription));
  }

  listAllSubscriptions(): Promise<WebhookSubscription[]> {
    return syncPromise(() => this.#statements.listAll.all().map(toSubscription));
  }

  deleteSubscription(id: string, owner: string): Promise<boolean> {
    return syncPromise(() =>
      this.#db.transaction(() => {
        if (this.#statements.delete.run(id, owner).changes === 0) return false;
        this.#statements.dropQueue.run(id);
        this.#statements.dropLog.run(id);
        return true;
      })(),
    );
  }

  enableSubscription(id: string, owner: string, now: number): Promise<boolean> {
    return syncPromise(() =>
      this.#db.transaction(() => {
        if (this.#statements.enable.run(id, owner).changes === 0) return false;
        this.#statements.resetHead.run(now, id);
        return true;
      })(),
    );
  }

  claim(worker: string, now: number, leaseMs: number, limit: number): Promise<ClaimedSubscription[]> {
    // One process per SQLite file: the IMMEDIATE transaction is all the locking there is to do.
    return syncPromise(() =>
      this.#db
        .transaction(() => this.#statements.claimable.all(now, now, limit).flatMap((row) => this.#statements.lease.all(worker, now + leaseMs, row.id)))
        .immediate(),
    );
  }

  extendLease(subscriptionId: string, worker: string, until: number): Promise<boolean> {
    return syncPromise(() => this.#statements.extend.run(until, subscriptionId, worker).changes === 1);
  }

  release(subscriptionId: string, worker: string): Promise<void> {
    return syncPromise(() => {
      this.#statements.release.run(subscriptionId, worker);
    });
  }

  head(subscriptionId: string): Promise<OutboxEntry | undefined> {
    return syncPromise(() => {
      const row = this.#statements.head.get(subscriptionId);
      return row === undefined ? undefined : toOutboxEntry(row);
    });
  }

  delivered(entryId: number): Promise<void> {
    return syncPromise(() => {
      this.#statements.delivered.run(entryId);
    });
  }

  retryLater(entryId: number, attempts: number, nextAt: number): Promise<void> {
    return syncPromise(() => {
      this.#statements.retry.run(attempts, nextAt, entryId);
    });
  }

  disable(subscriptionId: string, reason: string): Promise<boolean> {
    return syncPromise(() => this.#statements.disable.run(reason, subscriptionId).changes === 1);
  }

  logAttempts(attempts: readonly AttemptOf[], keep: number): Promise<void> {
    const s = this.#statements;
    return syncPromise(() =>
      this.#db.transaction(() => {
        const logged = new Set<string>();
        for (const { subscriptionId, attempt } of newestOfBatch(attempts, keep)) {
          if (s.logAttempt.run(subscriptionId, ...deliveryValues(attempt), subscriptionId).changes === 1) logged.add(subscriptionId);
        }
        for (const subscriptionId of logged) s.pruneLog.run(subscriptionId, subscriptionId, keep);
      })(),
    );
  }

  deliveries(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]> {
    return syncPromise(() => this.#statements.deliveries.all(subscriptionId, limit).map(toDeliveryAttempt));
  }

  resend(subscriptionId: string, eventId: string, now: number): Promise<ResendOutcome> {
    const s = this.#statements;
    return syncPromise(() =>
      this.#db
        .transaction((): ResendOutcome => {
          const enabled = s.enabled.get(subscriptionId);
          if (enabled === undefined) return 'no_subscription';
          const logged = s.logged.get(subscriptionId, eventId);
          if (logged === undefined) return 'no_event';
          if (enabled !== 1) return 'disabled';
          if (s.queued.get(subscriptionId, eventId) === 1) return 'already_queued';
          s.requeue.run(subscriptionId, eventId, logged.type, logged.payload, logged.event_at, now);
          return 'queued';
        })
        .immediate(),
    );
  }

  depth(): Promise<Map<string, number>> {
    return syncPromise(() => new Map(this.#statements.depth.all().map((row) => [row.subscription_id, row.n])));
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}
