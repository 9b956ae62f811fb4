// The admin console's part of the server API (/api/v1/admin, docs/api.md): request and reply
// schemas, shared by the server (validation, the OpenAPI document) and the web app's console page.
import { Type, type Static } from '@sinclair/typebox';
import { RoomUserParams, SendParams } from './messages.js';
import { WebhookInfo } from './webhooks.js';

const Room = SendParams.properties.room;
const UserId = RoomUserParams.properties.user;
const UserRef = Type.Object({ id: Type.String(), name: Type.String() });
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 200 }));
const Search = Type.Optional(Type.String({ minLength: 1, maxLength: 64 }));

export const ListQuery = Type.Object({ search: Search, limit: Limit }, { additionalProperties: false });
export type ListQuery = Static<typeof ListQuery>;
export const UserListQuery = Type.Object(
  {
    search: Search,
    limit: Limit,
    kind: Type.Optional(Type.Union([Type.Literal('guest'), Type.Literal('account'), Type.Literal('external'), Type.Literal('bot')])),
  },
  { additionalProperties: false },
);
export type UserListQuery = Static<typeof UserListQuery>;
export const AuditQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Limit,
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
  },
  { additionalProperties: false },
);
export type AuditQuery = Static<typeof AuditQuery>;

export const RoomListing = Type.Object({
  room: Type.String(),
  private: Type.Boolean(),
  archived: Type.Boolean(),
  seq: Type.Integer(),
  joined: Type.Integer(),
  owner: Type.Optional(Type.String()),
  createdAt: Type.Integer(),
  activeAt: Type.Integer(),
});
export type RoomListing = Static<typeof RoomListing>;

export const UserListing = Type.Object({
  user: UserRef,
  kind: Type.String(),
  createdAt: Type.Integer(),
  seenAt: Type.Integer(),
  disabledAt: Type.Optional(Type.Integer()),
});
export type UserListing = Static<typeof UserListing>;

export const Restriction = Type.Object({ room: Type.String(), kind: Type.Union([Type.Literal('ban'), Type.Literal('mute')]), at: Type.Integer() });
export const UserDetail = Type.Intersect([UserListing, Type.Object({ admin: Type.Boolean(), restrictions: Type.Array(Restriction) })]);
export type UserDetail = Static<typeof UserDetail>;

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Type.Integer(),
  actor: UserRef,
  action: Type.String(),
  room: Type.Optional(Type.String()),
  target: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AdminEntry = Type.Object({ user: UserRef, grantedAt: Type.Integer(), grantedBy: Type.String() });
export type AdminEntry = Static<typeof AdminEntry>;

export const DisabledBody = Type.Object({ disabled: Type.Boolean() }, { additionalProperties: false });
export const ArchivedBody = Type.Object({ archived: Type.Boolean() }, { additionalProperties: false });
export const OwnerBody = Type.Object({ user: UserId }, { additionalProperties: false });
export const PasswordBody = Type.Object({ password: Type.String({ minLength: 8, maxLength: 256 }) }, { additionalProperties: false });
export const LiftPath = Type.Object({ user: UserId, room: Room, kind: Type.Union([Type.Literal('ban'), Type.Literal('mute')]) });

/** One sample of one process's live figures (console/live-sampler.ts): rates over the interval before `at`. */
export const LiveSample = Type.Object({
  at: Type.Integer(),
  connections: Type.Number(),
  users: Type.Number(),
  messagesPerSec: Type.Number(),
  deliveriesPerSec: Type.Number(),
  /** Mean fan-out time of one publication, ms. */
  fanOutMs: Type.Number(),
  slowConsumersCut: Type.Number(),
  rateLimited: Type.Number(),
  /** Mean store call latency, ms. */
  storeMs: Type.Number(),
  /** Mean broker round trip, ms (0 without a message). */
  brokerLagMs: Type.Number(),
  /** Event-loop delay (p99 over the interval), ms. */
  loopDelayMs: Type.Number(),
});
export type LiveSample = Static<typeof LiveSample>;
export const ProcessLive = Type.Object({ process: Type.String(), startedAt: Type.Integer(), samples: Type.Array(LiveSample) });
export type ProcessLive = Static<typeof ProcessLive>;
export const LiveReply = Type.Object({ intervalMs: Type.Integer(), processes: Type.Array(ProcessLive) });
export type LiveReply = Static<typeof LiveReply>;

const Scope = Type.Union([Type.Literal('publish'), Type.Literal('read'), Type.Literal('admin')]);
const BotName = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' });
export const KeyRecord = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Scope),
  bot: Type.Optional(UserRef),
  createdAt: Type.Integer(),
  revokedAt: Type.Optional(Type.Integer()),
});
export type KeyRecord = Static<typeof KeyRecord>;
export const KeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    scopes: Type.Array(Scope, { minItems: 1, maxItems: 3, uniqueItems: true }),
    bot: Type.Optional(BotName),
  },
  { additionalProperties: false },
);
export type KeyBody = Static<typeof KeyBody>;
/** `key` is shown in this answer only: the server keeps its hash. */
export const NewKeyReply = Type.Object({ key: Type.String(), record: KeyRecord });
export const HookRecord = Type.Object({ id: Type.String(), room: Type.String(), bot: UserRef, createdAt: Type.Integer() });
export type HookRecord = Static<typeof HookRecord>;
export const HookCreateBody = Type.Object({ room: Room, bot: Type.Optional(BotName) }, { additionalProperties: false });
/** `path` (/hooks/<secret>) is shown in this answer only. */
export const NewHookReply = Type.Object({ path: Type.String(), record: HookRecord });
export const IdPath = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

/** A subscription as the console sees it: any key's, with its owner and the events waiting for it. */
export const ConsoleWebhook = Type.Intersect([WebhookInfo, Type.Object({ owner: Type.String(), queued: Type.Integer() })]);
export type ConsoleWebhook = Static<typeof ConsoleWebhook>;
