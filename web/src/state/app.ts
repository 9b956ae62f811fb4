// The whole app's state: the rooms (each a RoomState, replaced only when it changes), which one is
// in view, the connection and the directory; and the questions components ask of it (labels,
// titles, totals), as pure functions.
import type { FollowedThread, StateChange, UserRef } from '../../../src/client/index.js';
import { isDmRoom } from '../../../src/protocol/patterns.js';
import type { RoomState } from './room.js';

export interface DirectoryEntry {
  room: string;
  seq: number;
  online: number;
  read: number;
  private: boolean;
  dm: boolean;
  /** A DM's other user, as the server last saw them. */
  peer?: UserRef;
  /** I joined it (on some device) and have not left it. */
  joined?: true;
}

/** Whether the browser may show desktop notifications; 'default' until the person is asked. */
export type NotificationState = 'default' | 'granted' | 'denied' | 'unsupported';

export interface AppState {
  /** In sidebar order. */
  readonly rooms: ReadonlyMap<string, RoomState>;
  readonly active: string;
  readonly connection: StateChange;
  /** When the connection came back after a drop (for the "back online" banner). */
  readonly backOnlineAt: number;
  readonly directory: readonly DirectoryEntry[];
  /** The last refusal or notice to show (e.g. "you were removed from #x"), with when it happened. */
  readonly notice: { text: string; at: number } | undefined;
  /** DM room → the other user, for labels. */
  readonly dmPeers: ReadonlyMap<string, UserRef>;
  readonly me: UserRef | undefined;
  readonly signedIn: boolean;
  readonly notifications: NotificationState;
  /** Messages waiting in the SDK's outbox, in every room. */
  readonly unsent: number;
  /** The threads I follow, most recently answered first, with their unread replies. */
  readonly threads: readonly FollowedThread[];
}

export function isDm(state: AppState, room: string): boolean {
  return state.rooms.get(room)?.access?.dm === true || isDmRoom(room);
}

/** The other user of a DM, once the room's members name them. */
export function peerOf(room: RoomState, me: UserRef | undefined): UserRef | undefined {
  if (room.access?.dm !== true && !isDmRoom(room.name)) return undefined;
  return [...room.members.values()].find((member) => member.id !== me?.id);
}

/** How a room is called in the UI: DMs by the other user's name (without the sigil). */
export function labelOf(state: AppState, room: string): string {
  const peer = state.dmPeers.get(room);
  if (peer !== undefined) return peer.name;
  if (!isDm(state, room)) return room;
  const view = state.rooms.get(room);
  const other = view === undefined ? undefined : peerOf(view, state.me);
  return other !== undefined ? other.name : 'Direct message';
}

/** The room with its sigil, as text: `#general`, `@ada`. */
export function titleOf(state: AppState, room: string): string {
  return `${isDm(state, room) ? '@' : '#'}${labelOf(state, room)}`;
}

export function totalUnread(state: AppState): number {
  let total = 0;
  for (const room of state.rooms.values()) total += room.unread;
  return total;
}

/** Whether I moderate the room (kick, ban, mute, invite, delete anyone's). */
export function moderates(state: AppState, room: string): boolean {
  const role = state.rooms.get(room)?.access?.role;
  return role === 'owner' || role === 'moderator';
}

/**
 * What tells apart users who share a display name: for each of them, a short piece of its id
 * (`#x7Qa`); users whose name is theirs alone get none. Names compare as people read them (case-folded).
 */
export function nameTags(users: Iterable<UserRef>): Map<string, string> {
  const byName = new Map<string, UserRef[]>();
  for (const user of users) {
    const key = user.name.normalize('NFKC').toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), user]);
  }
  const tags = new Map<string, string>();
  for (const same of byName.values()) {
    if (same.length < 2) continue;
    for (const user of same) tags.set(user.id, `#${user.id.replace(/^[a-z]+[_:]/, '').slice(-4)}`);
  }
  return tags;
}

/** Every user I have seen in any room, for the invite picker. */
export function knownUsers(state: AppState): UserRef[] {
  const users = new Map<string, UserRef>();
  for (const view of state.rooms.values()) for (const member of view.members.values()) users.set(member.id, member);
  for (const peer of state.dmPeers.values()) users.set(peer.id, peer);
  if (state.me !== undefined) users.delete(state.me.id);
  return [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The tab's title: the room in view, after the number of unread messages when there are any. */
export function documentTitle(state: AppState): string {
  const total = totalUnread(state);
  const title = `${titleOf(state, state.active)} · Parley`;
  return total > 0 ? `(${total}) ${title}` : title;
}
