// The HTTP fallback transport, for networks that break the WebSocket upgrade: a session's
// server-to-client side is one text/event-stream response (sse/connection.ts), its client-to-server
// side POSTs of protocol v1 frames addressed by the stream's id and secret. No sticky sessions: a
// POST that lands on another process is forwarded through the broker to the process holding the
// stream (the id names it), and the secret is an HMAC of the id under the cluster's shared key, so
// any process can check it without asking the holder. Bounds as over WebSocket: per-address
// streams, hello deadline, outbox bytes and slow-consumer cutoff, heartbeats.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { CloseCode, ErrorCode } from '../../protocol/errors.js';
import type { ChatService } from '../chat/service.js';
import { Session } from '../session/session.js';
import type { SessionPolicy } from '../session/policy.js';
import { randomId } from '../random-id.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { ClientAddresses } from '../client-address.js';
import { AddressCount } from './address-count.js';
import { HelloDeadline } from './hello-deadline.js';
import { Outbox } from './ws/outbox.js';
import { WriteRounds } from './ws/write-rounds.js';
import { SseConnection, type SseHost } from './sse/connection.js';
import { SseHeartbeat } from './sse/heartbeat.js';
import { sseEvent } from './sse/frame.js';

/**
 * Direct messages between processes (the broker's listenAsNode and sendToNode, given by the
 * composition root): how a POST reaches the process that holds its stream.
 */
export interface NodeRelay {
  listenAsNode(node: string, handler: (payload: string) => void): Promise<void>;
  sendToNode(node: string, payload: string): Promise<boolean>;
}

export interface SseGatewayOptions {
  chat: ChatService;
  log: Logger;
  relay: NodeRelay;
  /** Key of stream secrets: the same on every process of a cluster (derived from PARLEY_SECRET). */
  streamKey: Buffer;
  heartbeatMs: number;
  outboxLimit: number;
  writePacingMs: number;
  origins: OriginPolicy;
  policy: SessionPolicy;
  helloTimeoutMs: number;
  maxConnectionsPerIp: number;
  clientAddresses: ClientAddresses;
  ready?: () => boolean;
}

/** Why a stream or a POST was refused: an HTTP status and the protocol's error code (the body is `{error, message}`). */
export interface FallbackRefusal {
  status: number;
  code: ErrorCode;
  message: string;
}

/** What happened to a POST's frames. */
export type PostOutcome = { accepted: true } | { accepted: false; refusal: FallbackRefusal };

/** A forwarded POST: the stream and its frames. */
interface Forwarded {
  s: string;
  f: string[];
}

const STREAM_ID = /^([A-Za-z0-9_-]{12})\.([A-Za-z0-9_-]{16})$/;

const unknownStream: FallbackRefusal = { status: 404, code: ErrorCode.NotFound, message: 'no such stream (it ended): open a new one' };

export class SseGateway implements SseHost {
  readonly chat: ChatService;
  readonly log: Logger;
  /** This process's name on the broker; the first part of every stream id it holds. */
  readonly node = randomId(9);
  readonly #options: SseGatewayOptions;
  readonly #streams = new Map<string, SseConnection>();
  readonly #connections = new Set<SseConnection>();
  readonly #heartbeat: SseHeartbeat;
  readonly #writeRounds: WriteRounds;
  readonly #hello: HelloDeadline;
  readonly #perIp: AddressCount;
  #accepting = true;

  constructor(options: SseGatewayOptions) {
    this.#options = options;
    this.chat = options.chat;
    this.log = options.log;
    this.#heartbeat = new SseHeartbeat(options.heartbeatMs, this.#connections);
    this.#writeRounds = new WriteRounds(options.writePacingMs);
    this.#hello = new HelloDeadline(options.helloTimeoutMs, options.log);
    this.#perIp = new AddressCount(options.maxConnectionsPerIp);
  }

  /** Starts receiving POSTs forwarded by other processes. */
  listen(): Promise<void> {
    return this.#options.relay.listenAsNode(this.node, (payload) => this.#onForwarded(payload));
  }

  get streams(): number {
    return this.#streams.size;
  }

  /** Whether a stream may be opened for `req` now; null when it may. Called before the response is taken over. */
  refusal(req: IncomingMessage): FallbackRefusal | null {
    if (!this.#accepting) return { status: 503, code: ErrorCode.Busy, message: 'server is shutting down' };
    if (this.#options.ready !== undefined && !this.#options.ready()) {
      return { status: 503, code: ErrorCode.Busy, message: 'this node cannot reach its store or broker; try again or another node' };
    }
    const origin = this.#originRefusal(req);
    if (origin !== null) return origin;
    const ip = this.#options.clientAddresses.of(req);
    if (this.#perIp.full(ip)) {
      this.log.warn({ ip, limit: this.#perIp.limit }, 'too many fallback streams from one address; refused (429)');
      return { status: 429, code: ErrorCode.RateLimited, message: `at most ${this.#perIp.limit} streams per address` };
    }
    return null;
  }

  #originRefusal(req: IncomingMessage): FallbackRefusal | null {
    if (this.#options.origins.allows(req.headers.origin, req.headers.host)) return null;
    const note = this.#options.origins.refusalNote(req.headers.origin, 'websocket');
    if (note !== null) this.log.warn({ origin: req.headers.origin }, note);
    return { status: 403, code: ErrorCode.Forbidden, message: 'this Origin may not connect; see PARLEY_ORIGINS' };
  }

  /** Takes over `res` as a new session's event stream (after `refusal` said null). */
  open(req: IncomingMessage, res: ServerResponse): void {
    const ip = this.#options.clientAddresses.of(req);
    const stream = `${this.node}.${randomId(12)}`;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      // nginx: do not buffer this response whatever proxy_buffering says (deploy/nginx-fallback.conf).
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.socket?.setNoDelay(true);
    const connection = new SseConnection(stream, res, this);
    const session = new Session(connection, 'protocol', this.#options.policy, ip);
    connection.outbox = new Outbox(res, this.#options.outboxLimit, session, this.#writeRounds);
    connection.session = session;
    this.#perIp.take(ip);
    this.#streams.set(stream, connection);
    this.#connections.add(connection);
    this.#heartbeat.place(connection);
    this.#hello.watch(session);
    const metrics = this.#options.policy.metrics;
    metrics.connections.inc();
    metrics.connectionsTotal.inc();
    this.log.debug({ conn: session.connId, stream, ip }, 'fallback stream opened');
    // The first event: where to POST, and the secret that proves a POST comes from this stream's reader.
    const hello = { stream, secret: this.#secretOf(stream), heartbeatMs: this.#options.heartbeatMs };
    res.write(sseEvent(JSON.stringify(hello), 'stream'));
  }

  /**
   * A POST's frames for `stream`: checked here (id and secret), then handed to the stream if this
   * process holds it, or forwarded to the process that does.
   */
  async post(req: IncomingMessage, stream: string, secret: string, frames: string[]): Promise<PostOutcome> {
    const origin = this.#originRefusal(req);
    if (origin !== null) return { accepted: false, refusal: origin };
    const parts = STREAM_ID.exec(stream);
    if (parts === null) return { accepted: false, refusal: unknownStream };
    if (!this.#secretMatches(stream, secret)) {
      return { accepted: false, refusal: { status: 403, code: ErrorCode.Forbidden, message: "wrong secret for this stream; use the one its 'stream' event gave" } };
    }
    if (parts[1] !== this.node) {
      const forwarded: Forwarded = { s: stream, f: frames };
      const delivered = await this.#options.relay.sendToNode(parts[1] as string, JSON.stringify(forwarded));
      return delivered ? { accepted: true } : { accepted: false, refusal: unknownStream };
    }
    const connection = this.#streams.get(stream);
    if (connection === undefined) return { accepted: false, refusal: unknownStream };
    // Backpressure as over WebSocket: while the session has its most requests in flight, this POST
    // waits, and so does the client, which sends one POST at a time.
    if (!(await connection.readable())) return { accepted: false, refusal: unknownStream };
    connection.receive(frames);
    return { accepted: true };
  }

  #onForwarded(payload: string): void {
    let forwarded: Forwarded;
    try {
      forwarded = JSON.parse(payload) as Forwarded;
    } catch (error) {
      this.log.error({ err: error }, 'unreadable forwarded POST');
      return;
    }
    // Gone meanwhile: the client's stream ended too, and it sends again on its next stream.
    this.#streams.get(forwarded.s)?.receive(forwarded.f);
  }

  #secretOf(stream: string): string {
    return createHmac('sha256', this.#options.streamKey).update(stream).digest('base64url');
  }

  #secretMatches(stream: string, secret: string): boolean {
    const expected = Buffer.from(this.#secretOf(stream));
    const given = Buffer.from(secret);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  released(connection: SseConnection): void {
    const { session } = connection;
    this.#streams.delete(connection.stream);
    this.#connections.delete(connection);
    this.#hello.forget(session);
    this.#perIp.release(session.ip);
    const metrics = this.#options.policy.metrics;
    metrics.connections.dec();
    metrics.disconnects.inc({ code: String(connection.closeCode) });
  }

  revoke(sessionHash: string): void {
    for (const { session } of this.#connections) {
      if (session.sessionHash === sessionHash) session.close(CloseCode.Unauthorized, 'signed out');
    }
  }

  disconnectUser(userId: string): void {
    for (const { session } of this.#connections) {
      if (session.identified && session.userId === userId) session.close(CloseCode.Disconnected, 'disconnected by the server');
    }
  }

  /** Stops new streams, closes every stream with 1001 (after the WebSocket gateway drained requests). */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#accepting = false;
    this.#heartbeat.stop();
    this.#hello.stop();
    const open = [...this.#connections];
    const gone = open.map((connection) => new Promise<void>((resolve) => connection.response.once('close', () => resolve())));
    for (const { session } of open) session.close(CloseCode.GoingAway, 'server shutting down; reconnect');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(gone), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    for (const connection of this.#connections) connection.terminate();
  }
}
