// RoomStore: which rooms exist and their settings (private, DM, topic), and the `rooms` list.
import type { UserRef } from '../../protocol/messages.js';

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
  /** Read-only, and out of other users' `rooms` lists. */
  archived?: true;
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

/** Contract: test/contract/room-store.contract.ts, on every implementation. */
export interface RoomStore {
  /**
   * Creates the room at `now` if it does not exist (recording `creator`, a user id, as who made it);
   * returns its latest seq (0 when empty) and whether this call created it.
   */
  ensureRoom(room: string, now: number, creator?: string): Promise<EnsuredRoom>;
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
  /**
   * For each DM `userId` is in, the other user (as last recorded), by room: what a client that was
   * offline when the DM was opened needs to name it.
   */
  dmPeers(userId: string): Promise<Map<string, UserRef>>;
  /** The room's settings, or undefined when the room does not exist. */
  roomInfo(room: string): Promise<RoomInfo | undefined>;
  /**
   * Archives the room at `now` (read-only: appends are refused with `archived`; listed only to its
   * members) or, with null, makes it writable again; false when the room does not exist.
   */
  setArchived(room: string, now: number | null): Promise<boolean>;
  /**
   * Deletes the room and everything stored for it: messages, revisions, reactions, memberships,
   * bans, mutes, read markers. False when it did not exist. The name is free again afterwards.
   */
  deleteRoom(room: string): Promise<boolean>;
  /** Sets the room's topic (null clears it); false when the room does not exist. */
  setTopic(room: string, topic: string | null): Promise<boolean>;
}
