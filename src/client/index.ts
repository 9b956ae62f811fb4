// The Parley SDK, for browsers and any runtime with a standard global WebSocket. Node 20 has none:
// import from './node.js' there (it passes the `ws` package).
import { ParleyClient, type ClientOptions, type ReadyEvent } from './client.js';
import { globalSocketFactory, type SocketFactory } from './socket.js';
import { httpSocketFactory } from './http-socket.js';
import { autoSocketFactory } from './auto-socket.js';

export * from './client.js';
export { isBot } from '../protocol/messages.js';
export { RequestError, ClientErrorCode, MirroredErrorCodes, type MirroredErrorCode, type RaisedErrorCode } from './errors.js';
// The server's error codes (a type only: the list lives in src/protocol/errors.ts, shared with the server).
export type { ErrorCode } from '../protocol/errors.js';
export type { HttpErrorBody } from '../protocol/http.js';
export type { PendingMessage, SendResult } from './outbox.js';
export { login, register, logout, apiUrl, type Session, type Credentials, type AccountOptions } from './accounts.js';
export type { SocketFactory, SocketLike, SocketEvents, Transport } from './socket.js';
export { httpSocketFactory } from './http-socket.js';
export { autoSocketFactory, type AutoOptions } from './auto-socket.js';
export { upload, fileLinks, type FileLink } from './files.js';
export { documentUrl, type DocumentTicket, type TicketedProvider } from './documents.js';
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
  DocVersion,
} from '../protocol/messages.js';

/** A client that has not connected yet: subscribe to its events, then call `open()`. */
export function createClient(url: string, options: ClientOptions): ParleyClient {
  return new ParleyClient(url, { ...options, socket: chooseSocket(options, globalSocketFactory()) });
}

/**
 * The factory for ClientOptions.transport. A custom `socket` with no `transport` is used as it is
 * (tests and embedders that bring their own sockets keep them); otherwise `auto` by default.
 */
export function chooseSocket(options: ClientOptions, defaultWebSocket: SocketFactory | undefined): SocketFactory {
  if (options.socket !== undefined && options.transport === undefined) return options.socket;
  const choice = options.transport ?? 'auto';
  if (choice === 'http') return httpSocketFactory();
  const webSocket = options.socket ?? defaultWebSocket;
  if (webSocket === undefined) {
    if (choice === 'auto') return httpSocketFactory();
    throw new TypeError('no global WebSocket here: pass options.socket (in Node, use the node entry)');
  }
  return choice === 'websocket' ? webSocket : autoSocketFactory(webSocket, httpSocketFactory(), options.fallback);
}

/** Connects and says hello; resolves once the server accepted it (reconnects are automatic after). */
export async function connect(url: string, options: ClientOptions): Promise<ParleyClient> {
  const client = createClient(url, options);
  await client.open();
  return client;
}

export type { ReadyEvent };
