// Tickets and shared documents in the SQLite database file, on a connection of their own (as
// sqlite-api-keys.ts): the chat store's batching is for messages. Appends of one event-loop turn
// are written in one transaction; every write resolves after the WAL sync that covers it, run off
// the event loop (WalSync, as SqliteStore does), so an update is durable before anyone is sent it
// and a burst of updates costs one sync. Checkpoints are the chat store's worker's (its Checkpointer
// runs on a timer for the whole file), so this connection never checkpoints on the event loop.
import Database from 'better-sqlite3';
import { migrate } from './sqlite-schema.js';
import { StoreError } from './store.js';
import { WalSync } from './wal-sync.js';
import type { CollabStore, StoredDoc, StoredUpdate, VersionInfo } from './doc-store.js';
import type { NewTicket, TicketRecord } from './ticket-store.js';

interface PendingAppend {
  room: string;
  update: Uint8Array;
  now: number;
  resolve: (id: number) => void;
  reject: (error: Error) => void;
}

interface TicketRow {
  room: string;
  user_id: string;
  user_name: string;
  expires_at: number;
}

interface VersionRow {
  id: number;
  name: string;
  by_id: string;
  created_at: number;
  bytes: number;
}

export class SqliteCollab implements CollabStore {
  readonly #db: Database.Database;
  readonly #walSync: WalSync;
  readonly #statements;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  #closed = false;

  /** `file`: the database file of SqliteStore (migrated here too). */
  constructor(file: string) {
    this.#db = new Database(file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('wal_autocheckpoint = 0');
    this.#db.pragma('busy_timeout = 5000');
    this.#walSync = new WalSync(file);
    migrate(this.#db);
    const db = this.#db;
    this.#statements = {
      dropExpired: db.prepare<[number]>('DELETE FROM tickets WHERE expires_at <= ?'),
      issue: db.prepare<[string, string, string, string, number]>('INSERT INTO tickets (hash, room, user_id, user_name, expires_at) VALUES (?, ?, ?, ?, ?)'),
      redeem: db.prepare<[string], TicketRow>('DELETE FROM tickets WHERE hash = ? RETURNING room, user_id, user_name, expires_at'),
      append: db.prepare<[string, Uint8Array, number]>('INSERT INTO doc_updates (room, data, ts) VALUES (?, ?, ?)'),
      snapshot: db.prepare<[string], { data: Buffer }>('SELECT data FROM doc_snapshots WHERE room = ?'),
      updates: db.prepare<[string, number], { id: number; data: Buffer }>('SELECT id, data FROM doc_updates WHERE room = ? AND id > ? ORDER BY id'),
      putSnapshot: db.prepare<[string, Uint8Array, number]>(
        'INSERT INTO doc_snapshots (room, data, updated_at) VALUES (?, ?, ?) ON CONFLICT (room) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at',
      ),
      dropUpdate: db.prepare<[string, number]>('DELETE FROM doc_updates WHERE room = ? AND id = ?'),
      saveVersion: db.prepare<[string, string, Uint8Array, string, number]>(
        'INSERT INTO doc_versions (room, name, data, by_id, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      listVersions: db.prepare<[string], VersionRow>('SELECT id, name, by_id, created_at, length(data) AS bytes FROM doc_versions WHERE room = ? ORDER BY id'),
      version: db.prepare<[string, number], { data: Buffer }>('SELECT data FROM doc_versions WHERE room = ? AND id = ?'),
      lock: db.prepare<[string]>('INSERT INTO doc_locks (room) VALUES (?) ON CONFLICT (room) DO NOTHING'),
      unlock: db.prepare<[string]>('DELETE FROM doc_locks WHERE room = ?'),
      locked: db.prepare<[string], { room: string }>('SELECT room FROM doc_locks WHERE room = ?'),
      dropUpdates: db.prepare<[string]>('DELETE FROM doc_updates WHERE room = ?'),
      dropSnapshot: db.prepare<[string]>('DELETE FROM doc_snapshots WHERE room = ?'),
      dropVersions: db.prepare<[string]>('DELETE FROM doc_versions WHERE room = ?'),
    };
  }

  issueTicket(ticket: NewTicket, now: number): Promise<void> {
    return this.#write(() =>
      this.#db.transaction(() => {
        this.#statements.dropExpired.run(now);
        this.#statements.issue.run(ticket.hash, ticket.room, ticket.user.id, ticket.user.name, ticket.expiresAt);
      })(),
    );
  }

  redeemTicket(hash: string, now: number): Promise<TicketRecord | undefined> {
    return this.#write(() => {
      const row = this.#statements.redeem.get(hash);
      if (row === undefined || row.expires_at <= now) return undefined;
      return { room: row.room, user: { id: row.user_id, name: row.user_name }, expiresAt: row.expires_at };
    });
  }

  appendUpdate(room: string, update: Uint8Array, now: number): Promise<number> {
    if (this.#closed) return Promise.reject(new StoreError('the document store is closed'));
    return new Promise<number>((resolve, reject) => {
      this.#pending.push({ room, update, now, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    try {
      const ids = this.#db.transaction(() =>
        batch.map((append) => Number(this.#statements.append.run(append.room, append.update, append.now).lastInsertRowid)),
      )();
      this.#walSync.durable().then(
        () => batch.forEach((append, index) => append.resolve(ids[index] ?? 0)),
        (error: unknown) => {
          const failure = new StoreError(`could not sync document updates: ${(error as Error).message}`, { cause: error });
          for (const append of batch) append.reject(failure);
        },
      );
    } catch (error) {
      const failure = new StoreError(`could not store a document update: ${(error as Error).message}`, { cause: error });
      for (const append of batch) append.reject(failure);
    }
  }

  loadDoc(room: string): Promise<StoredDoc> {
    return this.#run(() => {
      const snapshot = this.#statements.snapshot.get(room)?.data;
      const updates = this.#updatesAfter(room, 0);
      const bytes = (snapshot?.byteLength ?? 0) + updates.reduce((sum, stored) => sum + stored.update.byteLength, 0);
      return { snapshot: snapshot === undefined ? undefined : new Uint8Array(snapshot), updates, bytes };
    });
  }

  updatesAfter(room: string, after: number): Promise<StoredUpdate[]> {
    return this.#run(() => this.#updatesAfter(room, after));
  }

  #updatesAfter(room: string, after: number): StoredUpdate[] {
    return this.#statements.updates.all(room, after).map((row) => ({ id: row.id, update: new Uint8Array(row.data) }));
  }

  compact(room: string, ids: readonly number[], merge: (current: Uint8Array | undefined) => Uint8Array, now: number): Promise<void> {
    return this.#write(() =>
      this.#db.transaction(() => {
        const current = this.#statements.snapshot.get(room)?.data;
        this.#statements.putSnapshot.run(room, merge(current === undefined ? undefined : new Uint8Array(current)), now);
        for (const id of ids) this.#statements.dropUpdate.run(room, id);
      })(),
    );
  }

  saveVersion(room: string, name: string, state: Uint8Array, by: string, now: number): Promise<number> {
    return this.#write(() => Number(this.#statements.saveVersion.run(room, name, state, by, now).lastInsertRowid));
  }

  listVersions(room: string): Promise<VersionInfo[]> {
    return this.#run(() =>
      this.#statements.listVersions.all(room).map((row) => ({ id: row.id, name: row.name, by: row.by_id, createdAt: row.created_at, bytes: row.bytes })),
    );
  }

  version(room: string, id: number): Promise<Uint8Array | undefined> {
    return this.#run(() => {
      const row = this.#statements.version.get(room, id);
      return row === undefined ? undefined : new Uint8Array(row.data);
    });
  }

  setDocLocked(room: string, locked: boolean): Promise<void> {
    return this.#write(() => {
      if (locked) this.#statements.lock.run(room);
      else this.#statements.unlock.run(room);
    });
  }

  docLocked(room: string): Promise<boolean> {
    return this.#run(() => this.#statements.locked.get(room) !== undefined);
  }

  dropDoc(room: string): Promise<void> {
    return this.#write(() =>
      this.#db.transaction(() => {
        this.#statements.dropUpdates.run(room);
        this.#statements.dropSnapshot.run(room);
        this.#statements.dropVersions.run(room);
        this.#statements.unlock.run(room);
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    await this.#walSync.durable().catch(() => undefined);
    await this.#walSync.close();
    this.#db.close();
  }

  /** A write, resolved once the WAL sync covering it is done. */
  async #write<T>(work: () => T): Promise<T> {
    const result = await this.#run(work);
    try {
      await this.#walSync.durable();
    } catch (cause) {
      throw new StoreError(`document store: could not sync: ${(cause as Error).message}`, { cause });
    }
    return result;
  }

  // better-sqlite3 is synchronous; a thrown error becomes a rejected StoreError.
  #run<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('the document store is closed'));
    try {
      return Promise.resolve(work());
    } catch (error) {
      return Promise.reject(new StoreError(`document store: ${(error as Error).message}`, { cause: error }));
    }
  }
}
