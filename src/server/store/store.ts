// Store: where every message, room, membership, read marker, user, account and login session lives.
// Consumers depend on the narrow interface of the concern they use (message-store.ts, room-store.ts,
// membership-store.ts, read-marker-store.ts, joined-room-store.ts, user-store.ts, account-store.ts); `Store` is all of
// them in one database, what an engine implements and the composition root wires.
import type { AccountStore, AuthSessionStore } from './account-store.js';
import type { JoinedRoomStore } from './joined-room-store.js';
import type { MembershipStore } from './membership-store.js';
import type { MessageStore, SearchFilter } from './message-store.js';
import type { ReadMarkerStore } from './read-marker-store.js';
import type { RoomStore } from './room-store.js';
import type { UserStore } from './user-store.js';
import type { ThreadFollowStore } from './thread-follow-store.js';

export interface Store
  extends MessageStore, RoomStore, MembershipStore, ReadMarkerStore, JoinedRoomStore, UserStore, AccountStore, AuthSessionStore, ThreadFollowStore {
  /** Finishes pending writes, then releases the database. */
  close(): Promise<void>;
}

/** A LIKE pattern that matches `text` anywhere, its own `%`, `_` and `\` taken literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A search filter as the engines' SQL takes it: a name pattern that matches anyone when unset, and a time range. */
export function searchBounds(filter: SearchFilter): { person: string; since: number; until: number } {
  return {
    person: filter.person === undefined ? '%' : likePattern(filter.person),
    since: filter.since ?? 0,
    until: filter.until ?? Number.MAX_SAFE_INTEGER,
  };
}

/** The database failed (a full disk, PostgreSQL unreachable, the store closed): nothing was done. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
}
