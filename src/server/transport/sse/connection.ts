// SseConnection: a session's Connection over the HTTP fallback. Server to client is one streaming
// text/event-stream response (its outbox writes there, in the same write rounds as WebSocket);
// client to server are POSTs of protocol frames, which the gateway hands to `receive`. A close is an
// `event: close` with the code and reason, then the end of the response.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CloseCode } from '../../../protocol/errors.js';
import type { ChatService } from '../../chat/service.js';
import { Framing, type OutgoingPush, type WireForm } from '../../hub/outgoing.js';
import type { Connection } from '../../session/connection.js';
import type { Session } from '../../session/session.js';
import { dispatchText } from '../../session/dispatch.js';
import type { Outbox } from '../ws/outbox.js';
import { SSE_PING, sseEvent, sseEventLength } from './frame.js';

/** Every push is framed as an SSE event once, and the same Buffer goes to each fallback recipient. */
const SSE_FRAMING = new Framing((text) => sseEvent(text));

/** What a connection needs of the gateway that accepted it. */
export interface SseHost {
  readonly chat: ChatService;
  readonly log: Logger;
  /** The stream is gone, whatever ended it: its per-address count, metrics and map entry. */
  released(connection: SseConnection): void;
}

export class SseConnection implements Connection {
  readonly stream: string;
  readonly response: ServerResponse;
  readonly host: SseHost;
  // Set by the gateway right after construction (the session needs the connection first).
  session!: Session;
  outbox!: Outbox;
  /** Which tick of the heartbeat interval pings this stream (see SseHeartbeat). */
  heartbeatSlice = 0;
  /** POSTs waiting while reading is paused (the session has the most requests in flight). */
  #paused: (() => void)[] | null = null;
  #closing = false;
  /** The code it was closed with; 1006 (abnormal) when the peer or the network ended it. */
  closeCode: number = 1006;

  constructor(stream: string, response: ServerResponse, host: SseHost) {
    this.stream = stream;
    this.response = response;
    this.host = host;
    response.once('close', () => this.#gone());
  }

  write(text: string): void {
    this.outbox.enqueue(sseEvent(text));
  }

  writePush(outgoing: OutgoingPush, form: WireForm): void {
    const frame = outgoing.framed(SSE_FRAMING, form);
    if (frame !== null) this.outbox.enqueue(frame);
  }

  get buffered(): number {
    return this.outbox.pending();
  }

  framedBytes(text: string): number {
    return sseEventLength(text);
  }

  /** Later POSTs wait (their requests stay open, so the client holds back) until resumeReading. */
  pauseReading(): void {
    this.#paused ??= [];
  }

  resumeReading(): void {
    const waiting = this.#paused;
    this.#paused = null;
    for (const resume of waiting ?? []) resume();
  }

  /** Resolves when reading is not paused (at once, usually); false when the stream ended meanwhile. */
  readable(): Promise<boolean> | boolean {
    if (this.#paused === null) return !this.session.closed;
    const paused = this.#paused;
    return new Promise((resolve) => paused.push(() => resolve(!this.session.closed)));
  }

  /** Frames of one POST (or one forwarded from another process), in order. */
  receive(frames: readonly string[]): void {
    const { session, host } = this;
    for (const text of frames) {
      try {
        dispatchText(session, text, host.chat, host.log);
      } catch (error) {
        host.log.error({ err: error, conn: session.connId }, 'handling a frame failed; closing (1011)');
        session.close(CloseCode.InternalError, 'internal error');
        return;
      }
    }
  }

  ping(): void {
    this.outbox.enqueue(SSE_PING);
  }

  close(code: CloseCode, reason: string, graceMs: number): void {
    if (this.#closing) return;
    this.#closing = true;
    this.closeCode = code;
    this.outbox.flush();
    this.outbox.close();
    this.resumeReading();
    if (this.response.destroyed) return;
    // Written past the outbox (closed now): the close must reach a reader that is still reading.
    this.response.end(sseEvent(JSON.stringify({ code, reason }), 'close'));
    setTimeout(() => this.terminate(), graceMs).unref();
  }

  terminate(): void {
    this.outbox.close();
    this.response.destroy();
  }

  #gone(): void {
    this.outbox.close();
    this.resumeReading();
    this.host.released(this);
    this.host.log.debug({ conn: this.session.connId, stream: this.stream }, 'fallback stream ended');
    this.session.peerGone(this.host.chat);
  }
}
