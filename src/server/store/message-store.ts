// MessageStore: a room's messages in seq order, from the append that numbers them to the reads that
// replay them (history, recovery, search) and what changes them later (edit, delete, reactions).
import type { ChatMessage, FileDescriptor, UserRef } from '../../protocol/messages.js';

export interface NewMessage {
  room: string;
  cid: string;
  from: UserRef;
  text: string;
  ts: number;
  /** The seq of an earlier message of the room this one answers. */
  replyTo?: number;
  /**
   * The room must exist already: an append to a room that is not there (deleted while the send was
   * in flight) is refused with `not_found` instead of making the room again, ownerless. Every send
   * of the chat service says so; without it a first append makes the room (tests and tools).
   */
  existing?: true;
  /** Attached files (claimed in the FileStore before the append). */
  files?: FileDescriptor[];
  /** A thread reply: its root's seq. */
  thread?: number;
  /** With `thread`: shown in the room too. */
  alsoInRoom?: boolean;
}

export interface AppendResult {
  message: ChatMessage;
  /** True when (room, from.id, cid) was stored before: `message` is that first message, unchanged. */
  duplicate: boolean;
}

/** What narrows a search besides its text: the author's name (a part of it, any case) and the time. */
export interface SearchFilter {
  person?: string;
  /** ms since the epoch: messages stored at or after it. */
  since?: number;
  /** ms since the epoch: messages stored before it. */
  until?: number;
}

/** Why an append was refused; nothing was stored. */
export type AppendRefusal = 'banned' | 'muted' | 'not_member' | 'archived' | 'not_found';

/** An append the room's rules refused (see `MessageStore.append`). */
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
 * Contract (test/contract/message-store.contract.ts, on every implementation):
 * - `append` assigns the room's next seq inside the same write that dedupes by (room, user id, cid):
 *   seqs start at 1 and have no gaps, whatever the concurrency. The room is created if missing.
 * - A promise from `append` resolves only once the message is durable; a rejected one stored nothing.
 * - Appends to one room resolve in seq order.
 * - Reads return messages in ascending seq order, with their current state: edited text and
 *   `editedAt`, tombstones (`deleted: true`, text ""), and reaction counts; a thread reply carries
 *   `thread` (and `alsoInRoom`), a root with live replies carries `replies` (count, last ts, up
 *   to 5 repliers).
 * - `append` enforces the room's rules in the same write, after the dedupe (`sendRefusal` in
 *   refusal.ts: banned, then not a member of a private room, then muted at the message's `ts`),
 *   refusing with `AppendRefused` and storing nothing. A duplicate of a message stored before is
 *   still answered as a duplicate.
 */
export interface MessageStore {
  append(message: NewMessage): Promise<AppendResult>;
  /** Latest seq of a room, or 0 when the room does not exist. */
  roomSeq(room: string): Promise<number>;
  /** Up to `limit` messages with seq < before (newest when before is undefined), ascending. */
  history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]>;
  /** Up to `limit` messages with seq > after, ascending: the recovery read. */
  after(room: string, after: number, limit: number): Promise<ChatMessage[]>;
  /**
   * Up to `limit` live messages whose text contains `text` (case-insensitive; SQLite folds ASCII
   * letters only), newest first, among the messages with `from` <= seq < `before`: the caller bounds
   * the window, so that a search never reads a whole room.
   */
  search(room: string, text: string, from: number, before: number, limit: number, filter?: SearchFilter): Promise<ChatMessage[]>;
  /**
   * Whether reads run on this thread, inside the call (SQLite), holding the event loop for as long
   * as they take, rather than elsewhere (PostgreSQL): search sizes its slices by it.
   */
  readonly readsHoldLoop: boolean;
  /**
   * Up to `limit` replies of the thread rooted at `root` with seq > after, ascending, in their
   * current state (tombstones included).
   */
  thread(room: string, root: number, after: number, limit: number): Promise<ChatMessage[]>;
  /** One message in its current state (tombstones included), or undefined. */
  message(room: string, seq: number): Promise<ChatMessage | undefined>;
  /**
   * Stores the new text (the previous one is kept as a revision, for operators); false when the
   * message is missing or deleted.
   */
  editMessage(room: string, seq: number, text: string, editedAt: number): Promise<boolean>;
  /** Makes the message a tombstone: text, revisions and reactions are dropped; false when missing or deleted already. */
  deleteMessage(room: string, seq: number, deletedAt: number): Promise<boolean>;
  /**
   * Adds or removes one user's reaction; undefined when the message is missing or deleted. Adding
   * an emoji the message does not have yet, when it has `maxEmoji` distinct ones already, rejects
   * with ReactionsFull, checked in the same write (concurrent reactions cannot pass the bound).
   */
  react(room: string, seq: number, userId: string, emoji: string, on: boolean, now: number, maxEmoji: number): Promise<ReactionChange | undefined>;
}
