// One connection to a room's document, as the document service sees it: who it is, what it may do,
// its rate buckets, the awareness client ids it speaks for, and the socket (DocSocket) it writes
// to. The transport implements DocSocket; nothing here knows a WebSocket.
import type { UserRef } from '../../protocol/messages.js';
import type { DocumentAccess } from '../chat/service.js';
import { TokenBucket } from '../limits/token-bucket.js';
import type { DocLimits } from './doc-limits.js';

/** All the document service asks of a connection's transport. */
export interface DocSocket {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  /** Bytes written and not yet taken by the peer. */
  readonly bufferedAmount: number;
}

export class DocEditor {
  readonly user: UserRef;
  readonly room: string;
  readonly socket: DocSocket;
  access: DocumentAccess;
  /** When `access` was read (performance.now()). */
  checkedAt: number;
  readonly updates: TokenBucket;
  readonly awareness: TokenBucket;
  /** Awareness client ids this connection has announced: removed for it when it leaves. */
  readonly clientIds = new Set<number>();
  refusals = 0;
  /** Messages received and not yet handled (they are handled one at a time, in order). */
  queued = 0;
  /** The tail of this connection's message chain. */
  chain: Promise<void> = Promise.resolve();
  closed = false;

  constructor(user: UserRef, room: string, access: DocumentAccess, socket: DocSocket, limits: DocLimits, now: number) {
    this.user = user;
    this.room = room;
    this.access = access;
    this.socket = socket;
    this.checkedAt = now;
    this.updates = new TokenBucket({ perSecond: limits.updatesPerSecond, burst: limits.updateBurst }, now);
    this.awareness = new TokenBucket({ perSecond: limits.awarenessPerSecond, burst: limits.awarenessPerSecond * 2 }, now);
  }

  send(data: Uint8Array): void {
    if (!this.closed) this.socket.send(data);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
  }
}
