// The server API (/api/v1, docs/api.md): request and reply schemas, built from the same TypeBox
// schemas as the WebSocket commands (messages.ts), so a message's text, cid, room name or user id is
// bound by one rule on both. The server validates with them and the OpenAPI document at
// /api/v1/openapi.json is generated from them.
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCode } from './errors.js';
import { CreateParams, HistoryParams, Limits, MembersParams, MessageText, MuteParams, RoomUserParams, SendParams } from './messages.js';

const Room = SendParams.properties.room;
const UserId = RoomUserParams.properties.user;
/** A bot's user id: `bot:<name>`, as `parley keys create --bot NAME` made it. */
const BotId = Type.String({ pattern: '^bot:[a-z0-9][a-z0-9_-]{0,31}$', maxLength: 36 });
const UserRefSchema = Type.Object({ id: Type.String(), name: Type.String() });

export const RoomPath = Type.Object({ room: Room });
export const UserPath = Type.Object({ user: UserId });
export const RoomUserPath = Type.Object({ room: Room, user: UserId });

export const PublishBody = Type.Object(
  {
    text: MessageText,
    /** Same cid again (from the same sender in the same room): the first message, 200 instead of 201. */
    cid: Type.Optional(SendParams.properties.cid),
    replyTo: SendParams.properties.replyTo,
    /** Files this key (as the same speaker) uploaded with POST /api/v1/files. */
    files: SendParams.properties.files,
    as: Type.Optional(BotId),
  },
  { additionalProperties: false },
);
export type PublishBody = Static<typeof PublishBody>;

export const PublishReply = Type.Object({
  room: Room,
  seq: Type.Integer({ minimum: 1 }),
  msgId: Type.String(),
  ts: Type.Integer(),
});

/** Most rooms one broadcast names. */
export const BROADCAST_MAX_ROOMS = 100;

export const BroadcastBody = Type.Object(
  {
    rooms: Type.Array(Room, { minItems: 1, maxItems: BROADCAST_MAX_ROOMS, uniqueItems: true }),
    text: MessageText,
    cid: Type.Optional(SendParams.properties.cid),
    as: Type.Optional(BotId),
  },
  { additionalProperties: false },
);
export type BroadcastBody = Static<typeof BroadcastBody>;

const ErrorCodeSchema = Type.Union(Object.values(ErrorCode).map((code) => Type.Literal(code)));

/** Each room's outcome, in the order asked: its message, or why not (the other rooms still got theirs). */
export const BroadcastReply = Type.Object({
  results: Type.Array(
    Type.Union([
      Type.Object({ room: Room, seq: Type.Integer(), msgId: Type.String(), duplicate: Type.Boolean() }),
      Type.Object({ room: Room, error: ErrorCodeSchema, message: Type.String() }),
    ]),
  ),
});

export const NoticeBody = Type.Object({ text: MessageText, as: Type.Optional(BotId) }, { additionalProperties: false });
export type NoticeBody = Static<typeof NoticeBody>;

export const HistoryQuery = Type.Object({
  before: HistoryParams.properties.before,
  limit: HistoryParams.properties.limit,
});
export type HistoryQuery = Static<typeof HistoryQuery>;

export const MembersQuery = Type.Object({ limit: MembersParams.properties.limit });
export type MembersQuery = Static<typeof MembersQuery>;

export const RoomInfoReply = Type.Object({
  room: Room,
  seq: Type.Integer(),
  private: Type.Boolean(),
  dm: Type.Boolean(),
  topic: Type.Optional(Type.String()),
  online: Type.Integer(),
});

export const MembersReply = Type.Object({ room: Room, members: Type.Array(UserRefSchema), online: Type.Integer() });

export const CreateRoomBody = Type.Object(
  {
    room: CreateParams.properties.room,
    private: CreateParams.properties.private,
    topic: CreateParams.properties.topic,
    /** The user who owns the room (any existing user: an account, a bot, …). */
    owner: UserId,
  },
  { additionalProperties: false },
);
export type CreateRoomBody = Static<typeof CreateRoomBody>;

export const UserBody = Type.Object({ user: UserId }, { additionalProperties: false });
export type UserBody = Static<typeof UserBody>;

export const MuteBody = Type.Object({ user: UserId, seconds: MuteParams.properties.seconds }, { additionalProperties: false });
export type MuteBody = Static<typeof MuteBody>;

export const ErrorBody = Type.Object({ error: ErrorCodeSchema, message: Type.String() });

/** A Slack-style incoming webhook body: `text`, and optionally the name shown for the post. */
export const HookBody = Type.Object({
  text: MessageText,
  username: Type.Optional(Type.String({ minLength: 1, maxLength: Limits.nickMax * 4 })),
});
export type HookBody = Static<typeof HookBody>;

/** POST /tickets: a ticket for the Yjs endpoint, for the key's own user (its bot, or the key as an operator) or, with an admin key, for `user`. */
export const TicketBody = Type.Object({ room: Room, user: Type.Optional(UserId) }, { additionalProperties: false });
export type TicketBody = Static<typeof TicketBody>;
export const TicketReply = Type.Object({ room: Room, ticket: Type.String(), expiresAt: Type.Integer(), user: UserRefSchema });
