// One room as the app shows it, and every change to it as a pure function from one state to the
// next. A change returns a new object only when something changed, and keeps every message object
// it did not touch: the message list compares rows by identity, so an unchanged message is never
// drawn again. Nothing here touches the DOM or the SDK (test/unit/web-room.test.ts runs it in node).
import type { ChatMessage, JoinedEvent, PendingMessage, PresencePush, RoomAccess, UserRef } from '../../../src/client/index.js';

export const PAGE = 50;
export const TYPING_MS = 5000;

export interface Typist {
  user: UserRef;
  until: number;
  /** Typing in the thread of this root, not in the room. */
  thread?: number;
}

export interface RoomState {
  readonly name: string;
  /** Unique by seq, ascending. */
  readonly messages: readonly ChatMessage[];
  readonly pending: readonly PendingMessage[];
  readonly unread: number;
  /** Users known to be online: all of them in a small room, the first thousand in a big one. */
  readonly members: ReadonlyMap<string, UserRef>;
  /** How many users are online (a big room sends no presence pushes: this is as of the join). */
  readonly online: number;
  /** The full list (up to 1,000) was asked for since the last join. */
  readonly membersRead: boolean;
  readonly typing: ReadonlyMap<string, Typist>;
  /** Whether history before the oldest loaded message may exist. */
  readonly hasOlder: boolean;
  readonly loadingOlder: boolean;
  /** The first page of history arrived. */
  readonly loaded: boolean;
  /** The room's settings and my role, from the join. */
  readonly access: RoomAccess | undefined;
  /** Until when I may not send here (0: not muted). */
  readonly mutedUntil: number;
  /**
   * A DM that came into the sidebar by itself: messages after this seq are unread, counted when
   * the join says how far the room has got (messages stored before the join arrive as history).
   */
  readonly unseenAfter: number | undefined;
  /** How far I have read the room, as the server keeps it for all my devices. */
  readonly readSeq: number;
  /** Unread messages that mention me by name (counted live, while the room is out of view). */
  readonly mentions: number;
  /** The message the composer is answering, if any. */
  readonly replyTo: ChatMessage | undefined;
  /** Messages after this seq came while I looked elsewhere: the "New messages" divider (room-view.ts). */
  readonly dividerAfter: number | undefined;
  /** A message the list brings into view, loading older pages until it is there (room-view.ts). */
  readonly focus: Focus | undefined;
  /** The seq of my message being edited in place. */
  readonly editing: number | undefined;
  /** The root seq of the thread open in the side panel. */
  readonly thread: number | undefined;
}

/** Why a message is brought into view: the first unread one (at the top), or one found by search (flashed). */
export interface Focus {
  seq: number;
  why: 'unread' | 'found';
}

export function newRoom(name: string): RoomState {
  return {
    name,
    messages: [],
    pending: [],
    unread: 0,
    members: new Map(),
    online: 0,
    membersRead: false,
    typing: new Map(),
    hasOlder: true,
    loadingOlder: false,
    loaded: false,
    access: undefined,
    mutedUntil: 0,
    unseenAfter: undefined,
    readSeq: 0,
    mentions: 0,
    replyTo: undefined,
    dividerAfter: undefined,
    focus: undefined,
    editing: undefined,
    thread: undefined,
  };
}

/** `room` with `change` applied, or `room` itself when nothing in `change` differs. */
export function patch(room: RoomState, change: Partial<RoomState>): RoomState {
  const keys = Object.keys(change) as (keyof RoomState)[];
  return keys.some((key) => room[key] !== change[key]) ? { ...room, ...change } : room;
}

export const lastSeq = (room: RoomState): number => room.messages.at(-1)?.seq ?? 0;

/** Users online in the room: the count from the server, or the list when it knows more. */
export function onlineCount(room: Pick<RoomState, 'online' | 'members'>): number {
  return Math.max(room.online, room.members.size);
}

/** Messages added or replaced by seq; the list stays ascending and unique. */
export function mergeMessages(room: RoomState, incoming: readonly ChatMessage[]): RoomState {
  const first = incoming[0];
  if (first === undefined) return room;
  const last = room.messages.at(-1);
  if (incoming.length === 1 && (last === undefined || first.seq > last.seq)) return { ...room, messages: [...room.messages, first] };
  const bySeq = new Map(room.messages.map((message) => [message.seq, message]));
  for (const message of incoming) bySeq.set(message.seq, message);
  return { ...room, messages: [...bySeq.values()].sort((a, b) => a.seq - b.seq) };
}

/** How the app sees a new message: mine, in a room in view (and the page visible), naming me. */
export interface Arrival {
  mine: boolean;
  inView: boolean;
  mention: boolean;
}

/** A live message: stored, its author no longer typing, counted unread when I am not looking. */
export function receiveMessage(room: RoomState, message: ChatMessage, arrival: Arrival): RoomState {
  const known = room.messages.some((m) => m.seq === message.seq);
  const merged = mergeMessages(known || message.thread === undefined ? room : countReply(room, message), [message]);
  const typing = withoutKey(merged.typing, message.from.id);
  // A reply only in its thread is not news in the room's timeline.
  const hidden = message.thread !== undefined && message.alsoInRoom !== true;
  if (arrival.mine || arrival.inView || hidden) return patch(merged, { typing });
  return patch(merged, { typing, unread: merged.unread + 1, mentions: merged.mentions + (arrival.mention ? 1 : 0) });
}

/** A new reply counted on its root, when the root is loaded here (the server counts it in later reads). */
function countReply(room: RoomState, reply: ChatMessage): RoomState {
  const index = room.messages.findIndex((m) => m.seq === reply.thread);
  const root = room.messages[index];
  if (root === undefined) return room;
  const before = root.replies ?? { count: 0, lastTs: 0, users: [] };
  const users = before.users.includes(reply.from.id) || before.users.length >= 5 ? before.users : [...before.users, reply.from.id];
  const messages = [...room.messages];
  messages[index] = { ...root, replies: { count: before.count + 1, lastTs: Math.max(before.lastTs, reply.ts), users } };
  return { ...room, messages };
}

/** The join's answer (first or again after a reconnect): members, count and access as of now. */
export function applyJoined(room: RoomState, event: JoinedEvent, inView: boolean): RoomState {
  let unread = room.unread;
  if (room.unseenAfter !== undefined && !inView) unread = Math.max(unread, event.seq - room.unseenAfter);
  return {
    ...room,
    members: new Map(event.members.map((member) => [member.id, member])),
    online: event.online,
    membersRead: false,
    access: event.access,
    unseenAfter: undefined,
    unread,
  };
}

/** Too much was missed to replay: the room starts over from its newest page. */
export function applyGap(room: RoomState): RoomState {
  return { ...room, messages: [], loaded: false, hasOlder: true };
}

/** The newest page after a join. */
export function applyRecent(room: RoomState, recent: readonly ChatMessage[]): RoomState {
  const hasOlder = room.loaded ? room.hasOlder : (recent[0]?.seq ?? 1) > 1;
  return mergeMessages(patch(room, { loaded: true, hasOlder }), recent);
}

/** A room with no messages at all, as the join said. */
export function applyEmpty(room: RoomState): RoomState {
  return patch(room, { loaded: true, hasOlder: false });
}

/** A page of older history; seqs start at 1 without gaps, and a page may be short (reply budget). */
export function applyOlder(room: RoomState, older: readonly ChatMessage[]): RoomState {
  return mergeMessages(patch(room, { hasOlder: (older[0]?.seq ?? 1) > 1 }), older);
}

export function applyPresence(room: RoomState, push: PresencePush): RoomState {
  const id = push.user.id;
  if (push.event === 'join') {
    const members = new Map(room.members).set(id, push.user);
    return { ...room, members, online: room.members.has(id) ? room.online : room.online + 1 };
  }
  return { ...room, online: Math.max(0, room.online - 1), members: withoutKey(room.members, id), typing: withoutKey(room.typing, id) };
}

export function applyTyping(room: RoomState, user: UserRef, now: number, thread?: number): RoomState {
  const typist: Typist = thread === undefined ? { user, until: now + TYPING_MS } : { user, until: now + TYPING_MS, thread };
  return { ...room, typing: new Map(room.typing).set(user.id, typist) };
}

/** Typists whose last notice is older than TYPING_MS are no longer shown. */
export function expireTyping(room: RoomState, now: number): RoomState {
  const kept = [...room.typing].filter(([, typist]) => typist.until > now);
  return kept.length === room.typing.size ? room : { ...room, typing: new Map(kept) };
}

/** The list from `members` (up to 1,000), merged into the one the join gave. */
export function applyMembers(room: RoomState, members: readonly UserRef[], online: number): RoomState {
  const all = new Map(room.members);
  for (const member of members) all.set(member.id, member);
  return { ...room, members: all, online };
}

/** I read the room up to `seq` on another device (or tab): what was unread here up to there is read. */
export function applyRead(room: RoomState, seq: number): RoomState {
  if (seq <= room.readSeq) return room;
  const unread = Math.min(room.unread, Math.max(0, lastSeq(room) - seq));
  return patch(room, { readSeq: seq, unread, mentions: unread === 0 ? 0 : room.mentions });
}

/** The directory's read marker; a room not in view counts as unread what the server says is. */
export function applyReadMarker(room: RoomState, entry: { seq: number; read: number }, inView: boolean): RoomState {
  const readSeq = Math.max(room.readSeq, entry.read);
  if (inView) return patch(room, { readSeq });
  return patch(room, { readSeq, unread: Math.max(0, Math.max(entry.seq, lastSeq(room)) - readSeq) });
}

/** The room came into view: nothing in it is unread any more. */
export function markViewed(room: RoomState): RoomState {
  return patch(room, { unread: 0, mentions: 0 });
}

/** Pending sends not yet shown as stored messages. */
export function pendingOf(room: Pick<RoomState, 'messages' | 'pending'>, me: string | undefined): readonly PendingMessage[] {
  if (room.pending.length === 0) return room.pending;
  const stored = new Set(room.messages.filter((m) => m.from.id === me).map((m) => m.cid));
  return room.pending.filter((p) => !stored.has(p.cid));
}

/** A message of the room as loaded here, for quoting; undefined when it is not loaded. */
export function findLoaded(messages: readonly ChatMessage[], seq: number): ChatMessage | undefined {
  // Messages are in seq order: a binary search, since a room in view may hold thousands.
  let low = 0;
  let high = messages.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const found = messages[middle];
    if (found === undefined) return undefined;
    if (found.seq === seq) return found;
    if (found.seq < seq) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}

/** Who is typing in the room (`thread` undefined) or in the thread of that root. */
export function typingNames(room: Pick<RoomState, 'typing'>, now: number, thread?: number): string[] {
  return [...room.typing.values()].filter((entry) => entry.until > now && entry.thread === thread).map((entry) => entry.user.name);
}

function withoutKey<V>(map: ReadonlyMap<string, V>, key: string): ReadonlyMap<string, V> {
  if (!map.has(key)) return map;
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}
