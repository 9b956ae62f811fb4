// PostgresStore: the Store that several server processes share. Appends that arrive within one
// event-loop turn go to the database as one transaction, and one such transaction is in flight per
// process at a time: while it runs, the next turn's appends gather into the next batch, so the batch
// grows with load instead of the number of round trips. Per-room seq is allocated under a row lock
// on the room (see docs/decisions.md), and the cid check runs under that same lock, so two processes
// can neither hand out one seq twice nor store one (room, user, cid) twice.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ChatMessage, UserRef } from '../../protocol/messages.js';
import { migrate } from './postgres-schema.js';
import { StoreError, type AppendResult, type NewMessage, type RoomSummary, type Store } from './store.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding Parley's tables (created if missing). Lets several deployments or test suites share a database. */
  schema?: string;
  /** Most connections this process opens. */
  poolSize?: number;
}

interface MessageRow {
  room: string;
  seq: string;
  msg_id: string;
  user_id: string;
  user_name: string;
  cid: string;
  text: string;
  ts: string;
}

interface PendingAppend {
  message: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;
/** deadlock_detected, serialization_failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

const toMessage = (row: MessageRow): ChatMessage => ({
  room: row.room,
  seq: Number(row.seq),
  msgId: row.msg_id,
  cid: row.cid,
  from: { id: row.user_id, name: row.user_name },
  text: row.text,
  ts: Number(row.ts),
});

const cidKey = (room: string, userId: string, cid: string): string => `${room}\u0000${userId}\u0000${cid}`;

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  /** The batch transaction in flight, if any; the next one starts when it settles. */
  #writing: Promise<void> | undefined;
  #closed = false;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects, migrates, and returns a store ready for use. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_PATTERN.test(schema)) throw new StoreError(`schema name "${schema}" must match ${SCHEMA_PATTERN.source}`);
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
    });
    // An idle connection that the server drops (restart, failover) is reported here; the pool
    // discards it and opens a new one on the next query, so there is nothing else to do.
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        await migrate(client, schema);
      } finally {
        client.release();
      }
    } catch (cause) {
      await pool.end().catch(() => undefined);
      throw new StoreError(`could not open PostgreSQL store: ${(cause as Error).message}`, { cause });
    }
    return new PostgresStore(pool);
  }

  append(message: NewMessage): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new StoreError('store is closed'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ message, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#flushScheduled || this.#writing !== undefined) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#startBatch();
    });
  }

  #startBatch(): void {
    if (this.#writing !== undefined || this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#writing = this.#writeBatch(batch).finally(() => {
      this.#writing = undefined;
      if (this.#pending.length > 0) this.#schedule();
    });
  }

  async #writeBatch(batch: PendingAppend[]): Promise<void> {
    let results: AppendResult[] | undefined;
    let failure: unknown;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS && results === undefined; attempt++) {
      try {
        results = await this.#transaction(batch.map((entry) => entry.message));
      } catch (error) {
        failure = error;
        const code = (error as { code?: unknown }).code;
        if (typeof code !== 'string' || !RETRYABLE.has(code)) break;
      }
    }
    if (results === undefined) {
      const error = new StoreError(`could not store messages: ${(failure as Error).message}`, { cause: failure });
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => entry.resolve(results[index] as AppendResult));
  }

  /** One batch in one transaction; returns one result per message, in order. */
  async #transaction(messages: NewMessage[]): Promise<AppendResult[]> {
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const rooms = [...new Set(messages.map((m) => m.room))].sort();
      // Sorted, so that two processes lock the same rooms in the same order and cannot deadlock.
      const lockRooms = (names: string[]): Promise<pg.QueryResult<{ name: string; seq: string }>> =>
        client.query<{ name: string; seq: string }>(
          'SELECT name, seq FROM rooms WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE',
          [names],
        );
      // Rooms almost always exist already (join creates them), so lock first and create only what is missing.
      const locked = await lockRooms(rooms);
      if (locked.rows.length < rooms.length) {
        const found = new Set(locked.rows.map((row) => row.name));
        const missing = rooms.filter((room) => !found.has(room));
        await client.query(
          'INSERT INTO rooms (name, seq, created_at) SELECT unnest($1::text[]), 0, $2 ON CONFLICT (name) DO NOTHING',
          [missing, messages[0]?.ts ?? Date.now()],
        );
        locked.rows.push(...(await lockRooms(missing)).rows);
      }
      const roomSeq = new Map(locked.rows.map((row) => [row.name, Number(row.seq)]));
      // Read under the room locks: a message another process stored for the same cid has committed by now.
      const existing = await client.query<MessageRow>(
        `SELECT m.* FROM messages m
           JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(room, user_id, cid)
             ON m.room = k.room AND m.user_id = k.user_id AND m.cid = k.cid`,
        [messages.map((m) => m.room), messages.map((m) => m.from.id), messages.map((m) => m.cid)],
      );
      const known = new Map<string, ChatMessage>();
      for (const row of existing.rows) known.set(cidKey(row.room, row.user_id, row.cid), toMessage(row));

      const results: AppendResult[] = [];
      const fresh: ChatMessage[] = [];
      for (const { room, cid, from, text, ts } of messages) {
        const key = cidKey(room, from.id, cid);
        const first = known.get(key);
        if (first !== undefined) {
          results.push({ message: first, duplicate: true });
          continue;
        }
        const seq = (roomSeq.get(room) ?? 0) + 1;
        roomSeq.set(room, seq);
        const message: ChatMessage = { room, seq, msgId: randomBytes(12).toString('base64url'), cid, from, text, ts };
        known.set(key, message); // a twin later in this same batch is a duplicate of this one
        fresh.push(message);
        results.push({ message, duplicate: false });
      }
      if (fresh.length > 0) {
        const touched = [...new Set(fresh.map((m) => m.room))];
        // One statement, one round trip, while the room locks are held.
        await client.query(
          `WITH inserted AS (
             INSERT INTO messages (room, seq, msg_id, user_id, user_name, cid, text, ts)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
           )
           UPDATE rooms SET seq = v.seq FROM unnest($9::text[], $10::bigint[]) AS v(name, seq) WHERE rooms.name = v.name`,
          [
            fresh.map((m) => m.room),
            fresh.map((m) => m.seq),
            fresh.map((m) => m.msgId),
            fresh.map((m) => m.from.id),
            fresh.map((m) => m.from.name),
            fresh.map((m) => m.cid),
            fresh.map((m) => m.text),
            fresh.map((m) => m.ts),
            touched,
            touched.map((room) => roomSeq.get(room) ?? 0),
          ],
        );
      }
      await client.query('COMMIT');
      return results;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async ensureRoom(room: string): Promise<RoomSummary> {
    const { rows } = await this.#query<{ seq: string }>(
      `WITH created AS (
         INSERT INTO rooms (name, seq, created_at) VALUES ($1, 0, $2) ON CONFLICT (name) DO NOTHING RETURNING seq
       )
       SELECT seq FROM created UNION ALL SELECT seq FROM rooms WHERE name = $1`,
      [room, Date.now()],
    );
    return { room, seq: Number(rows[0]?.seq ?? 0) };
  }

  async roomSeq(room: string): Promise<number> {
    const { rows } = await this.#query<{ seq: string }>('SELECT seq FROM rooms WHERE name = $1', [room]);
    return Number(rows[0]?.seq ?? 0);
  }

  async listRooms(): Promise<RoomSummary[]> {
    const { rows } = await this.#query<{ name: string; seq: string }>('SELECT name, seq FROM rooms ORDER BY name');
    return rows.map((row) => ({ room: row.name, seq: Number(row.seq) }));
  }

  async history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]> {
    const { rows } = await this.#query<MessageRow>(
      'SELECT * FROM (SELECT * FROM messages WHERE room = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3) w ORDER BY seq',
      [room, before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return rows.map(toMessage);
  }

  async after(room: string, after: number, limit: number): Promise<ChatMessage[]> {
    const { rows } = await this.#query<MessageRow>(
      'SELECT * FROM messages WHERE room = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [room, after, limit],
    );
    return rows.map(toMessage);
  }

  async recordUser(user: UserRef, kind: 'guest' | 'account'): Promise<void> {
    const now = Date.now();
    await this.#query(
      `INSERT INTO users (id, name, kind, created_at, seen_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at`,
      [user.id, user.name, kind, now],
    );
  }

  /** Resolves when the database answers a trivial query; used by the readiness check. */
  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Appends accepted before close are written, in batches, before the pool goes.
    while (this.#writing !== undefined || this.#pending.length > 0) {
      this.#startBatch();
      await this.#writing;
    }
    await this.#pool.end();
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    if (this.#closed) throw new StoreError('store is closed');
    try {
      return await this.#pool.query<R>(text, values);
    } catch (cause) {
      throw new StoreError((cause as Error).message, { cause });
    }
  }
}
