// Protocol v1: the frames a client sends (commands) and the frames it receives (replies and pushes).
// The schemas are the single source of truth: the server validates every command against them and
// the types below are derived from them, so the SDK, the web app and the server cannot disagree.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const PROTOCOL = 'parley.v1';
export const PROTOCOL_VERSION = 1;

export const ROOM_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
// No C0/C1 control characters and not blank. Written without \p{} classes so that it compiles the
// same with and without the RegExp `u` flag.
export const NICK_PATTERN = '^(?=[\\s\\S]*\\S)[^\\u0000-\\u001f\\u007f-\\u009f]+$';

export const Limits = {
  nickMax: 32,
  textMax: 4000,
  cidMax: 64,
  historyMax: 100,
  historyDefault: 50,
} as const;

const RequestId = Type.Union([Type.Number(), Type.String({ maxLength: 128 })]);
const Room = Type.String({ pattern: ROOM_PATTERN, maxLength: 64 });
const Seq = Type.Integer({ minimum: 0 });

/** The part every command shares; checked before the verb's own schema. */
export const Envelope = Type.Object({
  id: Type.Optional(RequestId),
  type: Type.String({ minLength: 1, maxLength: 32 }),
});

export const HelloParams = Type.Object({
  nick: Type.String({ minLength: 1, maxLength: Limits.nickMax, pattern: NICK_PATTERN }),
  resume: Type.Optional(Type.String({ maxLength: 256 })),
});
export const JoinParams = Type.Object({ room: Room, since: Type.Optional(Seq) });
export const LeaveParams = Type.Object({ room: Room });
export const RoomsParams = Type.Object({});
export const SendParams = Type.Object({
  room: Room,
  text: Type.String({ minLength: 1, maxLength: Limits.textMax }),
  cid: Type.String({ minLength: 1, maxLength: Limits.cidMax }),
});
export const HistoryParams = Type.Object({
  room: Room,
  before: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.historyMax })),
});
export const TypingParams = Type.Object({ room: Room });

/** Every verb a client may send, with the schema of its parameters. */
export const CommandSchemas = {
  hello: HelloParams,
  join: JoinParams,
  leave: LeaveParams,
  rooms: RoomsParams,
  send: SendParams,
  history: HistoryParams,
  typing: TypingParams,
} as const satisfies Record<string, TSchema>;

export type Verb = keyof typeof CommandSchemas;
export type RequestId = Static<typeof RequestId>;
export type CommandParams = { [V in Verb]: Static<(typeof CommandSchemas)[V]> };
/** A validated command: its verb, its parameters and the request id when the client gave one. */
export type Command = { [V in Verb]: { type: V; id?: RequestId; params: CommandParams[V] } }[Verb];

export interface UserRef {
  id: string;
  name: string;
}

export interface ChatMessage {
  room: string;
  seq: number;
  msgId: string;
  cid: string;
  from: UserRef;
  text: string;
  ts: number;
}

/** What an `ok` reply carries for each verb (besides `id` and `type`). */
export interface Results {
  hello: { conn: string; user: UserRef; protocol: number; resume: string };
  join: { room: string; seq: number; members: UserRef[]; recovered: boolean };
  leave: { room: string };
  rooms: { rooms: { room: string; seq: number; online: number }[] };
  send: { room: string; seq: number; msgId: string; ts: number; duplicate?: boolean };
  history: { room: string; messages: ChatMessage[] };
  typing: { room: string };
}

export type OkReply<V extends Verb = Verb> = { id: RequestId; type: 'ok' } & Results[V];
export interface ErrorReply {
  id?: RequestId;
  type: 'error';
  code: string;
  message: string;
  field?: string;
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
}
export type Push = MessagePush | PresencePush | TypingPush;
export type ServerFrame = OkReply | ErrorReply | Push;
