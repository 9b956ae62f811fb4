// Store: where every message lives before anyone hears of it. The chat service writes through it and
// reads history and recovery windows from it; no other module touches the database.
import type { ChatMessage, UserRef } from '../../protocol/messages.js';

export interface NewMessage {
  room: string;
  cid: string;
  from: UserRef;
  text: string;
  ts: number;
}

export interface AppendResult {
  message: ChatMessage;
  /** True when (room, from.id, cid) was stored before: `message` is that first message, unchanged. */
  duplicate: boolean;
}

export interface RoomSummary {
  room: string;
  seq: number;
}

/**
 * Contract (every implementation runs test/contract/store.contract.ts):
 * - `append` assigns the room's next seq inside the same write that dedupes by (room, user id, cid):
 *   seqs start at 1 and have no gaps, whatever the concurrency. The room is created if missing.
 * - A promise from `append` resolves only once the message is durable; a rejected one stored nothing.
 * - Appends to one room resolve in seq order.
 * - Reads return messages in ascending seq order.
 */
export interface Store {
  append(message: NewMessage): Promise<AppendResult>;
  /** Creates the room if it does not exist; returns its latest seq (0 when empty). */
  ensureRoom(room: string): Promise<RoomSummary>;
  /** Latest seq of a room, or 0 when the room does not exist. */
  roomSeq(room: string): Promise<number>;
  listRooms(): Promise<RoomSummary[]>;
  /** Up to `limit` messages with seq < before (newest when before is undefined), ascending. */
  history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]>;
  /** Up to `limit` messages with seq > after, ascending: the recovery read. */
  after(room: string, after: number, limit: number): Promise<ChatMessage[]>;
  recordUser(user: UserRef, kind: 'guest' | 'account'): Promise<void>;
  /** Finishes pending writes, then releases the database. */
  close(): Promise<void>;
}

export class StoreError extends Error {
  override readonly name = 'StoreError';
}
