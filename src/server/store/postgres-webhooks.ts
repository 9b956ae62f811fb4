// Webhooks out in PostgreSQL. The SQL pieces below are what PostgresStore records events with,
// inside its own transactions (or as one more CTE of the statement that causes them);
// PostgresWebhooks is the API's subscriptions and the delivery workers' claims, on a small pool of
// its own. Several processes claim at once: `FOR UPDATE SKIP LOCKED` hands each subscription to one
// of them, and its lease (locked_until) lets another take it over once a dead process's lease passes.
import pg from 'pg';
import { inTransaction, openMigratedPool, type PoolOptions } from './postgres-pool.js';
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

/** A fresh `webhook-id` for each outbox row (gen_random_uuid is built in from PostgreSQL 13). */
const NEW_EVENT_ID = `'msg_' || replace(gen_random_uuid()::text, '-', '')`;
const OUTBOX_INSERT = 'INSERT INTO webhook_outbox (subscription_id, event_id, type, payload, created_at, next_at)';

/**
 * The outbox rows for the events in the arrays `$types`, `$payloads`, `$ats` (placeholders such as
 * `$13`): one per event and enabled subscriber, in event order; usable as a CTE.
 */
export function outboxFromArrays(types: string, payloads: string, ats: string): string {
  return `${OUTBOX_INSERT}
    SELECT s.id, ${NEW_EVENT_ID}, e.type, e.payload, e.at, e.at
      FROM unnest(${types}::text[], ${payloads}::text[], ${ats}::bigint[]) WITH ORDINALITY AS e(type, payload, at, n)
      JOIN webhook_subscriptions s ON s.enabled AND strpos(s.events, ',' || e.type || ',') > 0
     ORDER BY s.id, e.n`;
}

/** The outbox rows for one event of a fixed `type`, recorded once for each row of `source` (a CTE name). */
export function outboxForEach(source: string, type: WebhookEvent['type'], payload: string, at: string): string {
  return `${OUTBOX_INSERT}
    SELECT s.id, ${NEW_EVENT_ID}, '${type}', ${payload}, ${at}, ${at}
      FROM ${source}, webhook_subscriptions s WHERE s.enabled AND strpos(s.events, ',${type},') > 0`;
}

/** The three arrays `outboxFromArrays` reads. */
export function eventArrays(events: readonly WebhookEvent[]): [string[], string[], number[]] {
  return [events.map((e) => e.type), events.map((e) => JSON.stringify(e.data)), events.map((e) => e.at)];
}

/** Records events inside the caller's transaction. */
export async function recordEvents(client: pg.ClientBase, events: readonly WebhookEvent[]): Promise<void> {
  if (events.length === 0) return;
  await client.query(outboxFromArrays('$1', '$2', '$3'), eventArrays(events));
}

type Row = SubscriptionRow<string, boolean>;

export class PostgresWebhooks implements WebhookStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects and migrates `schema` (the same as PostgresStore's). */
  static async open(options: PoolOptions): Promise<PostgresWebhooks> {
    return new PostgresWebhooks(await openMigratedPool(options, 3, 'webhooks'));
  }

  async createSubscription(subscription: NewWebhookSubscription, max: number): Promise<boolean> {
    const { id, owner, url, events, secret, createdAt } = subscription;
    return inTransaction(this.#pool, async (client) => {
      // The bound is checked and taken under one lock, so concurrent creates cannot pass it together.
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('parley.webhook_subscriptions'))`);
      const { rowCount } = await client.query(
        `INSERT INTO webhook_subscriptions (id, owner, url, events, secret, created_at)
         SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT COUNT(*) FROM webhook_subscriptions) < $7`,
        [id, owner, url, storedEvents(events), secret, createdAt, max],
      );
      return rowCount === 1;
    });
  }

  async listSubscriptions(owner: string): Promise<WebhookSubscription[]> {
    const { rows } = await this.#pool.query<Row>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE owner = $1 ORDER BY created_at, id`, [owner]);
    return rows.map(toSubscription);
  }

  async listAllSubscriptions(): Promise<WebhookSubscription[]> {
    const { rows } = await this.#pool.query<Row>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id`);
    return rows.map(toSubscription);
  }

  async deleteSubscription(id: string, owner: string): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      const { rowCount } = await client.query('DELETE FROM webhook_subscriptions WHERE id = $1 AND owner = $2', [id, owner]);
      if (rowCount !== 1) return false;
      await client.query('DELETE FROM webhook_outbox WHERE subscription_id = $1', [id]);
      await client.query('DELETE FROM webhook_deliveries WHERE subscription_id = $1', [id]);
      return true;
    });
  }

  async enableSubscription(id: string, owner: string, now: number): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      const { rowCount } = await client.query('UPDATE webhook_subscriptions SET enabled = true, disabled_reason = NULL WHERE id = $1 AND owner = $2', [
        id,
        owner,
      ]);
      if (rowCount !== 1) return false;
      await client.query('UPDATE webhook_outbox SET attempts = 0, next_at = $1 WHERE id = (SELECT min(id) FROM webhook_outbox WHERE subscription_id = $2)', [
        now,
        id,
      ]);
      return true;
    });
  }

  async claim(worker: string, now: number, leaseMs: number, limit: number): Promise<ClaimedSubscription[]> {
    // SKIP LOCKED: a subscription another process is claiming right now is left to it; the lease
    // re-checked on the locked row keeps one that was just claimed (and committed) from being taken.
    const { rows } = await this.#pool.query<ClaimedSubscription>(
      `UPDATE webhook_subscriptions s SET locked_by = $1, locked_until = $2
        WHERE s.id IN (
          SELECT c.id FROM webhook_subscriptions c
           WHERE c.enabled AND c.locked_until < $3
             AND (SELECT o.next_at FROM webhook_outbox o WHERE o.subscription_id = c.id ORDER BY o.id LIMIT 1) <= $3
           ORDER BY c.id LIMIT $4
           FOR UPDATE SKIP LOCKED)
        RETURNING s.id, s.url, s.secret`,
      [worker, now + leaseMs, now, limit],
    );
    return rows;
  }

  async extendLease(subscriptionId: string, worker: string, until: number): Promise<boolean> {
    const { rowCount } = await this.#pool.query('UPDATE webhook_subscriptions SET locked_until = $1 WHERE id = $2 AND locked_by = $3', [
      until,
      subscriptionId,
      worker,
    ]);
    return rowCount === 1;
  }

  async release(subscriptionId: string, worker: string): Promise<void> {
    await this.#pool.query('UPDATE webhook_subscriptions SET locked_by = NULL, locked_until = 0 WHERE id = $1 AND locked_by = $2', [subscriptionId, worker]);
  }

  async head(subscriptionId: string): Promise<OutboxEntry | undefined> {
    const { rows } = await this.#pool.query<OutboxRow<string>>(`SELECT ${OUTBOX_COLUMNS} FROM webhook_outbox WHERE subscription_id = $1 ORDER BY id LIMIT 1`, [
      subscriptionId,
    ]);
    return rows[0] === undefined ? undefined : toOutboxEntry(rows[0]);
  }

  async delivered(entryId: number): Promise<void> {
    await this.#pool.query('DELETE FROM webhook_outbox WHERE id = $1', [entryId]);
  }

  async retryLater(entryId: number, attempts: number, nextAt: number): Promise<void> {
    await this.#pool.query('UPDATE webhook_outbox SET attempts = $1, next_at = $2 WHERE id = $3', [attempts, nextAt, entryId]);
  }

  async disable(subscriptionId: string, reason: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query('UPDATE webhook_subscriptions SET enabled = false, disabled_reason = $1 WHERE id = $2 AND enabled', [
      reason,
      subscriptionId,
    ]);
    return rowCount === 1;
  }

  async logAttempts(attempts: readonly AttemptOf[], keep: number): Promise<void> {
    const batch = newestOfBatch(attempts, keep);
    if (batch.length === 0) return;
    // Column arrays, one element per attempt (deliveryValues' order after the subscription id).
    const columns: unknown[][] = Array.from({ length: 11 }, () => []);
    for (const { subscriptionId, attempt } of batch) {
      [subscriptionId, ...deliveryValues(attempt)].forEach((value, i) => columns[i]?.push(value));
    }
    // One statement, one round trip per batch. The DELETE's scan sees the table as it was before
    // this INSERT (one snapshot for the whole statement), so each log keeps its newest keep-n old
    // rows, n being its rows added (at most `keep`: newestOfBatch). Nothing for a subscription
    // deleted while its attempt was in flight.
    await this.#pool.query(
      `WITH e AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::bigint[], $8::int[], $9::int[], $10::int[], $11::text[])
           WITH ORDINALITY AS e(subscription_id, event_id, type, payload, event_at, attempt, at, status, ok, latency_ms, error, n)),
       added AS (
         INSERT INTO webhook_deliveries (subscription_id, event_id, type, payload, event_at, attempt, at, status, ok, latency_ms, error)
         SELECT e.subscription_id, e.event_id, e.type, e.payload, e.event_at, e.attempt, e.at, e.status, e.ok = 1, e.latency_ms, e.error
           FROM e WHERE EXISTS (SELECT 1 FROM webhook_subscriptions s WHERE s.id = e.subscription_id) ORDER BY e.n
         RETURNING subscription_id),
       counts AS (SELECT subscription_id, count(*) AS n FROM added GROUP BY subscription_id),
       ranked AS (
         SELECT d.id, row_number() OVER (PARTITION BY d.subscription_id ORDER BY d.at DESC, d.id DESC) AS r, c.n
           FROM webhook_deliveries d JOIN counts c ON c.subscription_id = d.subscription_id)
       DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM ranked WHERE r > $12 - n)`,
      [...columns, keep],
    );
  }

  // Newest first by the attempt's time, not by row id: each process writes its attempts in batches
  // (webhooks/delivery-log.ts), so when a subscription's deliveries move from one process to another
  // the later attempt's batch can be written first. The prune above keeps the newest the same way.
  async deliveries(subscriptionId: string, limit: number): Promise<DeliveryAttempt[]> {
    const { rows } = await this.#pool.query<DeliveryRow<string, boolean>>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
      [subscriptionId, limit],
    );
    return rows.map(toDeliveryAttempt);
  }

  async resend(subscriptionId: string, eventId: string, now: number): Promise<ResendOutcome> {
    return inTransaction(this.#pool, async (client) => {
      // The row lock makes two resends of one event (a double click, two admins) queue it once.
      const subscription = await client.query<{ enabled: boolean }>('SELECT enabled FROM webhook_subscriptions WHERE id = $1 FOR UPDATE', [subscriptionId]);
      const enabled = subscription.rows[0]?.enabled;
      if (enabled === undefined) return 'no_subscription';
      // No index on the outbox's event_id: it would cost every chat write that records an event.
      const { rows } = await client.query<{ type: string; payload: string; event_at: string; queued: boolean }>(
        `SELECT type, payload, event_at,
                EXISTS (SELECT 1 FROM webhook_outbox o WHERE o.subscription_id = $1 AND o.event_id = $2) AS queued
           FROM webhook_deliveries WHERE subscription_id = $1 AND event_id = $2 ORDER BY at DESC, id DESC LIMIT 1`,
        [subscriptionId, eventId],
      );
      const logged = rows[0];
      if (logged === undefined) return 'no_event';
      if (!enabled) return 'disabled';
      if (logged.queued) return 'already_queued';
      await client.query(`${OUTBOX_INSERT} VALUES ($1, $2, $3, $4, $5, $6)`, [subscriptionId, eventId, logged.type, logged.payload, logged.event_at, now]);
      return 'queued';
    });
  }

  async depth(): Promise<Map<string, number>> {
    const { rows } = await this.#pool.query<{ subscription_id: string; n: string }>(
      'SELECT subscription_id, COUNT(*) AS n FROM webhook_outbox GROUP BY subscription_id',
    );
    return new Map(rows.map((row) => [row.subscription_id, Number(row.n)]));
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
