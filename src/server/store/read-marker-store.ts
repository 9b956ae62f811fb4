// ReadMarkerStore: how far each user has read each room, the one per-user position the server keeps.

/** Contract: test/contract/read-marker-store.contract.ts, on every implementation. */
export interface ReadMarkerStore {
  /**
   * Records that `userId` has read `room` up to `seq`, capped at the room's seq; a marker never
   * moves back. Resolves the marker as it now stands (0 for a room that does not exist).
   */
  markRead(room: string, userId: string, seq: number): Promise<number>;
  /** Every read marker of the user, by room. */
  readMarkers(userId: string): Promise<Map<string, number>>;
}
