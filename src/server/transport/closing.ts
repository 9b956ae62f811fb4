// What every gateway does to many of its connections at once: a logout's revocation, the server
// API's disconnect of a user, and the goodbye at shutdown. One place, so that the WebSocket and
// the HTTP fallback close for the same reasons with the same codes.
import { CloseCode } from '../../protocol/errors.js';
import type { Session } from '../session/session.js';

export interface HeldConnection {
  readonly session: Session;
}

/** Closes the connections that said hello with the session `sessionHash` (a logout), with 4401. */
export function revokeSession(connections: Iterable<HeldConnection>, sessionHash: string): void {
  for (const { session } of connections) {
    if (session.sessionHash === sessionHash) session.close(CloseCode.Unauthorized, 'signed out');
  }
}

/** Closes the user's connections (the server API's disconnect), with 4001. */
export function disconnectUser(connections: Iterable<HeldConnection>, userId: string): void {
  for (const { session } of connections) {
    if (session.identified && session.userId === userId) session.close(CloseCode.Disconnected, 'disconnected by the server');
  }
}

/**
 * Closes every connection with 1001 and resolves once all are gone, as `gone` tells for each, or
 * after `timeoutMs`; the caller terminates what is left.
 */
export async function closeForShutdown<C extends HeldConnection>(open: readonly C[], gone: (connection: C) => Promise<void>, timeoutMs: number): Promise<void> {
  const closed = open.map(gone);
  for (const { session } of open) session.close(CloseCode.GoingAway, 'server shutting down; reconnect');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
