// The Parley SDK, for browsers and any runtime with a standard global WebSocket. Node 20 has none:
// import from './node.js' there (it passes the `ws` package).
import { ParleyClient, type ClientOptions, type ReadyEvent } from './client.js';
import { globalSocketFactory } from './socket.js';

export * from './client.js';
export { isBot } from '../protocol/messages.js';
export { RequestError, ClientErrorCode, MirroredErrorCodes, type MirroredErrorCode, type RaisedErrorCode } from './errors.js';
// The server's error codes (a type only: the list lives in src/protocol/errors.ts, shared with the server).
export type { ErrorCode } from '../protocol/errors.js';
export type { HttpErrorBody } from '../protocol/http.js';
export type { PendingMessage, SendResult } from './outbox.js';
export { login, register, logout, apiUrl, type Session, type Credentials, type AccountOptions } from './accounts.js';
export { upload, fileLinks, type FileLink } from './files.js';
export type { SocketFactory, SocketLike, SocketEvents } from './socket.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export type {
  ChatMessage,
  FollowedThread,
  ThreadSummary,
  FileDescriptor,
  UserRef,
  PresencePush,
  TypingPush,
  RoomAccess,
  RoomEventPush,
  InvitedPush,
  ReadPush,
  DirectoryPush,
  RoomsEntry,
  Role,
  ReactionCount,
} from '../protocol/messages.js';

/** A client that has not connected yet: subscribe to its events, then call `open()`. */
export function createClient(url: string, options: ClientOptions): ParleyClient {
  const socket = options.socket ?? globalSocketFactory();
  if (socket === undefined) throw new TypeError('no global WebSocket here: pass options.socket (in Node, use the node entry)');
  return new ParleyClient(url, { ...options, socket });
}

/** Connects and says hello; resolves once the server accepted it (reconnects are automatic after). */
export async function connect(url: string, options: ClientOptions): Promise<ParleyClient> {
  const client = createClient(url, options);
  await client.open();
  return client;
}

export type { ReadyEvent };
