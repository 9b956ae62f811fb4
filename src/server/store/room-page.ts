// One `listRooms` page, the same way for every Store: the store reads up to one room more than the
// limit, in priority order (the user's own rooms, then the most recently active public ones); the
// page keeps the first `limit`, says whether any were left out, and lists them by name.
import type { RoomInfo, RoomList } from './room-store.js';

export function roomPage(rooms: RoomInfo[], limit: number): RoomList {
  const kept = rooms.slice(0, limit);
  kept.sort((a, b) => (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
  return { rooms: kept, truncated: rooms.length > limit };
}
