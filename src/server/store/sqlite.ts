// SqliteStore: the one-machine Store, a single file under the data directory.
// Appends that arrive within one event-loop turn are written in one transaction (one fsync), and
// each caller is answered only after that transaction commits.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import type { ChatMessage, UserRef } from '../../protocol/messages.js';
import { migrate } from './sqlite-schema.js';
import { StoreError, type AppendResult, type NewMessage, type RoomSummary, type Store } from './store.js';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:'. */
  file: string;
  /** FULL survives power loss; NORMAL survives a process crash only. See docs/decisions.md. */
  synchronous?: 'full' | 'normal';
}

interface MessageRow {
  room: string;
  seq: number;
  msg_id: string;
  user_id: string;
  user_name: string;
  cid: string;
  text: string;
  ts: number;
}

interface PendingAppend {
  message: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

const toMessage = (row: MessageRow): ChatMessage => ({
  room: row.room,
  seq: row.seq,
  msgId: row.msg_id,
  cid: row.cid,
  from: { id: row.user_id, name: row.user_name },
  text: row.text,
  ts: row.ts,
});

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #statements;
  #pending: PendingAppend[] = [];
  #flushScheduled = false;
  #closed = false;

  constructor(options: SqliteStoreOptions) {
    this.#db = new Database(options.file);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
    const db = this.#db;
    this.#statements = {
      findByCid: db.prepare<[string, string, string], MessageRow>(
        'SELECT * FROM messages WHERE room = ? AND user_id = ? AND cid = ?',
      ),
      createRoom: db.prepare<[string, number]>('INSERT OR IGNORE INTO rooms (name, seq, created_at) VALUES (?, 0, ?)'),
      nextSeq: db.prepare<[string], { seq: number }>('UPDATE rooms SET seq = seq + 1 WHERE name = ? RETURNING seq'),
      insert: db.prepare<[string, number, string, string, string, string, string, number]>(
        'INSERT INTO messages (room, seq, msg_id, user_id, user_name, cid, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      roomSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM rooms WHERE name = ?'),
      listRooms: db.prepare<[], { name: string; seq: number }>('SELECT name, seq FROM rooms ORDER BY name'),
      before: db.prepare<[string, number, number], MessageRow>(
        'SELECT * FROM (SELECT * FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
      ),
      after: db.prepare<[string, number, number], MessageRow>(
        'SELECT * FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      recordUser: db.prepare<[string, string, string, number, number]>(
        `INSERT INTO users (id, name, kind, created_at, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at`,
      ),
    };
  }

  append(message: NewMessage): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new StoreError('store is closed'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ message, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    let results: AppendResult[];
    try {
      results = this.#db.transaction(() => batch.map((entry) => this.#appendOne(entry.message)))();
    } catch (cause) {
      const error = new StoreError(`could not store messages: ${(cause as Error).message}`, { cause });
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => entry.resolve(results[index] as AppendResult));
  }

  #appendOne(message: NewMessage): AppendResult {
    const { room, cid, from, text, ts } = message;
    const existing = this.#statements.findByCid.get(room, from.id, cid);
    if (existing !== undefined) return { message: toMessage(existing), duplicate: true };
    this.#statements.createRoom.run(room, ts);
    const next = this.#statements.nextSeq.get(room);
    if (next === undefined) throw new StoreError(`room ${room} vanished during append`);
    const msgId = randomBytes(12).toString('base64url');
    this.#statements.insert.run(room, next.seq, msgId, from.id, from.name, cid, text, ts);
    return { message: { room, seq: next.seq, msgId, cid, from, text, ts }, duplicate: false };
  }

  ensureRoom(room: string): Promise<RoomSummary> {
    return this.#read(() => {
      this.#statements.createRoom.run(room, Date.now());
      return { room, seq: this.#statements.roomSeq.get(room)?.seq ?? 0 };
    });
  }

  roomSeq(room: string): Promise<number> {
    return this.#read(() => this.#statements.roomSeq.get(room)?.seq ?? 0);
  }

  listRooms(): Promise<RoomSummary[]> {
    return this.#read(() => this.#statements.listRooms.all().map((row) => ({ room: row.name, seq: row.seq })));
  }

  history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]> {
    return this.#read(() =>
      this.#statements.before.all(room, before ?? Number.MAX_SAFE_INTEGER, limit).map(toMessage),
    );
  }

  after(room: string, after: number, limit: number): Promise<ChatMessage[]> {
    return this.#read(() => this.#statements.after.all(room, after, limit).map(toMessage));
  }

  recordUser(user: UserRef, kind: 'guest' | 'account'): Promise<void> {
    const now = Date.now();
    return this.#read(() => {
      this.#statements.recordUser.run(user.id, user.name, kind, now, now);
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#flush();
    this.#closed = true;
    this.#db.close();
    return Promise.resolve();
  }

  // better-sqlite3 is synchronous; wrapping keeps the Store contract async for every implementation
  // and turns a thrown SQLite error into a rejected promise.
  #read<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('store is closed'));
    try {
      return Promise.resolve(work());
    } catch (cause) {
      return Promise.reject(new StoreError((cause as Error).message, { cause }));
    }
  }
}
