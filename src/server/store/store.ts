// Store: where every message lives before anyone hears of it. The chat service writes through it and
// reads history and recovery windows from it; no other module touches the database.
import type { ChatMessage, Role, UserKind, UserRef } from '../../protocol/messages.js';

export interface NewMessage {
  room: string;
  cid: string;
  from: UserRef;
  text: string;
  ts: number;
  /** The seq of an earlier message of the room this one answers. */
  replyTo?: number;
}

export interface AppendResult {
  message: ChatMessage;
  /** True when (room, from.id, cid) was stored before: `message` is that first message, unchanged. */
  duplicate: boolean;
}

/** A registered account: a user of kind 'account' with a unique username and a password hash. */
export interface Account {
  user: UserRef;
  /** Canonical (lower-case) username; also `user.name`. */
  username: string;
  /** argon2id PHC string. */
  passwordHash: string;
}

/** A login session. Only the token's SHA-256 is stored, never the token. */
export interface NewAuthSession {
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

export interface RoomSummary {
  room: string;
  seq: number;
}

/** What `ensureRoom` found or made. */
export interface EnsuredRoom extends RoomSummary {
  /** True when this call created the room. */
  created: boolean;
}

/**
 * A room's settings. Rooms that `join` or `append` create implicitly are public, topicless,
 * ownerless; the store records who created every room (for quotas and operators), not shown here.
 */
export interface RoomInfo extends RoomSummary {
  private: boolean;
  dm: boolean;
  topic?: string;
}

/** Where one user stands in one room. */
export interface Standing {
  /** Absent when the user has no membership (a visitor of a public room, or an outsider). */
  role?: Role;
  banned: boolean;
  /** Ms since the epoch until which the user may not send; 0 when not muted. */
  mutedUntil: number;
}

/** One `listRooms` page. */
export interface RoomList {
  rooms: RoomInfo[];
  /** True when more rooms were visible than the limit: the list is cut. */
  truncated: boolean;
}

export interface NewRoom {
  room: string;
  private: boolean;
  topic?: string;
  /** User id of the creator, who becomes the owner. */
  owner: string;
  now: number;
}

/** Why an append was refused; nothing was stored. */
export type AppendRefusal = 'banned' | 'muted' | 'not_member';

/** An append the room's rules refused (see `Store.append`). */
export class AppendRefused extends Error {
  override readonly name = 'AppendRefused';
  readonly reason: AppendRefusal;

  constructor(reason: AppendRefusal, room: string) {
    super(`${reason} in ${room}`);
    this.reason = reason;
  }
}

/** A reaction with a new emoji on a message that has `limit` distinct emoji already; nothing was stored. */
export class ReactionsFull extends Error {
  override readonly name = 'ReactionsFull';
  readonly limit: number;

  constructor(limit: number) {
    super(`a message has at most ${limit} different reactions`);
    this.limit = limit;
  }
}

export interface ReactionChange {
  /** The emoji's count on the message after the change. */
  count: number;
  /** False when the reaction was already in the asked state. */
  changed: boolean;
}

/**
 * Contract (every implementation runs test/contract/store.contract.ts):
 * - `append` assigns the room's next seq inside the same write that dedupes by (room, user id, cid):
 *   seqs start at 1 and have no gaps, whatever the concurrency. The room is created if missing.
 * - A promise from `append` resolves only once the message is durable; a rejected one stored nothing.
 * - Appends to one room resolve in seq order.
 * - Reads return messages in ascending seq order, with their current state: edited text and
 *   `editedAt`, tombstones (`deleted: true`, text ""), and reaction counts.
 * - `append` enforces the room's rules in the same write, after the dedupe: a banned user, a user
 *   muted at the message's `ts`, or a non-member of a private room is refused with `AppendRefused`
 *   and nothing is stored. A duplicate of a message stored before is still answered as a duplicate.
 * - Moderation state (roles, bans, mutes) is per room and user id; a ban removes the membership.
 */
export interface Store {
  append(message: NewMessage): Promise<AppendResult>;
  /**
   * Creates the room if it does not exist (recording `creator`, a user id, as who made it); returns
   * its latest seq (0 when empty) and whether this call created it.
   */
  ensureRoom(room: string, creator?: string): Promise<EnsuredRoom>;
  /** Latest seq of a room, or 0 when the room does not exist. */
  roomSeq(room: string): Promise<number>;
  /**
   * At most `limit` rooms with their seq, in name order; with `visibleTo`, only public rooms and the
   * private rooms (and DMs) that user is a member of. When more are visible, the user's own rooms
   * (memberships, DMs) are kept first, then the most recently active (last message, or creation)
   * public rooms, and `truncated` says so.
   */
  listRooms(visibleTo: string | undefined, limit: number): Promise<RoomList>;
  /** Creates a room with an owner; false (and nothing changed) when a room of that name exists. */
  createRoom(room: NewRoom): Promise<boolean>;
  /**
   * Creates the DM room of two users if missing (private, both members, made by the first);
   * idempotent. Resolves whether this call created the room.
   */
  openDm(room: string, users: [string, string], now: number): Promise<boolean>;
  /** The room's settings, or undefined when the room does not exist. */
  roomInfo(room: string): Promise<RoomInfo | undefined>;
  standing(room: string, userId: string): Promise<Standing>;
  /** Gives the user a role in the room, or removes its membership (null). */
  setRole(room: string, userId: string, role: Role | null): Promise<void>;
  /** Bans (and removes the membership) or lifts a ban. */
  setBan(room: string, userId: string, banned: boolean, now: number): Promise<void>;
  /** Sets the room's topic (null clears it); false when the room does not exist. */
  setTopic(room: string, topic: string | null): Promise<boolean>;
  /** Mutes until `until` (ms since the epoch); 0 lifts the mute. */
  setMute(room: string, userId: string, until: number): Promise<void>;
  /** A user recorded by `recordUser`, or undefined. */
  findUser(id: string): Promise<UserRef | undefined>;
  /** One message in its current state (tombstones included), or undefined. */
  message(room: string, seq: number): Promise<ChatMessage | undefined>;
  /** Keeps the previous text as a revision and stores the new one; false when missing or deleted. */
  editMessage(room: string, seq: number, text: string, editedAt: number): Promise<boolean>;
  /** Makes the message a tombstone: text, revisions and reactions are dropped; false when missing or deleted already. */
  deleteMessage(room: string, seq: number, deletedAt: number): Promise<boolean>;
  /** Previous texts of a message, oldest first (empty for a tombstone). */
  revisions(room: string, seq: number): Promise<{ text: string; editedAt: number }[]>;
  /**
   * Adds or removes one user's reaction; undefined when the message is missing or deleted. Adding
   * an emoji the message does not have yet, when it has `maxEmoji` distinct ones already, rejects
   * with ReactionsFull, checked in the same write (concurrent reactions cannot pass the bound).
   */
  react(
    room: string,
    seq: number,
    userId: string,
    emoji: string,
    on: boolean,
    now: number,
    maxEmoji: number,
  ): Promise<ReactionChange | undefined>;
  /** Up to `limit` messages with seq < before (newest when before is undefined), ascending. */
  history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]>;
  /**
   * Up to `limit` live messages whose text contains `text` (case-insensitive; SQLite folds ASCII
   * letters only), newest first, among the messages with `from` <= seq < `before`: the caller bounds
   * the window, so that a search never reads a whole room.
   */
  search(room: string, text: string, from: number, before: number, limit: number): Promise<ChatMessage[]>;
  /**
   * Whether reads run on this thread, inside the call (SQLite), holding the event loop for as long
   * as they take, rather than elsewhere (PostgreSQL): search sizes its slices by it.
   */
  readonly readsHoldLoop: boolean;
  /** Up to `limit` messages with seq > after, ascending: the recovery read. */
  after(room: string, after: number, limit: number): Promise<ChatMessage[]>;
  recordUser(user: UserRef, kind: UserKind): Promise<void>;
  /**
   * Records that `userId` has read `room` up to `seq`, capped at the room's seq; a marker never
   * moves back. Resolves the marker as it now stands (0 for a room that does not exist).
   */
  markRead(room: string, userId: string, seq: number): Promise<number>;
  /** Every read marker of the user, by room. */
  readMarkers(userId: string): Promise<Map<string, number>>;
  /**
   * Stores a new account (and its user row). Resolves false, storing nothing, when the username is
   * taken: usernames are unique case-insensitively (callers pass them lower-cased).
   */
  createAccount(account: Account, createdAt: number): Promise<boolean>;
  /** The account with this (lower-cased) username, if any. */
  findAccount(username: string): Promise<Account | undefined>;
  createAuthSession(session: NewAuthSession): Promise<void>;
  /** The user of a session that exists and has not expired at `now`; undefined otherwise. */
  findAuthSession(tokenHash: string, now: number): Promise<UserRef | undefined>;
  /** Revokes a session at once; resolves whether it existed. */
  deleteAuthSession(tokenHash: string): Promise<boolean>;
  /** Forgets sessions that expired before `now`; resolves how many. */
  pruneAuthSessions(now: number): Promise<number>;
  /** Finishes pending writes, then releases the database. */
  close(): Promise<void>;
}

/** A LIKE pattern that matches `text` anywhere, its own `%`, `_` and `\` taken literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export class StoreError extends Error {
  override readonly name = 'StoreError';
}
