// Protocol v1: the frames a client sends (commands) and the frames it receives (replies and pushes).
// The schemas are the single source of truth: the server validates every command against them and
// the types below are derived from them, so the SDK, the web app and the server cannot disagree.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { ErrorCode } from './errors.js';
import { ROOM_PATTERN } from './patterns.js';
import { Limits } from './limits.js';

export const PROTOCOL = 'parley.v1';
export const PROTOCOL_VERSION = 1;

export { ROOM_PATTERN };
// No C0/C1 control characters and not blank. Written without \p{} classes so that it compiles the
// same with and without the RegExp `u` flag.
export const NICK_PATTERN = '^(?=[\\s\\S]*\\S)[^\\u0000-\\u001f\\u007f-\\u009f]+$';

export { Limits };

const RequestId = Type.Union([Type.Number(), Type.String({ maxLength: 128 })]);
const Room = Type.String({ pattern: ROOM_PATTERN, maxLength: 64 });
const Seq = Type.Integer({ minimum: 0 });
const MessageSeq = Type.Integer({ minimum: 1 });
const UserId = Type.String({ minLength: 1, maxLength: Limits.userIdMax });
const Text = Type.String({ minLength: 1, maxLength: Limits.textMax });
/** A message's text where it may not be empty (every text but a `send` with files). */
export const MessageText = Text;
/** One emoji (or short token): no whitespace, no control characters. */
export const EMOJI_PATTERN = '^[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$';

/** The part every command shares; checked before the verb's own schema. */
export const Envelope = Type.Object({
  id: Type.Optional(RequestId),
  type: Type.String({ minLength: 1, maxLength: 32 }),
});

/**
 * A guest names itself; `resume` (from an earlier hello) makes it the same user again. The nick's
 * rule is checkName (names.ts: at most Limits.nickMax characters, no invisible or blank-looking
 * ones), applied by the server so that its refusal names the rule; the schema only bounds the size
 * (four UTF-16 units a character covers any emoji with its modifiers).
 */
export const GuestHelloParams = Type.Object({
  nick: Type.String({ minLength: 1, maxLength: Limits.nickMax * 4 }),
  resume: Type.Optional(Type.String({ maxLength: 256 })),
});
/** A signed-in user: a Parley session token (from /api/login) or another app's JWT. */
export const TokenHelloParams = Type.Object({
  token: Type.String({ minLength: 1, maxLength: Limits.tokenMax }),
  // Ignored with a token; allowed so that a client may always send back what it was given.
  resume: Type.Optional(Type.String({ maxLength: 256 })),
});
/** Exactly one of `nick` (guest) or `token` (account or external user); the server refuses both. */
export const HelloParams = Type.Union([GuestHelloParams, TokenHelloParams]);
export const JoinParams = Type.Object({ room: Room, since: Type.Optional(Seq) });
export const LeaveParams = Type.Object({ room: Room });
export const RoomsParams = Type.Object({});
export const FileId = Type.String({ minLength: 1, maxLength: Limits.fileIdMax, pattern: '^f_[A-Za-z0-9_-]+$' });
/**
 * `text` may be empty only with `files` (the caption of the attachments); `files` are ids from an
 * upload (POST /api/files) by the same user, each attached once.
 */
export const SendParams = Type.Object({
  room: Room,
  text: Type.String({ maxLength: Limits.textMax }),
  cid: Type.String({ minLength: 1, maxLength: Limits.cidMax }),
  replyTo: Type.Optional(MessageSeq),
  files: Type.Optional(Type.Array(FileId, { minItems: 1, maxItems: Limits.filesPerMessage, uniqueItems: true })),
  /** The seq of the thread's root (a message of the room that is no reply itself): this is a reply in its thread. */
  thread: Type.Optional(MessageSeq),
  /** With `thread`: shown in the room as well, as Slack's "also send to the channel". */
  alsoInRoom: Type.Optional(Type.Boolean()),
});
export const HistoryParams = Type.Object({
  room: Room,
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.historyMax })),
});
/** With `thread` (a root's seq): typing a reply in that thread. */
export const TypingParams = Type.Object({ room: Room, thread: Type.Optional(MessageSeq) });
/** A thread's replies with a seq above `after`, ascending, with the root as it is now. */
export const ThreadParams = Type.Object({
  room: Room,
  root: MessageSeq,
  after: Type.Optional(Seq),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.historyMax })),
});
export const SearchParams = Type.Object({
  room: Room,
  text: Type.String({ minLength: 1, maxLength: Limits.searchTextMax }),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.searchMax })),
  /** Only messages whose author's name contains this (case-insensitive). */
  person: Type.Optional(Type.String({ minLength: 1, maxLength: Limits.nickMax })),
  /** Only messages stored at or after this time (ms since the epoch). */
  since: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Only messages stored before this time (ms since the epoch). */
  until: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const MembersParams = Type.Object({
  room: Room,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.membersMax })),
});
export const CreateParams = Type.Object({
  room: Room,
  private: Type.Optional(Type.Boolean()),
  topic: Type.Optional(Type.String({ maxLength: Limits.topicMax, pattern: NICK_PATTERN })),
});
export const RoomUserParams = Type.Object({ room: Room, user: UserId });
export const MuteParams = Type.Object({
  room: Room,
  user: UserId,
  seconds: Type.Integer({ minimum: 0, maximum: Limits.muteMaxSeconds }),
});
/** Roles a `role` command may give; ownership is not transferable in v1. */
export const AssignableRole = Type.Union([Type.Literal('moderator'), Type.Literal('member')]);
export const RoleParams = Type.Object({ room: Room, user: UserId, role: AssignableRole });
export const EditParams = Type.Object({ room: Room, seq: MessageSeq, text: Text });
export const DeleteParams = Type.Object({ room: Room, seq: MessageSeq });
export const ReactParams = Type.Object({
  room: Room,
  seq: MessageSeq,
  emoji: Type.String({ minLength: 1, maxLength: Limits.emojiMax, pattern: EMOJI_PATTERN }),
  on: Type.Boolean(),
});
export const DmParams = Type.Object({ user: UserId });
/** An empty topic clears it. */
export const TopicParams = Type.Object({ room: Room, topic: Type.String({ maxLength: Limits.topicMax, pattern: `^$|${NICK_PATTERN}` }) });
/** With `thread` (a root's seq): how far the thread's replies are read, not the room. */
export const ReadParams = Type.Object({ room: Room, seq: Seq, thread: Type.Optional(MessageSeq) });
export const ThreadsParams = Type.Object({});
/** `archived: false` makes an archived room writable again. */
export const ArchiveParams = Type.Object({ room: Room, archived: Type.Optional(Type.Boolean()) });
export const DestroyParams = Type.Object({ room: Room });
/** A single-use ticket for another connection of this user to the room (the Yjs document endpoint). */
export const TicketParams = Type.Object({ room: Room });
/** Moderators: makes the room's shared document read-only for everyone (`locked: false` lifts it). */
export const DocLockParams = Type.Object({ room: Room, locked: Type.Boolean() });
/** Saves the room's document as it is now, under a name, in its version history. */
export const DocSaveParams = Type.Object({ room: Room, name: Type.String({ minLength: 1, maxLength: Limits.topicMax, pattern: NICK_PATTERN }) });
export const DocVersionsParams = Type.Object({ room: Room });
/** The room's document as plain text now (its `text` field): for clients that do not speak Yjs. */
export const DocTextParams = Type.Object({ room: Room });
/** `restore: true` writes the version back as a new change; otherwise its text is answered. */
export const DocVersionParams = Type.Object({ room: Room, version: Type.Integer({ minimum: 1 }), restore: Type.Optional(Type.Boolean()) });

/** Every verb a client may send, with the schema of its parameters. */
export const CommandSchemas = {
  hello: HelloParams,
  join: JoinParams,
  leave: LeaveParams,
  rooms: RoomsParams,
  send: SendParams,
  history: HistoryParams,
  thread: ThreadParams,
  search: SearchParams,
  typing: TypingParams,
  members: MembersParams,
  create: CreateParams,
  invite: RoomUserParams,
  kick: RoomUserParams,
  ban: RoomUserParams,
  unban: RoomUserParams,
  mute: MuteParams,
  role: RoleParams,
  edit: EditParams,
  delete: DeleteParams,
  react: ReactParams,
  dm: DmParams,
  read: ReadParams,
  threads: ThreadsParams,
  topic: TopicParams,
  archive: ArchiveParams,
  destroy: DestroyParams,
  ticket: TicketParams,
  doclock: DocLockParams,
  docsave: DocSaveParams,
  docversions: DocVersionsParams,
  docversion: DocVersionParams,
  doctext: DocTextParams,
} as const satisfies Record<string, TSchema>;

export type Verb = keyof typeof CommandSchemas;
export type RequestId = Static<typeof RequestId>;
export type CommandParams = { [V in Verb]: Static<(typeof CommandSchemas)[V]> };
/** A validated command: its verb, its parameters and the request id when the client gave one. */
export type Command = { [V in Verb]: { type: V; id?: RequestId; params: CommandParams[V] } }[Verb];

/**
 * Guests name themselves; accounts sign in with a session token; external users with another app's
 * JWT; bots (`bot:<name>`) are made with a server API key and speak through the HTTP API.
 */
export type UserKind = 'guest' | 'account' | 'external' | 'bot';

export interface UserRef {
  id: string;
  name: string;
}

/** Bots (made with a server API key) have ids `bot:<name>`; no other user's id starts so. */
export function isBot(user: UserRef): boolean {
  return user.id.startsWith('bot:');
}

export type Role = 'owner' | 'moderator' | 'member';

export interface ReactionCount {
  emoji: string;
  count: number;
  /** Ids of the users who reacted with this emoji, oldest first. */
  users: string[];
}

/**
 * A file attached to a message. Its bytes are fetched with a short-lived link (POST /api/files/links,
 * docs/api.md), never with a URL in the message: who may read it is checked for each reader.
 */
export interface FileDescriptor {
  id: string;
  /** The name it was uploaded with (display only; never used as a path). */
  name: string;
  /** The type found in its content (`application/octet-stream` when unknown), never the name's. */
  type: string;
  size: number;
  /** Images only: pixel dimensions, and a thumbnail to fetch. */
  width?: number;
  height?: number;
  thumb?: true;
}

export interface ChatMessage {
  room: string;
  seq: number;
  msgId: string;
  cid: string;
  from: UserRef;
  /** The current text; "" for a deleted message. */
  text: string;
  ts: number;
  /** When the text was last edited (ms since the epoch); absent when never edited. */
  editedAt?: number;
  /** Present on a tombstone: the message was deleted and its text is gone. */
  deleted?: true;
  /** Reactions, by emoji in the order they first appeared; absent when there are none. */
  reactions?: ReactionCount[];
  /** The seq of the message (in the same room) this one answers; absent when it answers none. */
  replyTo?: number;
  /** Attached files, in the order sent; absent when none (and on a tombstone: a deleted message's files are gone). */
  files?: FileDescriptor[];
  /** A reply in a thread: the seq of the thread's root. */
  thread?: number;
  /** A thread reply that is shown in the room as well. */
  alsoInRoom?: true;
  /** A thread's root: its live replies (how many, the latest's time, up to 5 repliers' ids); absent without replies. */
  replies?: ThreadSummary;
}

export interface ThreadSummary {
  count: number;
  lastTs: number;
  users: string[];
}

/** What a join ok says about the room itself. */
export interface RoomAccess {
  private: boolean;
  /** True for a direct-message room. */
  dm: boolean;
  topic?: string;
  /** Read-only: `send`, `edit`, `react`, `typing` and `topic` are refused with `archived`. */
  archived?: true;
  /** The joiner's role in the room; absent when it has none (a visitor of a public room). */
  role?: Role;
}

/** One room of a `rooms` reply. */
export type RoomsEntry = { room: string; seq: number; online: number; read: number } & Omit<RoomAccess, 'role'> & {
    /** In a DM: the other user (its name as last seen), so that a DM is named without its partner online. */
    peer?: UserRef;
    /** The user has joined the room (on any device) and not left it: a client shows it among the user's rooms. */
    joined?: true;
  };

/** What an `ok` reply carries for each verb (besides `id` and `type`). */
export interface Results {
  /** `resume` only for guests; `kind` says how the user was identified. */
  hello: { conn: string; user: UserRef; protocol: number; resume?: string; kind?: UserKind };
  /** `members`: up to Limits.joinMembers of the `online` users, the joiner first. */
  join: { room: string; seq: number; members: UserRef[]; online: number; recovered: boolean; replayFrom?: number } & RoomAccess;
  leave: { room: string };
  /**
   * `read`: how far this user has read the room (0 when never), from `read` on any device. At most
   * the server's list limit (500 by default): the user's own rooms first, then the most recently
   * active public ones; `truncated: true` when rooms were left out (absent otherwise).
   */
  rooms: { rooms: RoomsEntry[]; truncated?: true };
  send: { room: string; seq: number; msgId: string; ts: number; duplicate?: boolean };
  history: { room: string; messages: ChatMessage[] };
  /** `root` in its current state (with `replies`); `messages` its replies after `after`, ascending. */
  thread: { room: string; root: ChatMessage; messages: ChatMessage[] };
  /** Newest first; `from` is the lowest seq looked at (1 when the whole room was searched). */
  search: { room: string; messages: ChatMessage[]; from: number };
  typing: { room: string };
  members: { room: string; members: UserRef[]; online: number };
  create: { room: string; private: boolean; topic?: string; role: 'owner' };
  invite: { room: string; user: string };
  kick: { room: string; user: string };
  ban: { room: string; user: string };
  unban: { room: string; user: string };
  mute: { room: string; user: string; until: number };
  role: { room: string; user: string; role: Role };
  edit: { room: string; seq: number; editedAt: number };
  delete: { room: string; seq: number };
  react: { room: string; seq: number; emoji: string; count: number };
  dm: { room: string; user: UserRef };
  read: { room: string; seq: number; thread?: number };
  /** The threads the user follows (wrote the root or a reply, or read it), most recently answered first. */
  threads: { threads: FollowedThread[] };
  topic: { room: string; topic: string };
  archive: { room: string; archived: boolean };
  destroy: { room: string };
  /** `ticket` goes in the Yjs provider's URL (`?ticket=`): good once, for this user and room, until `expiresAt`. */
  ticket: { room: string; ticket: string; expiresAt: number };
  doclock: { room: string; locked: boolean };
  docsave: { room: string; version: DocVersion };
  docversions: { room: string; versions: DocVersion[] };
  /** The version's text (the document's `text` field); `restored` when it was written back. */
  docversion: { room: string; version: DocVersion; text: string; restored: boolean };
  doctext: { room: string; text: string };
}

/** One entry of a room document's version history. */
export interface DocVersion {
  id: number;
  name: string;
  /** Who saved it (a user id), or "auto" for a periodic snapshot. */
  by: string;
  ts: number;
  bytes: number;
}

export type OkReply<V extends Verb = Verb> = { id: RequestId; type: 'ok' } & Results[V];
export interface ErrorReply {
  id?: RequestId;
  type: 'error';
  /** One of the server's codes (errors.ts): the SDK and the server share this one list. */
  code: ErrorCode;
  message: string;
  field?: string;
  /** With `rate_limited`: wait this long before the next request of that kind. */
  retryAfterMs?: number;
}

export type MessagePush = { type: 'message' } & ChatMessage;
export interface PresencePush {
  type: 'presence';
  room: string;
  user: UserRef;
  event: 'join' | 'leave';
}
export interface TypingPush {
  type: 'typing';
  room: string;
  user: UserRef;
  /** Typing a reply in the thread of this root. */
  thread?: number;
}
/** A message's text was edited. Not part of the seq-ordered stream: the message keeps its seq. */
export interface EditPush {
  type: 'edit';
  room: string;
  seq: number;
  text: string;
  editedAt: number;
}
/** A message was deleted; history shows it as a tombstone. */
export interface DeletePush {
  type: 'delete';
  room: string;
  seq: number;
}
/** `user` added (`on`) or removed a reaction; `count` is the emoji's new total on the message. */
export interface ReactionPush {
  type: 'reaction';
  room: string;
  seq: number;
  emoji: string;
  user: string;
  on: boolean;
  count: number;
}
/**
 * `user` was removed from the room (by a kick or a ban). Every connection in the room gets it; the
 * removed user's connections have left the room when they receive it.
 */
export interface KickedPush {
  type: 'kicked';
  room: string;
  user: string;
  by: UserRef;
  reason: 'kick' | 'ban';
}
/** `user` may not send in the room until `until` (ms since the epoch); `until: 0` lifts a mute. */
export interface MutedPush {
  type: 'muted';
  room: string;
  user: string;
  until: number;
}
/** `by` set the room's topic; an empty `topic` means it was cleared. */
export interface TopicPush {
  type: 'topic';
  room: string;
  topic: string;
  by: UserRef;
}
/** Pushes that are about a message or a moderation act rather than the seq-ordered stream. */
export type RoomEventPush = EditPush | DeletePush | ReactionPush | KickedPush | MutedPush | TopicPush;
/**
 * Sent to every connection of `user`, whatever rooms it is in: `by` made `user` a member of a
 * private room (`invite`) or opened a DM with `user` (`dm`). Join the room to see it.
 */
export interface InvitedPush {
  type: 'invited';
  room: string;
  user: string;
  by: UserRef;
  dm: boolean;
}
/** `user` (you) has read `room` (with `thread`: that thread) up to `seq`, on one of your connections: sent to every one of them. */
export interface ReadPush {
  type: 'read';
  room: string;
  user: string;
  seq: number;
  thread?: number;
}

/** A thread the user follows: live replies, those by others above its marker (`unread`), the marker, the newest reply's seq. */
export interface FollowedThread {
  room: string;
  root: number;
  replies: number;
  unread: number;
  read: number;
  lastSeq: number;
}
/**
 * `user` (you) left `room` on one of your connections: every other connection of yours is taken
 * out of it too (as after a kick), and the room leaves the user's rooms on every device.
 */
export interface LeftPush {
  type: 'left';
  room: string;
  user: string;
  /** The connection that left (server-side id): it hears nothing, so a quick re-join there stands. */
  conn: string;
}
/** A notice for `user` from the server API (`by` is the bot or key that sent it): to every connection of that user. */
export interface NoticePush {
  type: 'notice';
  user: string;
  text: string;
  by: UserRef;
}
/**
 * The room directory changed: a public room was made, archived (or made writable again) or
 * deleted. Sent to every connection of every user for a public room; for a private room, only to
 * the connections in it. After `deleted`, those connections are no longer in the room.
 */
export interface DirectoryPush {
  type: 'directory';
  room: string;
  event: 'created' | 'archived' | 'unarchived' | 'deleted';
  private: boolean;
  by: UserRef;
}
/** Pushes addressed to a user rather than a room. */
export type UserNoticePush = InvitedPush | ReadPush | LeftPush | NoticePush;
export type Push = MessagePush | PresencePush | TypingPush | RoomEventPush | UserNoticePush | DirectoryPush;
export type ServerFrame = OkReply | ErrorReply | Push;
