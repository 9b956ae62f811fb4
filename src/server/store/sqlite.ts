// SqliteStore: the one-machine Store, a single file under the data directory.
// Every write goes through one path, #write: the writes that arrive within one event-loop turn go to
// the database in one IMMEDIATE transaction, and each caller is answered only after that transaction
// commits and, under synchronous 'full', after the WAL sync that covers it (one fsync per turn).
// Within the transaction each room's seq is read once and written once, however many messages the
// room got in that turn: storage must keep up with fan-out, so a message costs one INSERT.
import { followedThreadsSql, toFollowed, type FollowedRow, type FollowedThread } from './thread-follow-store.js';
import Database from 'better-sqlite3';
import type { ChatMessage, Role, UserKind, UserRef } from '../../protocol/messages.js';
import { migrate } from './sqlite-schema.js';
import { WalSync } from './wal-sync.js';
import { Checkpointer } from './checkpointer.js';
import { randomId } from '../random-id.js';
import { roomPage } from './room-page.js';
import { filesColumn, newMessage, seqSpan, withReactions, withThreads, type ReactionRow, type ThreadRow } from './message-state.js';
import {
  toAccount,
  toMessage,
  toRoomInfo,
  toRoomRules,
  standingColumns,
  toStanding,
  toUser,
  type AccountRow,
  type MessageRow,
  type RoomRow,
  type RulesRow,
  type StandingRow,
} from './rows.js';
import { sendRefusal } from './refusal.js';
import { SqliteOutbox } from './sqlite-webhooks.js';
import { memberJoined, memberLeft, messageCreated, messageDeleted, messageEdited, reactionChanged, roomCreated } from './webhook-events.js';
import { StoreError, likePattern, searchBounds, type Store } from './store.js';
import { AppendRefused, ReactionsFull, type AppendResult, type NewMessage, type ReactionChange, type SearchFilter } from './message-store.js';
import type { EnsuredRoom, NewRoom, RoomInfo, RoomList } from './room-store.js';
import type { Standing } from './membership-store.js';
import type { Account, NewAuthSession } from './account-store.js';

export interface SqliteStoreOptions {
  /** Path of the database file, or ':memory:'. */
  file: string;
  /**
   * 'full' (default): nothing is answered before it is on disk, so it survives power loss (the WAL is
   * synced off the event loop, see WalSync). 'normal': answered once committed to the OS, which
   * survives a process crash only. See docs/decisions.md.
   */
  synchronous?: 'full' | 'normal';
  /** Told when a background checkpoint fails (the store then checkpoints inline again). */
  onCheckpointError?: (message: string) => void;
}

/** Rows as better-sqlite3 returns them: integers as numbers, flags as 0/1. */
type SqliteMessageRow = MessageRow<number>;
type SqliteRoomRow = RoomRow<number, number>;

/**
 * A write waiting for this turn's transaction; `run` executes inside it. A result that is an Error
 * (a refusal such as AppendRefused) rejects that write's promise and leaves the others standing.
 */
interface PendingWrite<T = unknown> {
  run: (batch: BatchState) => T;
  /** Runs in its own savepoint: its failure is its own answer, not the whole batch's. */
  isolated: boolean;
  /**
   * Answered only after the WAL sync that follows its commit. False for bookkeeping (the user and
   * joined-room records) that no reply promises is on disk: a batch of only those is answered at
   * its commit, and the next synced batch takes them to disk with it (the log is written in order).
   */
  durable: boolean;
  resolve: (result: T) => void;
  reject: (error: Error) => void;
}

/** Per transaction: each touched room's seq as allocated so far, written back once at the end. */
type BatchState = Map<string, { seq: number; dirty: boolean; guarded: boolean; activeAt: number }>;

export class SqliteStore implements Store {
  /** better-sqlite3 is synchronous: every read runs inside the call. */
  readonly readsHoldLoop = true;
  readonly #db: Database.Database;
  readonly #statements;
  /** Webhook events, recorded inside the write that causes them (store/webhook-store.ts). */
  readonly #outbox: SqliteOutbox;
  readonly #commit: (pending: PendingWrite[]) => unknown[];
  /** Rooms known to exist: an append to one needs no INSERT OR IGNORE (deleteRoom forgets the room). */
  readonly #knownRooms = new Set<string>();
  #pending: PendingWrite[] = [];
  #flushScheduled = false;
  #closed = false;
  /** Present when answers wait for the disk (synchronous 'full' on a file). */
  readonly #walSync: WalSync | undefined;
  /** Present for a database file: checkpoints run in a worker thread, not in our commits. */
  readonly #checkpointer: Checkpointer | undefined;

  constructor(options: SqliteStoreOptions) {
    this.#db = new Database(options.file);
    this.#db.pragma('journal_mode = WAL');
    // The database itself runs NORMAL either way: under 'full' the per-commit sync is WalSync's.
    this.#db.pragma('synchronous = NORMAL');
    const inMemory = options.file === ':memory:' || options.file === '';
    this.#walSync = options.synchronous !== 'normal' && !inMemory ? new WalSync(options.file) : undefined;
    this.#db.pragma('busy_timeout = 5000');
    migrate(this.#db);
    this.#checkpointer = inMemory
      ? undefined
      : new Checkpointer({ file: options.file, db: this.#db, ...(options.onCheckpointError ? { onError: options.onCheckpointError } : {}) });
    const db = this.#db;
    this.#outbox = new SqliteOutbox(db);
    this.#statements = {
      findByCid: db.prepare<[string, string, string], SqliteMessageRow>('SELECT * FROM messages WHERE room = ? AND user_id = ? AND cid = ?'),
      createRoom: db.prepare<[string, number, number, string | null]>(
        'INSERT OR IGNORE INTO rooms (name, seq, created_at, active_at, created_by) VALUES (?, 0, ?, ?, ?)',
      ),
      setSeq: db.prepare<[number, number, string]>('UPDATE rooms SET seq = ?, active_at = max(active_at, ?) WHERE name = ?'),
      // A retried cid conflicts on messages_by_cid and inserts nothing; the caller then reads the first one.
      insert: db.prepare<[string, number, string, string, string, string, string, number, number | null, string | null, number | null, number]>(
        `INSERT INTO messages (room, seq, msg_id, user_id, user_name, cid, text, ts, reply_to, files, thread_root, also_in_room)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (room, user_id, cid) DO NOTHING`,
      ),
      roomSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM rooms WHERE name = ?'),
      // A `rooms` page: the user's own rooms first, then the most recently active public ones (both
      // walk an index and stop at the limit, however many rooms there are).
      listRooms: db.prepare<[number], SqliteRoomRow>('SELECT name, seq, private, kind, topic, archived_at FROM rooms ORDER BY active_at DESC LIMIT ?'),
      listMemberRooms: db.prepare<[string, number], SqliteRoomRow>(
        `SELECT r.name, r.seq, r.private, r.kind, r.topic, r.archived_at FROM room_members m JOIN rooms r ON r.name = m.room
          WHERE m.user_id = ? ORDER BY r.active_at DESC LIMIT ?`,
      ),
      listPublicRooms: db.prepare<[string, number], SqliteRoomRow>(
        `SELECT name, seq, private, kind, topic, archived_at FROM rooms r
          WHERE private = 0 AND archived_at IS NULL AND NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room = r.name AND m.user_id = ?)
          ORDER BY active_at DESC LIMIT ?`,
      ),
      dmPeers: db.prepare<[string], { room: string; id: string; name: string }>(
        `SELECT m.room, u.id, u.name FROM room_members mine
           JOIN rooms r ON r.name = mine.room AND r.kind = 'dm'
           JOIN room_members m ON m.room = mine.room AND m.user_id <> mine.user_id
           JOIN users u ON u.id = m.user_id
          WHERE mine.user_id = ?`,
      ),
      setTopic: db.prepare<[string | null, string]>('UPDATE rooms SET topic = ? WHERE name = ?'),
      setArchived: db.prepare<[number | null, string]>('UPDATE rooms SET archived_at = ? WHERE name = ?'),
      // Everything stored under a room's name, then the room itself.
      deleteRoom: [
        'messages',
        'message_revisions',
        'reactions',
        'room_members',
        'room_bans',
        'room_mutes',
        'read_markers',
        'joined_rooms',
        'thread_follows',
      ].map((table) => db.prepare<[string]>(`DELETE FROM ${table} WHERE room = ?`)),
      deleteRoomRow: db.prepare<[string]>('DELETE FROM rooms WHERE name = ?'),
      roomInfo: db.prepare<[string], SqliteRoomRow>('SELECT name, seq, private, kind, topic, archived_at FROM rooms WHERE name = ?'),
      // A private room (and a DM) has rules from the start: `guarded` is its `private` flag.
      createOwnedRoom: db.prepare<[string, number, string, string | null, number, number, number, string]>(
        `INSERT OR IGNORE INTO rooms (name, seq, private, kind, topic, created_at, guarded, active_at, created_by)
         VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      roomForAppend: db.prepare<[string], { seq: number; guarded: number }>('SELECT seq, guarded FROM rooms WHERE name = ?'),
      markGuarded: db.prepare<[string]>('UPDATE rooms SET guarded = 1 WHERE name = ? AND guarded = 0'),
      // The rules an append must pass, read in the append's own transaction.
      rules: db.prepare<[string, string, string, string, string, string, string], RulesRow<number, number>>(
        `SELECT r.private AS private, r.archived_at IS NOT NULL AS archived,
                EXISTS (SELECT 1 FROM room_members WHERE room = ? AND user_id = ?) AS member,
                EXISTS (SELECT 1 FROM room_bans WHERE room = ? AND user_id = ?) AS banned,
                COALESCE((SELECT until FROM room_mutes WHERE room = ? AND user_id = ?), 0) AS muted_until
           FROM rooms r WHERE r.name = ?`,
      ),
      role: db.prepare<[string, string], { role: string }>('SELECT role FROM room_members WHERE room = ? AND user_id = ?'),
      standingIn: db.prepare<[string, string, string, string], SqliteRoomRow & StandingRow<number, number>>(
        `SELECT r.name, r.seq, r.private, r.kind, r.topic, r.archived_at, ${standingColumns('r.name', '?')} FROM rooms r WHERE r.name = ?`,
      ),
      standing: db.prepare<[string, string, string, string, string, string], StandingRow<number, number>>(`SELECT ${standingColumns('?', '?')}`),
      setRole: db.prepare<[string, string, string, number]>(
        `INSERT INTO room_members (room, user_id, role, since) VALUES (?, ?, ?, ?)
         ON CONFLICT (room, user_id) DO UPDATE SET role = excluded.role`,
      ),
      removeMember: db.prepare<[string, string]>('DELETE FROM room_members WHERE room = ? AND user_id = ?'),
      ban: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO room_bans (room, user_id, at) VALUES (?, ?, ?)'),
      unban: db.prepare<[string, string]>('DELETE FROM room_bans WHERE room = ? AND user_id = ?'),
      mute: db.prepare<[string, string, number]>(
        `INSERT INTO room_mutes (room, user_id, until) VALUES (?, ?, ?)
         ON CONFLICT (room, user_id) DO UPDATE SET until = excluded.until`,
      ),
      unmute: db.prepare<[string, string]>('DELETE FROM room_mutes WHERE room = ? AND user_id = ?'),
      findUser: db.prepare<[string], { id: string; name: string }>('SELECT id, name FROM users WHERE id = ?'),
      message: db.prepare<[string, number], SqliteMessageRow>('SELECT * FROM messages WHERE room = ? AND seq = ?'),
      lastRevision: db.prepare<[string, number], { rev: number }>('SELECT COALESCE(MAX(rev), 0) AS rev FROM message_revisions WHERE room = ? AND seq = ?'),
      addRevision: db.prepare<[string, number, number, string, number]>(
        'INSERT INTO message_revisions (room, seq, rev, text, edited_at) VALUES (?, ?, ?, ?, ?)',
      ),
      edit: db.prepare<[string, number, string, number]>('UPDATE messages SET text = ?, edited_at = ? WHERE room = ? AND seq = ? AND deleted_at IS NULL'),
      tombstone: db.prepare<[number, string, number]>(
        "UPDATE messages SET text = '', files = NULL, deleted_at = ? WHERE room = ? AND seq = ? AND deleted_at IS NULL",
      ),
      dropRevisions: db.prepare<[string, number]>('DELETE FROM message_revisions WHERE room = ? AND seq = ?'),
      dropReactions: db.prepare<[string, number]>('DELETE FROM reactions WHERE room = ? AND seq = ?'),
      addReaction: db.prepare<[string, number, string, string, number]>(
        'INSERT OR IGNORE INTO reactions (room, seq, emoji, user_id, at) VALUES (?, ?, ?, ?, ?)',
      ),
      removeReaction: db.prepare<[string, number, string, string]>('DELETE FROM reactions WHERE room = ? AND seq = ? AND emoji = ? AND user_id = ?'),
      emojiCount: db.prepare<[string, number], { count: number }>('SELECT COUNT(DISTINCT emoji) AS count FROM reactions WHERE room = ? AND seq = ?'),
      reactionCount: db.prepare<[string, number, string], { count: number }>(
        'SELECT COUNT(*) AS count FROM reactions WHERE room = ? AND seq = ? AND emoji = ?',
      ),
      reactionsBetween: db.prepare<[string, number, number], ReactionRow>(
        'SELECT seq, emoji, user_id FROM reactions WHERE room = ? AND seq BETWEEN ? AND ? ORDER BY seq, at, emoji',
      ),
      before: db.prepare<[string, number, number], SqliteMessageRow>(
        'SELECT * FROM (SELECT * FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?) ORDER BY seq',
      ),
      search: db.prepare<[string, number, number, string, string, number, number, number], SqliteMessageRow>(
        `SELECT * FROM messages WHERE room = ? AND seq >= ? AND seq < ? AND deleted_at IS NULL
            AND text LIKE ? ESCAPE '\\' AND user_name LIKE ? ESCAPE '\\' AND ts >= ? AND ts < ? ORDER BY seq DESC LIMIT ?`,
      ),
      after: db.prepare<[string, number, number], SqliteMessageRow>('SELECT * FROM messages WHERE room = ? AND seq > ? ORDER BY seq LIMIT ?'),
      thread: db.prepare<[string, number, number, number], SqliteMessageRow>(
        'SELECT * FROM messages WHERE room = ? AND thread_root = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      threadsBetween: db.prepare<[string, number, number], ThreadRow>(
        `SELECT thread_root AS root, count(*) AS count, max(ts) AS last_ts, group_concat(DISTINCT user_id) AS users FROM messages
          WHERE room = ? AND thread_root BETWEEN ? AND ? AND deleted_at IS NULL GROUP BY thread_root`,
      ),
      // Capped at the room's seq, never moved back; a room that does not exist gets no marker.
      markRead: db.prepare<[string, number, string], { seq: number }>(
        `INSERT INTO read_markers (user_id, room, seq) SELECT ?, name, min(?, seq) FROM rooms WHERE name = ?
         ON CONFLICT (user_id, room) DO UPDATE SET seq = max(seq, excluded.seq) RETURNING seq`,
      ),
      readMarkers: db.prepare<[string], { room: string; seq: number }>('SELECT room, seq FROM read_markers WHERE user_id = ?'),
      followThread: db.prepare<[string, string, number, number]>(
        'INSERT INTO thread_follows (user_id, room, root, read_seq, since) VALUES (?, ?, ?, 0, ?) ON CONFLICT DO NOTHING',
      ),
      markThreadRead: db.prepare<[string, number, number, number, string], { read_seq: number }>(
        `INSERT INTO thread_follows (user_id, room, root, read_seq, since) SELECT ?, name, ?, min(?, seq), ? FROM rooms WHERE name = ?
         ON CONFLICT (user_id, room, root) DO UPDATE SET read_seq = max(read_seq, excluded.read_seq) RETURNING read_seq`,
      ),
      followedThreads: db.prepare<{ user: string; limit: number }, FollowedRow>(followedThreadsSql('$user', '$limit')),
      hasJoined: db.prepare<[string, string], { one: number }>('SELECT 1 AS one FROM joined_rooms WHERE user_id = ? AND room = ?'),
      markJoined: db.prepare<[string, string, number]>('INSERT OR IGNORE INTO joined_rooms (user_id, room, since) VALUES (?, ?, ?)'),
      markLeft: db.prepare<[string, string]>('DELETE FROM joined_rooms WHERE user_id = ? AND room = ?'),
      joinedRooms: db.prepare<[string], { room: string }>('SELECT room FROM joined_rooms WHERE user_id = ?'),
      recordUser: db.prepare<[string, string, string, number, number]>(
        `INSERT INTO users (id, name, kind, created_at, seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at`,
      ),
      createAccount: db.prepare<[string, string, string, string, number, number]>(
        `INSERT INTO users (id, name, kind, username, password_hash, created_at, seen_at)
         VALUES (?, ?, 'account', ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      findAccount: db.prepare<[string], AccountRow>("SELECT id, name, username, password_hash FROM users WHERE username = ? AND kind = 'account'"),
      createSession: db.prepare<[string, string, number, number]>(
        'INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)',
      ),
      findSession: db.prepare<[string, number], { id: string; name: string }>(
        `SELECT u.id, u.name FROM auth_sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = ? AND s.expires_at > ?`,
      ),
      deleteSession: db.prepare<[string]>('DELETE FROM auth_sessions WHERE token_hash = ?'),
      pruneSessions: db.prepare<[number]>('DELETE FROM auth_sessions WHERE expires_at <= ?'),
    };
    const statements = this.#statements;
    // Inside the batch's transaction better-sqlite3 makes this a SAVEPOINT: a write that throws is
    // rolled back alone and answered with its error, the batch goes on.
    const savepoint = db.transaction((run: (batch: BatchState) => unknown, batch: BatchState) => run(batch));
    const isolated = (run: (batch: BatchState) => unknown, batch: BatchState): unknown => {
      try {
        return savepoint(run, batch);
      } catch (cause) {
        return new StoreError((cause as Error).message, { cause });
      }
    };
    const outbox = this.#outbox;
    // IMMEDIATE: take the write lock before reading any seq, so that seqs read here stay true until commit.
    // eslint-disable-next-line @typescript-eslint/unbound-method -- better-sqlite3's transaction variants are plain functions (its types declare them as methods)
    this.#commit = db.transaction((pending: PendingWrite[]) => {
      outbox.refresh();
      const batch: BatchState = new Map();
      // Appends are not isolated: they are the hot path, and one that throws is a broken database.
      const results = pending.map((entry) => (entry.isolated ? isolated(entry.run, batch) : entry.run(batch)));
      for (const [room, state] of batch) if (state.dirty) statements.setSeq.run(state.seq, state.activeAt, room);
      return results;
    }).immediate;
  }

  append(message: NewMessage): Promise<AppendResult> {
    // #flush rejects the promise of a write whose result is an AppendRefused, so only results resolve.
    return this.#write((batch) => this.#appendOne(message, batch), false);
  }

  /**
   * A bookkeeping row no reply promises is on disk (the user record of a hello, the joined-room
   * records): not isolated, since an upsert of plain values into a table without foreign keys fails
   * only with the database itself (a burst of set-ups paid a SAVEPOINT and a RELEASE for each), and
   * not durable (see PendingWrite).
   */
  #bookkeeping(run: (batch: BatchState) => void): Promise<void> {
    return this.#write(run, false, false);
  }

  /**
   * The one way anything is written: `run` joins this turn's transaction, and the promise settles
   * once that transaction has committed and (under 'full') the WAL sync after it has finished.
   * A result that is an Error rejects the promise instead (see PendingWrite).
   */
  #write<T>(run: (batch: BatchState) => T, isolated = true, durable = true): Promise<Exclude<T, Error>> {
    if (this.#closed) return Promise.reject(new StoreError('store is closed'));
    return new Promise<Exclude<T, Error>>((resolve, reject) => {
      this.#pending.push({ run, isolated, durable, resolve, reject } as PendingWrite);
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
      results = this.#commit(pending);
    } catch (cause) {
      // The transaction rolled back: rooms it created may be gone again.
      this.#knownRooms.clear();
      const error = new StoreError(`could not store messages: ${(cause as Error).message}`, { cause });
      for (const entry of pending) entry.reject(error);
      return;
    }
    const answer = (): void =>
      pending.forEach((entry, index) => {
        const result = results[index];
        // A refusal is one write's answer, not the transaction's: the others in the batch stand.
        if (result instanceof Error) entry.reject(result);
        else entry.resolve(result);
      });
    // A burst of connection set-ups writes only bookkeeping: no sync for it (each one is a wake-up of
    // the thread pool and a disk flush, a fifth of a set-up's server time in a profile).
    if (this.#walSync === undefined || !pending.some((entry) => entry.durable)) return answer();
    this.#walSync.durable().then(answer, (cause: unknown) => {
      // Committed but maybe not on disk: nobody is told it was stored. A retry with the same cid
      // finds the message (and gets it as a duplicate) if it did reach the disk.
      const error = new StoreError(`could not flush the database to disk: ${(cause as Error).message}`, { cause });
      for (const entry of pending) entry.reject(error);
    });
  }

  #appendOne(message: NewMessage, batch: BatchState): AppendResult | AppendRefused {
    const { room, cid, from, text, ts, replyTo, files, thread, alsoInRoom } = message;
    let state = batch.get(room);
    if (state === undefined) {
      if (!this.#knownRooms.has(room)) {
        if (message.existing !== true) this.#statements.createRoom.run(room, ts, ts, from.id);
        else if (this.#statements.roomForAppend.get(room) === undefined) return new AppendRefused('not_found', room);
        this.#knownRooms.add(room);
      }
      const current = this.#statements.roomForAppend.get(room);
      if (current === undefined) throw new StoreError(`room ${room} vanished during append`);
      state = { seq: current.seq, dirty: false, guarded: current.guarded === 1, activeAt: 0 };
      batch.set(room, state);
    }
    // Only a room that is private or ever had a ban or mute has rules to read: the others cost nothing.
    const rules = state.guarded ? this.#statements.rules.get(room, from.id, room, from.id, room, from.id, room) : undefined;
    const refusal = rules === undefined ? undefined : sendRefusal(toRoomRules(rules), ts);
    if (refusal !== undefined) {
      // A retry of a message stored before the refusal is still that message.
      const existing = this.#statements.findByCid.get(room, from.id, cid);
      return existing !== undefined ? { message: toMessage(existing), duplicate: true } : new AppendRefused(refusal, room);
    }
    const seq = state.seq + 1;
    const msgId = randomId(12);
    const { changes } = this.#statements.insert.run(
      room,
      seq,
      msgId,
      from.id,
      from.name,
      cid,
      text,
      ts,
      replyTo ?? null,
      filesColumn(files),
      thread ?? null,
      alsoInRoom === true ? 1 : 0,
    );
    if (changes === 0) {
      const existing = this.#statements.findByCid.get(room, from.id, cid);
      if (existing === undefined) throw new StoreError(`message ${cid} neither inserted nor found in ${room}`);
      return { message: toMessage(existing), duplicate: true };
    }
    state.seq = seq;
    state.dirty = true;
    if (ts > state.activeAt) state.activeAt = ts;
    const stored = newMessage({ room, seq, msgId, cid, from, text, ts }, replyTo, files, { root: thread, alsoInRoom });
    this.#outbox.record(messageCreated(stored));
    return { message: stored, duplicate: false };
  }

  ensureRoom(room: string, now: number, creator?: string): Promise<EnsuredRoom> {
    if (this.#knownRooms.has(room)) {
      return this.#read(() => ({ room, seq: this.#statements.roomSeq.get(room)?.seq ?? 0, created: false }));
    }
    // Creating a room is a write: it joins the turn's transaction, so that a burst of joins to new
    // rooms costs one fsync, not one each. The seq is read inside it, after any append queued first.
    return this.#write((batch) => {
      const created = this.#statements.createRoom.run(room, now, now, creator ?? null).changes === 1;
      if (created) this.#outbox.record(roomCreated(room, 'room', false, creator ?? null, now));
      this.#knownRooms.add(room);
      const pending = batch.get(room);
      return { room, seq: pending?.seq ?? this.#statements.roomSeq.get(room)?.seq ?? 0, created };
    });
  }

  roomSeq(room: string): Promise<number> {
    return this.#read(() => this.#statements.roomSeq.get(room)?.seq ?? 0);
  }

  listRooms(visibleTo: string | undefined, limit: number): Promise<RoomList> {
    return this.#read(() => {
      // One more than fits, to know whether the list is cut.
      const own = visibleTo === undefined ? this.#statements.listRooms.all(limit + 1) : this.#statements.listMemberRooms.all(visibleTo, limit + 1);
      const others = visibleTo === undefined || own.length > limit ? [] : this.#statements.listPublicRooms.all(visibleTo, limit - own.length + 1);
      return roomPage([...own, ...others].map(toRoomInfo), limit);
    });
  }

  history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]> {
    return this.#read(() => this.#withReactions(room, this.#statements.before.all(room, before ?? Number.MAX_SAFE_INTEGER, limit)));
  }

  after(room: string, after: number, limit: number): Promise<ChatMessage[]> {
    return this.#read(() => this.#withReactions(room, this.#statements.after.all(room, after, limit)));
  }

  search(room: string, text: string, from: number, before: number, limit: number, filter: SearchFilter = {}): Promise<ChatMessage[]> {
    const { person, since, until } = searchBounds(filter);
    return this.#read(() => this.#withReactions(room, this.#statements.search.all(room, from, before, likePattern(text), person, since, until, limit)));
  }

  thread(room: string, root: number, after: number, limit: number): Promise<ChatMessage[]> {
    return this.#read(() => this.#withReactions(room, this.#statements.thread.all(room, root, after, limit)));
  }

  /** `rows` in seq order, ascending (history) or descending (search); with reactions and thread summaries. */
  #withReactions(room: string, rows: SqliteMessageRow[]): ChatMessage[] {
    const span = seqSpan(rows);
    if (span === undefined) return [];
    const reacted = withReactions(rows.map(toMessage), this.#statements.reactionsBetween.all(room, span.low, span.high));
    return withThreads(reacted, this.#statements.threadsBetween.all(room, span.low, span.high));
  }

  createRoom(room: NewRoom): Promise<boolean> {
    return this.#write(() => {
      const created = this.#statements.createOwnedRoom.run(
        room.room,
        room.private ? 1 : 0,
        'room',
        room.topic ?? null,
        room.now,
        room.private ? 1 : 0,
        room.now,
        room.owner,
      );
      if (created.changes === 0) return false;
      this.#statements.setRole.run(room.room, room.owner, 'owner', room.now);
      this.#outbox.record(roomCreated(room.room, 'room', room.private, room.owner, room.now));
      return true;
    });
  }

  openDm(room: string, users: [string, string], now: number): Promise<boolean> {
    return this.#write(() => {
      const created = this.#statements.createOwnedRoom.run(room, 1, 'dm', null, now, 1, now, users[0]).changes === 1;
      if (created) this.#outbox.record(roomCreated(room, 'dm', true, users[0], now));
      for (const user of users) {
        if (this.#statements.role.get(room, user) === undefined) this.#statements.setRole.run(room, user, 'member', now);
      }
      return created;
    });
  }

  setTopic(room: string, topic: string | null): Promise<boolean> {
    return this.#write(() => this.#statements.setTopic.run(topic, room).changes === 1);
  }

  setArchived(room: string, now: number | null): Promise<boolean> {
    return this.#write((batch) => {
      if (this.#statements.setArchived.run(now, room).changes === 0) return false;
      // Appends read the rules of a guarded room only: an archived one refuses them.
      this.#guard(room, batch);
      return true;
    });
  }

  deleteRoom(room: string): Promise<boolean> {
    return this.#write((batch) => {
      for (const statement of this.#statements.deleteRoom) statement.run(room);
      const deleted = this.#statements.deleteRoomRow.run(room).changes === 1;
      // An append after this one makes the room again, from seq 1, like any new room.
      this.#knownRooms.delete(room);
      batch.delete(room);
      return deleted;
    });
  }

  dmPeers(userId: string): Promise<Map<string, UserRef>> {
    return this.#read(() => new Map(this.#statements.dmPeers.all(userId).map((row) => [row.room, toUser(row)])));
  }

  roomInfo(room: string): Promise<RoomInfo | undefined> {
    return this.#read(() => {
      const row = this.#statements.roomInfo.get(room);
      return row === undefined ? undefined : toRoomInfo(row);
    });
  }

  standing(room: string, userId: string): Promise<Standing> {
    return this.#read(() => toStanding(this.#statements.standing.get(room, userId, room, userId, room, userId)));
  }

  standingIn(room: string, userId: string): Promise<{ info: RoomInfo; standing: Standing } | undefined> {
    return this.#read(() => {
      const row = this.#statements.standingIn.get(userId, userId, userId, room);
      return row === undefined ? undefined : { info: toRoomInfo(row), standing: toStanding(row) };
    });
  }

  setRole(room: string, userId: string, role: Role | null, now: number): Promise<void> {
    return this.#write(() => {
      if (role === null) this.#statements.removeMember.run(room, userId);
      else this.#statements.setRole.run(room, userId, role, now);
    });
  }

  setBan(room: string, userId: string, banned: boolean, now: number): Promise<void> {
    return this.#write((batch) => {
      if (!banned) {
        this.#statements.unban.run(room, userId);
        return;
      }
      this.#statements.ban.run(room, userId, now);
      this.#guard(room, batch);
      this.#statements.removeMember.run(room, userId);
    });
  }

  setMute(room: string, userId: string, until: number): Promise<void> {
    return this.#write((batch) => {
      if (until === 0) {
        this.#statements.unmute.run(room, userId);
        return;
      }
      this.#statements.mute.run(room, userId, until);
      this.#guard(room, batch);
    });
  }

  /** The room now has rules: later appends read them, those later in this same batch included. */
  #guard(room: string, batch: BatchState): void {
    this.#statements.markGuarded.run(room);
    const state = batch.get(room);
    if (state !== undefined) state.guarded = true;
  }

  findUser(id: string): Promise<UserRef | undefined> {
    return this.#read(() => {
      const row = this.#statements.findUser.get(id);
      return row === undefined ? undefined : toUser(row);
    });
  }

  message(room: string, seq: number): Promise<ChatMessage | undefined> {
    return this.#read(() => {
      const row = this.#statements.message.get(room, seq);
      return row === undefined ? undefined : this.#withReactions(room, [row])[0];
    });
  }

  editMessage(room: string, seq: number, text: string, editedAt: number): Promise<boolean> {
    return this.#write(() => {
      const row = this.#statements.message.get(room, seq);
      if (row === undefined || row.deleted_at !== null) return false;
      const rev = (this.#statements.lastRevision.get(room, seq)?.rev ?? 0) + 1;
      this.#statements.addRevision.run(room, seq, rev, row.text, row.edited_at ?? row.ts);
      this.#statements.edit.run(text, editedAt, room, seq);
      this.#outbox.record(messageEdited(room, seq, text, editedAt));
      return true;
    });
  }

  deleteMessage(room: string, seq: number, deletedAt: number): Promise<boolean> {
    return this.#write(() => {
      if (this.#statements.tombstone.run(deletedAt, room, seq).changes === 0) return false;
      this.#statements.dropRevisions.run(room, seq);
      this.#statements.dropReactions.run(room, seq);
      this.#outbox.record(messageDeleted(room, seq, deletedAt));
      return true;
    });
  }

  react(room: string, seq: number, userId: string, emoji: string, on: boolean, now: number, maxEmoji: number): Promise<ReactionChange | undefined> {
    return this.#write(() => {
      const row = this.#statements.message.get(room, seq);
      if (row === undefined || row.deleted_at !== null) return undefined;
      if (on && (this.#statements.reactionCount.get(room, seq, emoji)?.count ?? 0) === 0) {
        // A new emoji on this message: the bound holds because writes are serialized here.
        if ((this.#statements.emojiCount.get(room, seq)?.count ?? 0) >= maxEmoji) return new ReactionsFull(maxEmoji);
      }
      const changed = on
        ? this.#statements.addReaction.run(room, seq, emoji, userId, now).changes > 0
        : this.#statements.removeReaction.run(room, seq, emoji, userId).changes > 0;
      const count = this.#statements.reactionCount.get(room, seq, emoji)?.count ?? 0;
      if (changed) this.#outbox.record(reactionChanged(room, seq, userId, emoji, on, count, now));
      return { count, changed };
    });
  }

  /** Joins the turn's write transaction, as bookkeeping: a burst of connections costs one commit and no sync. */
  recordUser(user: UserRef, kind: UserKind, now: number): Promise<void> {
    return this.#bookkeeping(() => {
      this.#statements.recordUser.run(user.id, user.name, kind, now, now);
    });
  }

  markRead(room: string, userId: string, seq: number): Promise<number> {
    return this.#write(() => this.#statements.markRead.get(userId, seq, room)?.seq ?? 0);
  }

  hasJoined(room: string, userId: string): Promise<boolean> {
    return this.#read(() => this.#statements.hasJoined.get(userId, room) !== undefined);
  }

  markJoined(room: string, userId: string, now: number): Promise<void> {
    return this.#bookkeeping(() => {
      if (this.#statements.markJoined.run(userId, room, now).changes === 1) this.#outbox.record(memberJoined(room, userId, now));
    });
  }

  markLeft(room: string, userId: string, now: number): Promise<void> {
    return this.#bookkeeping(() => {
      if (this.#statements.markLeft.run(userId, room).changes === 1) this.#outbox.record(memberLeft(room, userId, now));
    });
  }

  joinedRooms(userId: string): Promise<Set<string>> {
    return this.#read(() => new Set(this.#statements.joinedRooms.all(userId).map((row) => row.room)));
  }

  followThread(room: string, root: number, userId: string, now: number): Promise<void> {
    return this.#write(() => {
      this.#statements.followThread.run(userId, room, root, now);
    });
  }

  markThreadRead(room: string, root: number, userId: string, seq: number, now: number): Promise<number> {
    return this.#write(() => this.#statements.markThreadRead.get(userId, root, seq, now, room)?.read_seq ?? 0);
  }

  followedThreads(userId: string, limit: number): Promise<FollowedThread[]> {
    return this.#read(() => this.#statements.followedThreads.all({ user: userId, limit }).map(toFollowed));
  }

  readMarkers(userId: string): Promise<Map<string, number>> {
    return this.#read(() => new Map(this.#statements.readMarkers.all(userId).map((row) => [row.room, row.seq])));
  }

  createAccount(account: Account, createdAt: number): Promise<boolean> {
    const { user, username, passwordHash } = account;
    return this.#write(() => this.#statements.createAccount.run(user.id, user.name, username, passwordHash, createdAt, createdAt).changes === 1);
  }

  findAccount(username: string): Promise<Account | undefined> {
    return this.#read(() => {
      const row = this.#statements.findAccount.get(username);
      return row === undefined ? undefined : toAccount(row);
    });
  }

  createAuthSession(session: NewAuthSession): Promise<void> {
    return this.#write(() => {
      this.#statements.createSession.run(session.tokenHash, session.userId, session.createdAt, session.expiresAt);
    });
  }

  findAuthSession(tokenHash: string, now: number): Promise<UserRef | undefined> {
    return this.#read(() => {
      const row = this.#statements.findSession.get(tokenHash, now);
      return row === undefined ? undefined : toUser(row);
    });
  }

  deleteAuthSession(tokenHash: string): Promise<boolean> {
    return this.#write(() => this.#statements.deleteSession.run(tokenHash).changes > 0);
  }

  pruneAuthSessions(now: number): Promise<number> {
    return this.#write(() => this.#statements.pruneSessions.run(now).changes);
  }

  /** WAL syncs completed (0 without them: synchronous 'normal', or in memory). */
  get walSyncs(): number {
    return this.#walSync?.completed ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    await this.#walSync?.close();
    await this.#checkpointer?.stop();
    this.#db.close();
  }

  // Reads only (writes go through #write). better-sqlite3 is synchronous; wrapping keeps the Store
  // contract async for every implementation and turns a thrown SQLite error into a rejected promise.
  #read<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new StoreError('store is closed'));
    try {
      return Promise.resolve(work());
    } catch (cause) {
      return Promise.reject(new StoreError((cause as Error).message, { cause }));
    }
  }
}
