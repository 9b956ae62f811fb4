// WsConnection: a session's Connection over WebSocket. It is the `ws` socket itself (a subclass, so a
// connection costs no extra object), with its outbox and heartbeat state. Its events go to shared
// module functions that find their session on the socket, so a connection costs no closures either.
import { WebSocket, type RawData } from 'ws';
import type { Logger } from 'pino';
import { CloseCode } from '../../../protocol/errors.js';
import type { ChatService } from '../../chat/service.js';
import { Framing, type OutgoingPush, type WireForm } from '../../hub/outgoing.js';
import type { Connection } from '../../session/connection.js';
import type { Session } from '../../session/session.js';
import { binaryRefused, dispatchText } from '../../session/dispatch.js';
import { plainText } from '../../session/plain.js';
import { textFrame, textFrameLength } from '../../wire/frame.js';
import type { Outbox } from './outbox.js';

/** Every push is framed for WebSocket once, and the same Buffer goes to each WebSocket recipient. */
const WS_FRAMING = new Framing(textFrame);

/** What a connection needs of the gateway that accepted it. */
export interface WsHost {
  readonly chat: ChatService;
  readonly log: Logger;
  /** The connection is gone, whatever closed it: its per-address count, metrics and sets. */
  released(connection: WsConnection, code: number): void;
}

export class WsConnection extends WebSocket implements Connection {
  // Set by the gateway when it accepts the upgrade (WsGateway.#accept), before any event is handled.
  session!: Session;
  host!: WsHost;
  outbox!: Outbox;
  /** Cleared by each heartbeat ping, set by the pong (or any frame). */
  alive = true;
  /** Which tick of the heartbeat interval pings this connection (see Heartbeat). */
  heartbeatSlice = 0;

  write(text: string): void {
    this.outbox.enqueue(textFrame(text));
  }

  writePush(outgoing: OutgoingPush, form: WireForm): void {
    const frame = outgoing.framed(WS_FRAMING, form);
    if (frame !== null) this.outbox.enqueue(frame);
  }

  get buffered(): number {
    return this.outbox.pending();
  }

  framedBytes(text: string): number {
    return textFrameLength(text);
  }

  pauseReading(): void {
    this.pause();
  }

  resumeReading(): void {
    this.resume();
  }

  /**
   * Two callers: the session (Connection.close, with a grace) sends what is queued in one write,
   * then the close frame, and cuts the peer off after `graceMs`; ws itself (a receive bound, a
   * protocol error) calls it without one and gets only the close frame, as WebSocket.close does.
   */
  override close(code?: number, data?: string | Buffer, graceMs?: number): void {
    if (graceMs === undefined) {
      this.#closeFrame(code, data);
      return;
    }
    this.outbox.flush();
    this.outbox.close();
    this.#closeFrame(code, data);
    setTimeout(() => this.terminate(), graceMs).unref();
  }

  // ws closes on a receive bound (maxPayload, maxFragments, maxBufferedChunks) or a protocol error
  // with a bare code and only then emits the error; every close of Parley's own names its reason.
  // This fills in the reason those closes lack, so the client learns which bound it passed.
  #closeFrame(code: number | undefined, data: string | Buffer | undefined): void {
    super.close(code, data ?? (code === undefined ? undefined : RECEIVE_LIMIT_REASONS[code]));
  }

  // The connection's events go straight to shared module functions rather than through listeners:
  // four listeners would fill this socket's listener table, a slow-mode object of about 250 bytes
  // per connection (measured in a heap snapshot), for four pointers to the same functions. Only
  // 'close' also reaches listeners (shutdown waits for it); events before the session exists, and
  // any other event, go the usual way.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (this.session === undefined) return super.emit(event, ...args);
    switch (event) {
      case 'message':
        onMessage(this, args[0] as RawData, args[1] === true);
        return true;
      case 'pong':
        this.alive = true;
        return true;
      case 'error':
        onError(this, args[0] as Error);
        return true;
      case 'close':
        onClose(this, args[0] as number);
        return super.emit(event, ...args);
      default:
        return super.emit(event, ...args);
    }
  }
}

/** The reasons of ws's own closes (see WsConnection.close), by code. */
const RECEIVE_LIMIT_REASONS: Readonly<Record<number, string>> = {
  [CloseCode.PolicyViolation]: 'message in too many pieces; see PARLEY_MAX_FRAGMENTS and PARLEY_MAX_FRAME_CHUNKS',
  [CloseCode.MessageTooBig]: 'frame too large; see PARLEY_MAX_FRAME',
  1002: 'WebSocket protocol error',
  1007: 'text frame is not valid UTF-8',
};

// Called from inside ws's frame parser: a throw here would escape through the socket's 'data'
// handler and end the process, so any failure ends only this connection.
function onMessage(connection: WsConnection, data: RawData, isBinary: boolean): void {
  try {
    handleMessage(connection, data, isBinary);
  } catch (error) {
    connection.host.log.error({ err: error, conn: connection.session.connId }, 'handling a frame failed; closing (1011)');
    connection.session.close(CloseCode.InternalError, 'internal error');
  }
}

function handleMessage(connection: WsConnection, data: RawData, isBinary: boolean): void {
  const { session, host } = connection;
  connection.alive = true;
  if (isBinary) {
    if (session.mode === 'plain') session.sendText('error: send text frames');
    else binaryRefused(session);
    return;
  }
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
  if (session.mode === 'plain') plainText(session, text, host.chat, host.log);
  else dispatchText(session, text, host.chat, host.log);
}

function onError(connection: WsConnection, error: Error): void {
  const { session, host } = connection;
  const limit = receiveLimitOf(error);
  if (limit !== undefined) session.policy.metrics.receiveLimitCloses.inc({ limit });
  host.log.debug({ err: error, conn: session.connId }, 'connection error');
}

/** Which receive bound ws's error reports (its error codes, lib/receiver.js), if any. */
function receiveLimitOf(error: Error): string | undefined {
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  if (code === 'WS_ERR_TOO_MANY_BUFFERED_PARTS') return error.message.includes('fragments') ? 'fragments' : 'chunks';
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 'payload';
  return 'protocol';
}

function onClose(connection: WsConnection, code: number): void {
  const { session, host } = connection;
  connection.outbox.close();
  host.released(connection, code);
  host.log.debug({ conn: session.connId, code }, 'disconnected');
  session.peerGone(host.chat);
}
