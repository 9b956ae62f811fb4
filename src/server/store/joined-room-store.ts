// JoinedRoomStore: the rooms each user has joined and not left, so that they follow the user to
// every device (a membership is something else: a role in the room, see membership-store.ts).

/** Contract: test/contract/joined-room-store.contract.ts, on every implementation. */
export interface JoinedRoomStore {
  /** Whether the user has joined the room and not left it since. */
  hasJoined(room: string, userId: string): Promise<boolean>;
  /** Records that the user joined the room at `now`; joining again changes nothing. */
  markJoined(room: string, userId: string, now: number): Promise<void>;
  /** The user left the room (or was removed from it) at `now`; nothing when it had not joined. */
  markLeft(room: string, userId: string, now: number): Promise<void>;
  /** Every room the user has joined and not left. */
  joinedRooms(userId: string): Promise<Set<string>>;
}
