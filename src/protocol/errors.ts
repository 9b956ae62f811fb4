// Error codes a client can receive in `{"type":"error","code":...}`, and the close codes the server
// uses. Both are part of the public contract: add, never rename.

export const ErrorCode = {
  /** The frame is not JSON, not an object, or binary. */
  BadFrame: 'bad_frame',
  /** The frame is an object but breaks the verb's schema; `field` names the offending field. */
  BadRequest: 'bad_request',
  UnknownType: 'unknown_type',
  HelloRequired: 'hello_required',
  AlreadyHello: 'already_hello',
  /** The verb needs the connection to have joined the room first, or the room is private and the user is not a member. */
  NotMember: 'not_member',
  /** The user's role in the room is too low for the verb, or the target outranks it. */
  Forbidden: 'forbidden',
  /** The user is banned from the room. */
  Banned: 'banned',
  /** The user is muted in the room: it may read but not send, edit or react. */
  Muted: 'muted',
  /** The room, message or user does not exist (or is a tombstone). */
  NotFound: 'not_found',
  /** The room is archived: it may be read, not written to (send, edit, react, typing, topic). */
  Archived: 'archived',
  /** `create` named a room that exists already. */
  RoomExists: 'room_exists',
  /** The store could not take the write; nothing was acknowledged or delivered. */
  StoreFailed: 'store_failed',
  /** A bad, expired or revoked token (or a guest hello where guests are off); the connection is closed with 4401. */
  Unauthorized: 'unauthorized',
  /** The guest nickname is a registered account's name. */
  NameTaken: 'name_taken',
  /** HTTP API only (status 429): too many failed logins from this IP or for this account; see Retry-After. */
  Throttled: 'throttled',
  /**
   * The server will not take this now: over WebSocket, too many requests queued on the connection,
   * or a search while this connection's last one (or the most the server runs) is still running; over HTTP (status 503), too many password checks waiting already (PARLEY_PASSWORD_QUEUE, see
   * Retry-After). Not acted on; try again once replies have arrived.
   */
  Busy: 'busy',
  /** Too many requests: `retryAfterMs` says when the next one will be accepted. Repeated, it closes with 1008. */
  RateLimited: 'rate_limited',
  /** A join beyond the rooms one connection may be in at once; leave one first. */
  TooManyRooms: 'too_many_rooms',
  /** A reaction with a new emoji on a message that has the most different emoji allowed (20 by default). */
  TooManyReactions: 'too_many_reactions',
  /** Too many rooms created (by `create`, `dm`, or a `join` of a new name) by this user or address: see `retryAfterMs`. */
  RoomQuota: 'room_quota',
  /** The address or user stored its hourly quota of message text: `retryAfterMs` says when there is room again. Not stored. */
  QuotaExceeded: 'quota_exceeded',
  /** HTTP only (status 413): an upload larger than the server's file size limit (25 MB by default); nothing was stored. */
  TooLarge: 'too_large',
  /** HTTP only (status 409): a "send again" of a webhook subscription that is disabled; enable it first. */
  WebhookDisabled: 'webhook_disabled',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A refusal the client caused; becomes one error reply and leaves the connection open. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  /** With `rate_limited`, `room_quota` and `quota_exceeded`: milliseconds until a request of that kind will be accepted again. */
  retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.field = field;
    this.retryAfterMs = undefined;
  }
}

export const CloseCode = {
  Normal: 1000,
  /** Server shutting down or restarting: reconnect (to another node) after a short delay. */
  GoingAway: 1001,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  InternalError: 1011,
  /** The connection did not read fast enough and its send buffer passed the limit: reconnect and recover with `since`. */
  SlowConsumer: 4008,
  /** No pong within a heartbeat interval. */
  HeartbeatTimeout: 4009,
  /** The server API disconnected this user (docs/api.md); reconnecting is allowed. */
  Disconnected: 4001,
  /** The hello's token was refused (bad, expired, revoked) or guests are not allowed: get a new token, do not retry as is. */
  Unauthorized: 4401,
  /** A protocol connection did not send `hello` in time after opening (10 s by default). */
  HelloTimeout: 4408,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
