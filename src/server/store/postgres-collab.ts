// Tickets and shared documents in PostgreSQL, on a small pool of their own (as postgres-api-keys.ts).
// A ticket is redeemed by one DELETE … RETURNING, so of two processes redeeming it at once exactly
// one gets its row; a compaction holds a per-room advisory lock, so two never interleave.
import pg from 'pg';
import { openMigratedPool, type PoolOptions } from './postgres-pool.js';
import { StoreError } from './store.js';
import type { CollabStore, StoredDoc, StoredUpdate, VersionInfo } from './doc-store.js';
import type { NewTicket, TicketRecord } from './ticket-store.js';

interface TicketRow {
  room: string;
  user_id: string;
  user_name: string;
  expires_at: string;
}

export class PostgresCollab implements CollabStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects and migrates `schema` (the same as PostgresStore's). */
  static async open(options: PoolOptions & { poolSize?: number }): Promise<PostgresCollab> {
    return new PostgresCollab(await openMigratedPool(options, options.poolSize ?? 4, 'documents'));
  }

  async issueTicket(ticket: NewTicket, now: number): Promise<void> {
    await this.#query('DELETE FROM tickets WHERE expires_at <= $1', [now]);
    await this.#query('INSERT INTO tickets (hash, room, user_id, user_name, expires_at) VALUES ($1, $2, $3, $4, $5)', [
      ticket.hash,
      ticket.room,
      ticket.user.id,
      ticket.user.name,
      ticket.expiresAt,
    ]);
  }

  async redeemTicket(hash: string, now: number): Promise<TicketRecord | undefined> {
    const { rows } = await this.#query<TicketRow>('DELETE FROM tickets WHERE hash = $1 RETURNING room, user_id, user_name, expires_at', [hash]);
    const row = rows[0];
    if (row === undefined || Number(row.expires_at) <= now) return undefined;
    return { room: row.room, user: { id: row.user_id, name: row.user_name }, expiresAt: Number(row.expires_at) };
  }

  async appendUpdate(room: string, update: Uint8Array, now: number): Promise<number> {
    const { rows } = await this.#query<{ id: string }>('INSERT INTO doc_updates (room, data, ts) VALUES ($1, $2, $3) RETURNING id', [
      room,
      Buffer.from(update),
      now,
    ]);
    return Number(rows[0]?.id ?? 0);
  }

  async loadDoc(room: string): Promise<StoredDoc> {
    const { rows } = await this.#query<{ data: Buffer }>('SELECT data FROM doc_snapshots WHERE room = $1', [room]);
    const snapshot = rows[0]?.data;
    const updates = await this.updatesAfter(room, 0);
    const bytes = (snapshot?.byteLength ?? 0) + updates.reduce((sum, stored) => sum + stored.update.byteLength, 0);
    return { snapshot: snapshot === undefined ? undefined : new Uint8Array(snapshot), updates, bytes };
  }

  async updatesAfter(room: string, after: number): Promise<StoredUpdate[]> {
    const { rows } = await this.#query<{ id: string; data: Buffer }>('SELECT id, data FROM doc_updates WHERE room = $1 AND id > $2 ORDER BY id', [room, after]);
    return rows.map((row) => ({ id: Number(row.id), update: new Uint8Array(row.data) }));
  }

  async compact(room: string, ids: readonly number[], merge: (current: Uint8Array | undefined) => Uint8Array, now: number): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`parley.doc.${room}`]);
      const { rows } = await client.query<{ data: Buffer }>('SELECT data FROM doc_snapshots WHERE room = $1', [room]);
      const current = rows[0]?.data;
      const merged = merge(current === undefined ? undefined : new Uint8Array(current));
      await client.query(
        'INSERT INTO doc_snapshots (room, data, updated_at) VALUES ($1, $2, $3) ON CONFLICT (room) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at',
        [room, Buffer.from(merged), now],
      );
      await client.query('DELETE FROM doc_updates WHERE room = $1 AND id = ANY($2::bigint[])', [room, ids.map(String)]);
    });
  }

  async saveVersion(room: string, name: string, state: Uint8Array, by: string, now: number): Promise<number> {
    const { rows } = await this.#query<{ id: string }>(
      'INSERT INTO doc_versions (room, name, data, by_id, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [room, name, Buffer.from(state), by, now],
    );
    return Number(rows[0]?.id ?? 0);
  }

  async listVersions(room: string): Promise<VersionInfo[]> {
    const { rows } = await this.#query<{ id: string; name: string; by_id: string; created_at: string; bytes: number }>(
      'SELECT id, name, by_id, created_at, length(data) AS bytes FROM doc_versions WHERE room = $1 ORDER BY id',
      [room],
    );
    return rows.map((row) => ({ id: Number(row.id), name: row.name, by: row.by_id, createdAt: Number(row.created_at), bytes: Number(row.bytes) }));
  }

  async version(room: string, id: number): Promise<Uint8Array | undefined> {
    const { rows } = await this.#query<{ data: Buffer }>('SELECT data FROM doc_versions WHERE room = $1 AND id = $2', [room, id]);
    return rows[0] === undefined ? undefined : new Uint8Array(rows[0].data);
  }

  async setDocLocked(room: string, locked: boolean): Promise<void> {
    if (locked) await this.#query('INSERT INTO doc_locks (room) VALUES ($1) ON CONFLICT (room) DO NOTHING', [room]);
    else await this.#query('DELETE FROM doc_locks WHERE room = $1', [room]);
  }

  async docLocked(room: string): Promise<boolean> {
    const { rows } = await this.#query('SELECT room FROM doc_locks WHERE room = $1', [room]);
    return rows.length > 0;
  }

  async dropDoc(room: string): Promise<void> {
    await this.#transaction(async (client) => {
      for (const table of ['doc_updates', 'doc_snapshots', 'doc_versions', 'doc_locks']) await client.query(`DELETE FROM ${table} WHERE room = $1`, [room]);
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(text, values);
    } catch (cause) {
      throw new StoreError(`document store: ${(cause as Error).message}`, { cause });
    }
  }

  async #transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw new StoreError(`document store: ${(cause as Error).message}`, { cause });
    }
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error instanceof StoreError ? error : new StoreError(`document store: ${(error as Error).message}`, { cause: error });
    } finally {
      client.release();
    }
  }
}
