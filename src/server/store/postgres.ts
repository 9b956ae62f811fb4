// PostgresStore: the Store that several server processes share. Appends that arrive within one
// event-loop turn go to the database as one transaction, and one such transaction is in flight per
// process at a time: while it runs, the next turn's appends gather into the next batch, so the batch
// grows with load instead of the number of round trips. Per-room seq is allocated under a row lock
// on the room (see docs/decisions.md), and the cid check runs under that same lock, so two processes
// can neither hand out one seq twice nor store one (room, user, cid) twice.
import { followedThreadsSql, toFollowed, type FollowedRow, type FollowedThread } from './thread-follow-store.js';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { ChatMessage, Role, UserKind, UserRef } from '../../protocol/messages.js';
import { openMigratedPool } from './postgres-pool.js';
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
import { eventArrays, outboxForEach, outboxFromArrays, recordEvents } from './postgres-webhooks.js';
import { memberJoined, memberLeft, messageCreated, messageDeleted, messageEdited, reactionChanged, roomCreated } from './webhook-events.js';
import { StoreError, likePattern, searchBounds, type Store } from './store.js';
import { AppendRefused, ReactionsFull, type AppendResult, type NewMessage, type ReactionChange, type SearchFilter } from './message-store.js';
import type { EnsuredRoom, NewRoom, RoomInfo, RoomList } from './room-store.js';
import type { Standing } from './membership-store.js';
import type { Account, NewAuthSession } from './account-store.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding Parley's tables (created if missing). Lets several deployments or test suites share a database. */
  schema?: string;
  /** Most connections this process opens. */
  poolSize?: number;
}

/** Rows as pg returns them: BIGINTs as strings, flags as booleans. */
type PgMessageRow = MessageRow<string>;
type PgRoomRow = RoomRow<string, boolean>;

/** The rules of one sender in one room of a batch. */
interface SenderRulesRow extends RulesRow<string, boolean> {
  room: string;
  user_id: string;
}

interface PendingAppend {
  message: NewMessage;
  resolve: (result: AppendResult) => void;
  reject: (error: Error) => void;
}

type Outcome = AppendResult | AppendRefused;

/** deadlock_detected, serialization_failure: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 3;

const ROOM_COLUMNS = 'name, seq, private, kind, topic, archived_at';

const cidKey = (room: string, userId: string, cid: string): string => `${room}\u0000${userId}\u0000${cid}`;

export class PostgresStore implements Store {
  /** Queries run in the database server; this thread only sends them and parses replies. */
  readonly readsHoldLoop = false;
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
    return new PostgresStore(await openMigratedPool(options, options.poolSize ?? 10, 'the store'));
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
    let results: Outcome[] | undefined;
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
    batch.forEach((entry, index) => {
      const result = results[index] as Outcome;
      if (result instanceof AppendRefused) entry.reject(result);
      else entry.resolve(result);
    });
  }

  /** One batch in one transaction; returns one outcome per message, in order. */
  async #transaction(messages: NewMessage[]): Promise<Outcome[]> {
    const leading = messages[0];
    if (leading === undefined) return [];
    const client = await this.#pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const rooms = [...new Set(messages.map((m) => m.room))].sort();
      // Sorted, so that two processes lock the same rooms in the same order and cannot deadlock.
      const lockRooms = (names: string[]): Promise<pg.QueryResult<{ name: string; seq: string }>> =>
        client.query<{ name: string; seq: string }>('SELECT name, seq FROM rooms WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE', [names]);
      // Rooms almost always exist already (join creates them), so lock first and create only what is missing.
      const locked = await lockRooms(rooms);
      // Rooms not there that a send needed to exist (deleted while it was in flight): refused, not made again.
      const gone = new Set<string>();
      if (locked.rows.length < rooms.length) {
        const found = new Set(locked.rows.map((row) => row.name));
        const missing: string[] = [];
        for (const room of rooms) {
          if (found.has(room)) continue;
          if (messages.some((m) => m.room === room && m.existing !== true)) missing.push(room);
          else gone.add(room);
        }
        if (missing.length > 0) {
          // Made by the first sender to each (only reachable without a join in tests and tools).
          const makers = missing.map((room) => messages.find((m) => m.room === room)?.from.id ?? null);
          await client.query(
            `INSERT INTO rooms (name, seq, created_at, active_at, created_by)
             SELECT name, 0, $2, $2, by FROM unnest($1::text[], $3::text[]) AS v(name, by) ON CONFLICT (name) DO NOTHING`,
            [missing, leading.ts, makers],
          );
          locked.rows.push(...(await lockRooms(missing)).rows);
        }
      }
      const roomSeq = new Map(locked.rows.map((row) => [row.name, Number(row.seq)]));
      // Read under the room locks: a message another process stored for the same cid has committed by now.
      const existing = await client.query<PgMessageRow>(
        `SELECT m.* FROM messages m
           JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(room, user_id, cid)
             ON m.room = k.room AND m.user_id = k.user_id AND m.cid = k.cid`,
        [messages.map((m) => m.room), messages.map((m) => m.from.id), messages.map((m) => m.cid)],
      );
      const known = new Map<string, ChatMessage>();
      for (const row of existing.rows) known.set(cidKey(row.room, row.user_id, row.cid), toMessage(row));
      // The room's rules for each sender, read under the same locks (see Store.append).
      const guards = await client.query<SenderRulesRow>(
        `SELECT k.room, k.user_id, r.private, r.archived_at IS NOT NULL AS archived,
                EXISTS (SELECT 1 FROM room_members m WHERE m.room = k.room AND m.user_id = k.user_id) AS member,
                EXISTS (SELECT 1 FROM room_bans b WHERE b.room = k.room AND b.user_id = k.user_id) AS banned,
                COALESCE((SELECT until FROM room_mutes u WHERE u.room = k.room AND u.user_id = k.user_id), 0) AS muted_until
           FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS k(room, user_id)
           JOIN rooms r ON r.name = k.room`,
        [messages.map((m) => m.room), messages.map((m) => m.from.id)],
      );
      const guard = new Map(guards.rows.map((row) => [`${row.room}\u0000${row.user_id}`, row]));

      const results: Outcome[] = [];
      const fresh: ChatMessage[] = [];
      for (const { room, cid, from, text, ts, replyTo, files, thread, alsoInRoom } of messages) {
        const key = cidKey(room, from.id, cid);
        const first = known.get(key);
        if (first !== undefined) {
          results.push({ message: first, duplicate: true });
          continue;
        }
        if (gone.has(room)) {
          results.push(new AppendRefused('not_found', room));
          continue;
        }
        const rules = guard.get(`${room}\u0000${from.id}`);
        const refusal = rules === undefined ? undefined : sendRefusal(toRoomRules(rules), ts);
        if (refusal !== undefined) {
          results.push(new AppendRefused(refusal, room));
          continue;
        }
        const seq = (roomSeq.get(room) ?? 0) + 1;
        roomSeq.set(room, seq);
        const message = newMessage({ room, seq, msgId: randomBytes(12).toString('base64url'), cid, from, text, ts }, replyTo, files, {
          root: thread,
          alsoInRoom,
        });
        known.set(key, message); // a twin later in this same batch is a duplicate of this one
        fresh.push(message);
        results.push({ message, duplicate: false });
      }
      if (fresh.length > 0) {
        const touched = [...new Set(fresh.map((m) => m.room))];
        // One statement, one round trip, while the room locks are held; the webhook events with it.
        await client.query(
          `WITH inserted AS (
             INSERT INTO messages (room, seq, msg_id, user_id, user_name, cid, text, ts, reply_to, files, thread_root, also_in_room)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $13::text[],
                                  $14::bigint[], $15::boolean[])
           ), hooked AS (${outboxFromArrays('$16', '$17', '$18')})
           UPDATE rooms SET seq = v.seq, active_at = GREATEST(rooms.active_at, v.at)
             FROM unnest($10::text[], $11::bigint[], $12::bigint[]) AS v(name, seq, at) WHERE rooms.name = v.name`,
          [
            fresh.map((m) => m.room),
            fresh.map((m) => m.seq),
            fresh.map((m) => m.msgId),
            fresh.map((m) => m.from.id),
            fresh.map((m) => m.from.name),
            fresh.map((m) => m.cid),
            fresh.map((m) => m.text),
            fresh.map((m) => m.ts),
            fresh.map((m) => m.replyTo ?? null),
            touched,
            touched.map((room) => roomSeq.get(room) ?? 0),
            touched.map((room) => Math.max(...fresh.filter((m) => m.room === room).map((m) => m.ts))),
            fresh.map((m) => filesColumn(m.files)),
            fresh.map((m) => m.thread ?? null),
            fresh.map((m) => m.alsoInRoom === true),
            ...eventArrays(fresh.map(messageCreated)),
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

  async ensureRoom(room: string, now: number, creator?: string): Promise<EnsuredRoom> {
    // The CTE's insert is invisible to the SELECT on rooms: a created room yields only the `created` row.
    const { rows } = await this.#query<{ seq: string; created: boolean }>(
      `WITH created AS (
         INSERT INTO rooms (name, seq, created_at, active_at, created_by) VALUES ($1, 0, $2, $2, $3)
         ON CONFLICT (name) DO NOTHING RETURNING seq
       ), hooked AS (${outboxForEach('created', 'room.created', '$4', '$2::bigint')})
       SELECT seq, true AS created FROM created UNION ALL SELECT seq, false AS created FROM rooms WHERE name = $1`,
      [room, now, creator ?? null, JSON.stringify(roomCreated(room, 'room', false, creator ?? null, now).data)],
    );
    return { room, seq: Number(rows[0]?.seq ?? 0), created: rows[0]?.created === true };
  }

  async roomSeq(room: string): Promise<number> {
    const { rows } = await this.#query<{ seq: string }>('SELECT seq FROM rooms WHERE name = $1', [room]);
    return Number(rows[0]?.seq ?? 0);
  }

  async listRooms(visibleTo: string | undefined, limit: number): Promise<RoomList> {
    // One more than fits, to know whether the list is cut; the user's own rooms first, then the most
    // recently active public ones (an index walk that stops at the limit, however many rooms exist).
    if (visibleTo === undefined) {
      const { rows } = await this.#query<PgRoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms ORDER BY active_at DESC LIMIT $1`, [limit + 1]);
      return roomPage(rows.map(toRoomInfo), limit);
    }
    const own = await this.#query<PgRoomRow>(
      `SELECT r.name, r.seq, r.private, r.kind, r.topic, r.archived_at FROM room_members m JOIN rooms r ON r.name = m.room
        WHERE m.user_id = $1 ORDER BY r.active_at DESC LIMIT $2`,
      [visibleTo, limit + 1],
    );
    const others =
      own.rows.length > limit
        ? []
        : (
            await this.#query<PgRoomRow>(
              `SELECT ${ROOM_COLUMNS} FROM rooms r
                WHERE NOT private AND archived_at IS NULL AND NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room = r.name AND m.user_id = $1)
                ORDER BY active_at DESC LIMIT $2`,
              [visibleTo, limit - own.rows.length + 1],
            )
          ).rows;
    return roomPage([...own.rows, ...others].map(toRoomInfo), limit);
  }

  async history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]> {
    const { rows } = await this.#query<PgMessageRow>(
      'SELECT * FROM (SELECT * FROM messages WHERE room = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3) w ORDER BY seq',
      [room, before ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return this.#withReactions(room, rows);
  }

  async search(room: string, text: string, from: number, before: number, limit: number, filter: SearchFilter = {}): Promise<ChatMessage[]> {
    const { person, since, until } = searchBounds(filter);
    const { rows } = await this.#query<PgMessageRow>(
      `SELECT * FROM messages WHERE room = $1 AND seq >= $2 AND seq < $3 AND deleted_at IS NULL
          AND text ILIKE $4 ESCAPE '\\' AND user_name ILIKE $5 ESCAPE '\\' AND ts >= $6 AND ts < $7 ORDER BY seq DESC LIMIT $8`,
      [room, from, before, likePattern(text), person, since, until, limit],
    );
    return this.#withReactions(room, rows);
  }

  async after(room: string, after: number, limit: number): Promise<ChatMessage[]> {
    const { rows } = await this.#query<PgMessageRow>('SELECT * FROM messages WHERE room = $1 AND seq > $2 ORDER BY seq LIMIT $3', [room, after, limit]);
    return this.#withReactions(room, rows);
  }

  async thread(room: string, root: number, after: number, limit: number): Promise<ChatMessage[]> {
    const { rows } = await this.#query<PgMessageRow>('SELECT * FROM messages WHERE room = $1 AND thread_root = $2 AND seq > $3 ORDER BY seq LIMIT $4', [
      room,
      root,
      after,
      limit,
    ]);
    return this.#withReactions(room, rows);
  }

  /** `rows` in seq order, ascending (history) or descending (search); with reactions and thread summaries. */
  async #withReactions(room: string, rows: PgMessageRow[]): Promise<ChatMessage[]> {
    const span = seqSpan(rows);
    if (span === undefined) return [];
    const [reactions, threads] = await Promise.all([
      this.#query<ReactionRow>('SELECT seq, emoji, user_id FROM reactions WHERE room = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq, at, emoji', [
        room,
        span.low,
        span.high,
      ]),
      this.#query<ThreadRow>(
        `SELECT thread_root AS root, count(*) AS count, max(ts) AS last_ts, string_agg(DISTINCT user_id, ',') AS users FROM messages
          WHERE room = $1 AND thread_root BETWEEN $2 AND $3 AND deleted_at IS NULL GROUP BY thread_root`,
        [room, span.low, span.high],
      ),
    ]);
    return withThreads(withReactions(rows.map(toMessage), reactions.rows), threads.rows);
  }

  async createRoom(room: NewRoom): Promise<boolean> {
    return this.#tx(async (client) => {
      const created = await client.query(
        `INSERT INTO rooms (name, seq, private, kind, topic, created_at, active_at, created_by)
         VALUES ($1, 0, $2, 'room', $3, $4, $4, $5) ON CONFLICT (name) DO NOTHING`,
        [room.room, room.private, room.topic ?? null, room.now, room.owner],
      );
      if (created.rowCount === 0) return false;
      await client.query(
        `INSERT INTO room_members (room, user_id, role, since) VALUES ($1, $2, 'owner', $3)
         ON CONFLICT (room, user_id) DO UPDATE SET role = excluded.role`,
        [room.room, room.owner, room.now],
      );
      await recordEvents(client, [roomCreated(room.room, 'room', room.private, room.owner, room.now)]);
      return true;
    });
  }

  async openDm(room: string, users: [string, string], now: number): Promise<boolean> {
    return this.#tx(async (client) => {
      const made = await client.query(
        `INSERT INTO rooms (name, seq, private, kind, topic, created_at, active_at, created_by)
         VALUES ($1, 0, true, 'dm', NULL, $2, $2, $3) ON CONFLICT (name) DO NOTHING`,
        [room, now, users[0]],
      );
      await client.query(
        `INSERT INTO room_members (room, user_id, role, since) SELECT $1, unnest($2::text[]), 'member', $3
         ON CONFLICT (room, user_id) DO NOTHING`,
        [room, users, now],
      );
      if (made.rowCount === 1) await recordEvents(client, [roomCreated(room, 'dm', true, users[0], now)]);
      return made.rowCount === 1;
    });
  }

  async dmPeers(userId: string): Promise<Map<string, UserRef>> {
    const { rows } = await this.#query<{ room: string; id: string; name: string }>(
      `SELECT m.room, u.id, u.name FROM room_members mine
         JOIN rooms r ON r.name = mine.room AND r.kind = 'dm'
         JOIN room_members m ON m.room = mine.room AND m.user_id <> mine.user_id
         JOIN users u ON u.id = m.user_id
        WHERE mine.user_id = $1`,
      [userId],
    );
    return new Map(rows.map((row) => [row.room, toUser(row)]));
  }

  async roomInfo(room: string): Promise<RoomInfo | undefined> {
    const { rows } = await this.#query<PgRoomRow>(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE name = $1`, [room]);
    const row = rows[0];
    return row === undefined ? undefined : toRoomInfo(row);
  }

  async standing(room: string, userId: string): Promise<Standing> {
    const { rows } = await this.#query<StandingRow<string, boolean>>(`SELECT ${standingColumns('$1', '$2')}`, [room, userId]);
    return toStanding(rows[0]);
  }

  async standingIn(room: string, userId: string): Promise<{ info: RoomInfo; standing: Standing } | undefined> {
    const { rows } = await this.#query<PgRoomRow & StandingRow<string, boolean>>(
      `SELECT ${ROOM_COLUMNS}, ${standingColumns('$1', '$2')} FROM rooms WHERE name = $1`,
      [room, userId],
    );
    const row = rows[0];
    return row === undefined ? undefined : { info: toRoomInfo(row), standing: toStanding(row) };
  }

  async setRole(room: string, userId: string, role: Role | null, now: number): Promise<void> {
    if (role === null) {
      await this.#query('DELETE FROM room_members WHERE room = $1 AND user_id = $2', [room, userId]);
      return;
    }
    await this.#query(
      `INSERT INTO room_members (room, user_id, role, since) VALUES ($1, $2, $3, $4)
       ON CONFLICT (room, user_id) DO UPDATE SET role = excluded.role`,
      [room, userId, role, now],
    );
  }

  async setArchived(room: string, now: number | null): Promise<boolean> {
    const { rowCount } = await this.#query('UPDATE rooms SET archived_at = $1 WHERE name = $2', [now, room]);
    return rowCount === 1;
  }

  async deleteRoom(room: string): Promise<boolean> {
    return this.#tx(async (client) => {
      // The room's lock, as an append takes it: no message of it is being stored meanwhile.
      const locked = await client.query('SELECT 1 FROM rooms WHERE name = $1 FOR UPDATE', [room]);
      for (const table of [
        'messages',
        'message_revisions',
        'reactions',
        'room_members',
        'room_bans',
        'room_mutes',
        'read_markers',
        'joined_rooms',
        'thread_follows',
      ]) {
        await client.query(`DELETE FROM ${table} WHERE room = $1`, [room]);
      }
      await client.query('DELETE FROM rooms WHERE name = $1', [room]);
      return locked.rowCount === 1;
    });
  }

  async setBan(room: string, userId: string, banned: boolean, now: number): Promise<void> {
    if (!banned) {
      await this.#query('DELETE FROM room_bans WHERE room = $1 AND user_id = $2', [room, userId]);
      return;
    }
    await this.#tx(async (client) => {
      await client.query('INSERT INTO room_bans (room, user_id, at) VALUES ($1, $2, $3) ON CONFLICT (room, user_id) DO NOTHING', [room, userId, now]);
      await client.query('DELETE FROM room_members WHERE room = $1 AND user_id = $2', [room, userId]);
    });
  }

  async setTopic(room: string, topic: string | null): Promise<boolean> {
    const { rowCount } = await this.#query('UPDATE rooms SET topic = $1 WHERE name = $2', [topic, room]);
    return rowCount === 1;
  }

  async setMute(room: string, userId: string, until: number): Promise<void> {
    if (until === 0) {
      await this.#query('DELETE FROM room_mutes WHERE room = $1 AND user_id = $2', [room, userId]);
      return;
    }
    await this.#query(
      `INSERT INTO room_mutes (room, user_id, until) VALUES ($1, $2, $3)
       ON CONFLICT (room, user_id) DO UPDATE SET until = excluded.until`,
      [room, userId, until],
    );
  }

  async markRead(room: string, userId: string, seq: number): Promise<number> {
    // Capped at the room's seq, never moved back; a room that does not exist gets no marker.
    const { rows } = await this.#query<{ seq: string }>(
      `INSERT INTO read_markers (user_id, room, seq) SELECT $1, name, LEAST($3::bigint, seq) FROM rooms WHERE name = $2
       ON CONFLICT (user_id, room) DO UPDATE SET seq = GREATEST(read_markers.seq, excluded.seq) RETURNING seq`,
      [userId, room, seq],
    );
    return Number(rows[0]?.seq ?? 0);
  }

  async hasJoined(room: string, userId: string): Promise<boolean> {
    const { rowCount } = await this.#query('SELECT 1 FROM joined_rooms WHERE user_id = $1 AND room = $2', [userId, room]);
    return rowCount === 1;
  }

  async markJoined(room: string, userId: string, now: number): Promise<void> {
    // One statement: the event is recorded only when the row is new.
    await this.#query(
      `WITH joined AS (INSERT INTO joined_rooms (user_id, room, since) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1)
       ${outboxForEach('joined', 'member.joined', '$4', '$3::bigint')}`,
      [userId, room, now, JSON.stringify(memberJoined(room, userId, now).data)],
    );
  }

  async markLeft(room: string, userId: string, now: number): Promise<void> {
    await this.#query(
      `WITH left_room AS (DELETE FROM joined_rooms WHERE user_id = $1 AND room = $2 RETURNING 1)
       ${outboxForEach('left_room', 'member.left', '$3', '$4::bigint')}`,
      [userId, room, JSON.stringify(memberLeft(room, userId, now).data), now],
    );
  }

  async joinedRooms(userId: string): Promise<Set<string>> {
    const { rows } = await this.#query<{ room: string }>('SELECT room FROM joined_rooms WHERE user_id = $1', [userId]);
    return new Set(rows.map((row) => row.room));
  }

  async followThread(room: string, root: number, userId: string, now: number): Promise<void> {
    await this.#query('INSERT INTO thread_follows (user_id, room, root, read_seq, since) VALUES ($1, $2, $3, 0, $4) ON CONFLICT DO NOTHING', [
      userId,
      room,
      root,
      now,
    ]);
  }

  async markThreadRead(room: string, root: number, userId: string, seq: number, now: number): Promise<number> {
    const { rows } = await this.#query<{ read_seq: string }>(
      `INSERT INTO thread_follows (user_id, room, root, read_seq, since) SELECT $1, name, $2, LEAST($3::bigint, seq), $4 FROM rooms WHERE name = $5
       ON CONFLICT (user_id, room, root) DO UPDATE SET read_seq = GREATEST(thread_follows.read_seq, excluded.read_seq) RETURNING read_seq`,
      [userId, root, seq, now, room],
    );
    return Number(rows[0]?.read_seq ?? 0);
  }

  async followedThreads(userId: string, limit: number): Promise<FollowedThread[]> {
    const { rows } = await this.#query<FollowedRow>(followedThreadsSql('$1', '$2'), [userId, limit]);
    return rows.map(toFollowed);
  }

  async readMarkers(userId: string): Promise<Map<string, number>> {
    const { rows } = await this.#query<{ room: string; seq: string }>('SELECT room, seq FROM read_markers WHERE user_id = $1', [userId]);
    return new Map(rows.map((row) => [row.room, Number(row.seq)]));
  }

  async findUser(id: string): Promise<UserRef | undefined> {
    const { rows } = await this.#query<{ id: string; name: string }>('SELECT id, name FROM users WHERE id = $1', [id]);
    const row = rows[0];
    return row === undefined ? undefined : toUser(row);
  }

  async message(room: string, seq: number): Promise<ChatMessage | undefined> {
    const { rows } = await this.#query<PgMessageRow>('SELECT * FROM messages WHERE room = $1 AND seq = $2', [room, seq]);
    return (await this.#withReactions(room, rows))[0];
  }

  async editMessage(room: string, seq: number, text: string, editedAt: number): Promise<boolean> {
    return this.#tx(async (client) => {
      const { rows } = await client.query<PgMessageRow>('SELECT * FROM messages WHERE room = $1 AND seq = $2 AND deleted_at IS NULL FOR UPDATE', [room, seq]);
      const row = rows[0];
      if (row === undefined) return false;
      await client.query(
        `INSERT INTO message_revisions (room, seq, rev, text, edited_at)
         SELECT $1, $2, COALESCE(MAX(rev), 0) + 1, $3, $4 FROM message_revisions WHERE room = $1 AND seq = $2`,
        [room, seq, row.text, row.edited_at ?? row.ts],
      );
      await client.query('UPDATE messages SET text = $3, edited_at = $4 WHERE room = $1 AND seq = $2', [room, seq, text, editedAt]);
      await recordEvents(client, [messageEdited(room, seq, text, editedAt)]);
      return true;
    });
  }

  async deleteMessage(room: string, seq: number, deletedAt: number): Promise<boolean> {
    return this.#tx(async (client) => {
      const done = await client.query("UPDATE messages SET text = '', files = NULL, deleted_at = $3 WHERE room = $1 AND seq = $2 AND deleted_at IS NULL", [
        room,
        seq,
        deletedAt,
      ]);
      if (done.rowCount === 0) return false;
      await client.query('DELETE FROM message_revisions WHERE room = $1 AND seq = $2', [room, seq]);
      await client.query('DELETE FROM reactions WHERE room = $1 AND seq = $2', [room, seq]);
      await recordEvents(client, [messageDeleted(room, seq, deletedAt)]);
      return true;
    });
  }

  async react(room: string, seq: number, userId: string, emoji: string, on: boolean, now: number, maxEmoji: number): Promise<ReactionChange | undefined> {
    const outcome = await this.#tx(async (client) => {
      // The message row is locked so a delete cannot slip between the check and the reaction, and
      // FOR UPDATE so that two reactions to one message take turns: the emoji bound cannot be passed
      // by two new emoji counted at once.
      const found = await client.query('SELECT 1 FROM messages WHERE room = $1 AND seq = $2 AND deleted_at IS NULL FOR UPDATE', [room, seq]);
      if (found.rowCount === 0) return undefined;
      if (on) {
        const { rows } = await client.query<{ fresh: boolean; emoji: string }>(
          `SELECT NOT EXISTS (SELECT 1 FROM reactions WHERE room = $1 AND seq = $2 AND emoji = $3) AS fresh,
                  (SELECT COUNT(DISTINCT emoji) FROM reactions WHERE room = $1 AND seq = $2) AS emoji`,
          [room, seq, emoji],
        );
        if (rows[0]?.fresh === true && Number(rows[0].emoji) >= maxEmoji) return new ReactionsFull(maxEmoji);
      }
      const change = on
        ? await client.query(
            `INSERT INTO reactions (room, seq, emoji, user_id, at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT DO NOTHING`,
            [room, seq, emoji, userId, now],
          )
        : await client.query('DELETE FROM reactions WHERE room = $1 AND seq = $2 AND emoji = $3 AND user_id = $4', [room, seq, emoji, userId]);
      const { rows } = await client.query<{ count: string }>('SELECT COUNT(*) AS count FROM reactions WHERE room = $1 AND seq = $2 AND emoji = $3', [
        room,
        seq,
        emoji,
      ]);
      const count = Number(rows[0]?.count ?? 0);
      const changed = (change.rowCount ?? 0) > 0;
      if (changed) await recordEvents(client, [reactionChanged(room, seq, userId, emoji, on, count, now)]);
      return { count, changed };
    });
    // Thrown here, after the (empty) transaction committed, not inside it: a refusal is no failure.
    if (outcome instanceof ReactionsFull) throw outcome;
    return outcome;
  }

  /** Runs `work` in one transaction on one pooled connection. */
  async #tx<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreError('store is closed');
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (cause) {
      throw new StoreError((cause as Error).message, { cause });
    }
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (cause) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw cause instanceof StoreError ? cause : new StoreError((cause as Error).message, { cause });
    } finally {
      client.release(broken);
    }
  }

  async recordUser(user: UserRef, kind: UserKind, now: number): Promise<void> {
    await this.#query(
      `INSERT INTO users (id, name, kind, created_at, seen_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, seen_at = excluded.seen_at`,
      [user.id, user.name, kind, now],
    );
  }

  async createAccount(account: Account, createdAt: number): Promise<boolean> {
    const { user, username, passwordHash } = account;
    // ON CONFLICT without a target also covers the partial unique index on username.
    const { rowCount } = await this.#query(
      `INSERT INTO users (id, name, kind, username, password_hash, created_at, seen_at)
       VALUES ($1, $2, 'account', $3, $4, $5, $5) ON CONFLICT DO NOTHING`,
      [user.id, user.name, username, passwordHash, createdAt],
    );
    return rowCount === 1;
  }

  async findAccount(username: string): Promise<Account | undefined> {
    const { rows } = await this.#query<AccountRow>("SELECT id, name, username, password_hash FROM users WHERE username = $1 AND kind = 'account'", [username]);
    const row = rows[0];
    return row === undefined ? undefined : toAccount(row);
  }

  async createAuthSession(session: NewAuthSession): Promise<void> {
    await this.#query('INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
      session.tokenHash,
      session.userId,
      session.createdAt,
      session.expiresAt,
    ]);
  }

  async findAuthSession(tokenHash: string, now: number): Promise<UserRef | undefined> {
    const { rows } = await this.#query<{ id: string; name: string }>(
      `SELECT u.id, u.name FROM auth_sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > $2`,
      [tokenHash, now],
    );
    const row = rows[0];
    return row === undefined ? undefined : toUser(row);
  }

  async deleteAuthSession(tokenHash: string): Promise<boolean> {
    const { rowCount } = await this.#query('DELETE FROM auth_sessions WHERE token_hash = $1', [tokenHash]);
    return (rowCount ?? 0) > 0;
  }

  async pruneAuthSessions(now: number): Promise<number> {
    const { rowCount } = await this.#query('DELETE FROM auth_sessions WHERE expires_at <= $1', [now]);
    return rowCount ?? 0;
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
