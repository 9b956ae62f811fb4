// Every failed request rejects with a RequestError. Its `code` is either the server's (an
// `ErrorCode` of src/protocol/errors.ts, sent in an error reply) or one the SDK raises itself
// (`ClientErrorCode` below); `fromServer` tells which. Both lists are unions the compiler knows,
// so an app's `error.code === '...'` is checked against them.
import type { ErrorCode } from '../protocol/errors.js';
import type { ErrorReply } from '../protocol/messages.js';

/**
 * The codes only the SDK raises: no server reply carries them (test/unit/error-codes.test.ts checks
 * that none is also a server code). A value object, so tests and apps can list them.
 */
export const ClientErrorCode = {
  /** No answer within `requestTimeoutMs`; on an open socket the SDK also drops and reconnects it. */
  Timeout: 'timeout',
  /** The socket the request was written on dropped before the answer came; a `send` stays in the outbox instead. */
  Disconnected: 'disconnected',
  /** `close()` was called (or the client closed on an earlier refusal): nothing more is sent. */
  Closed: 'closed',
  /** `leave(room)` was called: the room's pending join and unsent messages reject with this. */
  Left: 'left',
  /** The server took this user out of the room (a `kicked` push with reason `kick`). */
  Kicked: 'kicked',
  /** The socket implementation refused the URL; retrying cannot help, so the client closes. */
  BadUrl: 'bad_url',
  /** The accounts API (`login`, `register`, `logout`) got no answer, or one that is not Parley's. */
  Unreachable: 'unreachable',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/**
 * The server's codes the SDK raises in the server's stead, without a round trip, so an app handles
 * one code for one situation: `not_member` for a `send` to a room not joined (the server would
 * answer the same), `banned` when a `kicked` push says the user was banned from the room.
 * These have `fromServer: false`.
 */
export const MirroredErrorCodes = ['not_member', 'banned'] as const satisfies readonly ErrorCode[];
export type MirroredErrorCode = (typeof MirroredErrorCodes)[number];

/** Every code the SDK raises itself. */
export type RaisedErrorCode = ClientErrorCode | MirroredErrorCode;

/** Only `RequestError.fromReply` has it: no other code can make an error that says it is the server's. */
const SERVER_REPLY: unique symbol = Symbol('server reply');

export class RequestError extends Error {
  readonly code: ErrorCode | ClientErrorCode;
  readonly field: string | undefined;
  /**
   * True when `code` came in the server's error reply to a request (then it is an `ErrorCode`);
   * false when the SDK raised it (a timeout, a lost or closed connection, a left room, a send
   * before join, a removal from the room).
   */
  readonly fromServer: boolean;

  /** An error the SDK raises itself. */
  constructor(code: RaisedErrorCode, message: string, field?: string);
  /** @internal use `RequestError.fromReply`. */
  constructor(code: ErrorCode, message: string, field: string | undefined, origin: typeof SERVER_REPLY);
  constructor(code: ErrorCode | ClientErrorCode, message: string, field?: string, origin?: typeof SERVER_REPLY) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.field = field;
    this.fromServer = origin === SERVER_REPLY;
  }

  /** The server's refusal of a request, from its error reply. */
  static fromReply(reply: Pick<ErrorReply, 'code' | 'message' | 'field'>): RequestError {
    return new RequestError(reply.code, reply.message, reply.field, SERVER_REPLY);
  }

  /**
   * True when the server refused the request itself (its error reply), not a lost or timed-out
   * connection nor anything the SDK decided on its own. The same as `fromServer`.
   */
  get refused(): boolean {
    return this.fromServer;
  }
}
