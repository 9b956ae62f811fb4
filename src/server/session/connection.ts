// Connection: everything a session knows of its transport. The transport (WebSocket today, another
// one later) implements it and owns framing, buffering, writes and liveness; the session only says
// what to send and when to stop. The transport tells the session of the peer's end by calling
// Session.peerGone, once, whatever ended it.
import type { CloseCode } from '../../protocol/errors.js';
import type { OutgoingPush, WireForm } from '../hub/outgoing.js';

export interface Connection {
  /** Queues `text` (a reply, a replayed message, a plain line) for the peer, framed by the transport. */
  write(text: string): void;
  /**
   * Queues a push in `form`. On the fan-out path: the transport frames a push once for all its
   * recipients (OutgoingPush.framed) and allocates nothing per recipient.
   */
  writePush(outgoing: OutgoingPush, form: WireForm): void;
  /** Bytes waiting for the peer: queued and not yet taken by the kernel, framing included. */
  readonly buffered: number;
  /** What `text` adds to `buffered` once written, framing included. */
  framedBytes(text: string): number;
  /** Stops reading from the peer (TCP pushes back) until `resumeReading`. */
  pauseReading(): void;
  resumeReading(): void;
  /**
   * Sends what is queued, then closes with `code` and `reason`; writes after this are dropped. A
   * peer that does not finish the close within `graceMs` is cut off.
   */
  close(code: CloseCode, reason: string, graceMs: number): void;
  /** Cuts the connection off at once, without a close handshake. */
  terminate(): void;
}
