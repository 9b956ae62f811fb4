// SqliteStore: the one-machine Store, a single file under the data directory.
// Writes that arrive within one event-loop turn (appends and user records) go to the database in one
// IMMEDIATE transaction (one fsync), and each caller is answered only after that transaction commits.
// Within the transaction each room's seq is read once and written once, however many messages the
// room got in that turn: storage must keep up with fan-out, so a message costs one INSERT.
import Database from 'better-sqlite3';
import type { ChatMessage, UserRef } from '../../protocol/messages.js';
import { migrate } from './sqlite-schema.js';
import { randomId } from '../random-id.js';
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

/** A write waiting for this turn's transaction; `run` executes inside it. */
interface PendingWrite<T = unknown> {
  run: (batch: BatchState) => T;
  resolve: (result: T) => void;
  reject: (error: Error) => void;
}

/** Per transaction: each touched room's seq as allocated so far, written back once at the end. */
type BatchState = Map<string, { seq: number; dirty: boolean }>;


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
  readonly #write: (pending: PendingWrite[]) => unknown[];
  /** Rooms known to exist: rooms are never deleted, so an append to one needs no INSERT OR IGNORE. */
  readonly #knownRooms = new Set<string>();
  #pending: PendingWrite[] = [];
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
      setSeq: db.prepare<[number, string]>('UPDATE rooms SET seq = ? WHERE name = ?'),
      // A retried cid conflicts on messages_by_cid and inserts nothing; the caller then reads the first one.
      insert: db.prepare<[string, number, string, string, string, string, string, number]>(
        `INSERT INTO messages (room, seq, msg_id, user_id, user_name, cid, text, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (room, user_id, cid) DO NOTHING`,
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
    const statements = this.#statements;
    // IMMEDIATE: take the write lock before reading any seq, so that seqs read here stay true until commit.
    this.#write = db.transaction((pending: PendingWrite[]) => {
      const batch: BatchState = new Map();
      const results = pending.map((entry) => entry.run(batch));
      for (const [room, state] of batch) if (state.dirty) statements.setSeq.run(state.seq, room);
      return results;
    }).immediate;
  }

  append(message: NewMessage): Promise<AppendResult> {
    return this.#enqueue((batch) => this.#appendOne(message, batch));
  }

  #enqueue<T>(run: (batch: BatchState) => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.#pending.push({ run, resolve, reject } as PendingWrite);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const pending = this.#pending;
    if (pending.length === 0) return;
    this.#pending = [];
    let results: unknown[];
    try {
      results = this.#write(pending);
    } catch (cause) {
      // The transaction rolled back: rooms it created may be gone again.
      this.#knownRooms.clear();
      const error = new StoreError(`could not store messages: ${(cause as Error).message}`, { cause });
      for (const entry of pending) entry.reject(error);
      return;
    }
    pending.forEach((entry, index) => entry.resolve(results[index]));
  }

  #appendOne(message: NewMessage, batch: BatchState): AppendResult {
    const { room, cid, from, text, ts } = message;
    let state = batch.get(room);
    if (state === undefined) {
      if (!this.#knownRooms.has(room)) {
        this.#statements.createRoom.run(room, ts);
        this.#knownRooms.add(room);
      }
      const current = this.#statements.roomSeq.get(room);
      if (current === undefined) throw new StoreError(`room ${room} vanished during append`);
      state = { seq: current.seq, dirty: false };
      batch.set(room, state);
    }
    const seq = state.seq + 1;
    const msgId = randomId(12);
    const { changes } = this.#statements.insert.run(room, seq, msgId, from.id, from.name, cid, text, ts);
    if (changes === 0) {
      const existing = this.#statements.findByCid.get(room, from.id, cid);
      if (existing === undefined) throw new StoreError(`message ${cid} neither inserted nor found in ${room}`);
      return { message: toMessage(existing), duplicate: true };
    }
    state.seq = seq;
    state.dirty = true;
    return { message: { room, seq, msgId, cid, from, text, ts }, duplicate: false };
  }

  ensureRoom(room: string): Promise<RoomSummary> {
    if (this.#knownRooms.has(room)) return this.#read(() => ({ room, seq: this.#statements.roomSeq.get(room)?.seq ?? 0 }));
    // Creating a room is a write: it joins the turn's transaction, so that a burst of joins to new
    // rooms costs one fsync, not one each. The seq is read inside it, after any append queued first.
    return this.#enqueue((batch) => {
      this.#statements.createRoom.run(room, Date.now());
      this.#knownRooms.add(room);
      const pending = batch.get(room);
      return { room, seq: pending?.seq ?? this.#statements.roomSeq.get(room)?.seq ?? 0 };
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

  /** Joins the turn's write transaction, so that a burst of connections costs one fsync, not one each. */
  recordUser(user: UserRef, kind: 'guest' | 'account'): Promise<void> {
    const now = Date.now();
    return this.#enqueue(() => {
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
