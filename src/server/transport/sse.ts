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
import { ErrorCode } from '../../protocol/errors.js';
import type { ChatService } from '../chat/service.js';
import { Session } from '../session/session.js';
import type { SessionPolicy } from '../session/policy.js';
import { randomId } from '../random-id.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { ClientAddresses } from '../client-address.js';
import type { AddressCount } from './address-count.js';
import { HelloDeadline } from './hello-deadline.js';
import { closeForShutdown, disconnectUser, revokeSession } from './closing.js';
import { Outbox } from './ws/outbox.js';
import { WriteRounds } from './ws/write-rounds.js';
import { SseConnection, type SseHost } from './sse/connection.js';
import { SseHeartbeat, type Beating } from './sse/heartbeat.js';
import { RoomFollower, type FollowerHost } from './sse/room-follower.js';
import type { UserRef } from '../../protocol/messages.js';
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
  /** Open connections per client address, the same count as WebSocket's (one bound for both transports). */
  perAddress: AddressCount;
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

export class SseGateway implements SseHost, FollowerHost {
  readonly chat: ChatService;
  readonly log: Logger;
  /** This process's name on the broker; the first part of every stream id it holds. */
  readonly node = randomId(9);
  readonly #options: SseGatewayOptions;
  readonly #streams = new Map<string, SseConnection>();
  readonly #connections = new Set<SseConnection>();
  /** Room event streams (GET /api/v1/rooms/{room}/events). */
  readonly #followers = new Set<RoomFollower>();
  /** Everything the heartbeat keeps alive: sessions' streams and room event streams. */
  readonly #beating = new Set<Beating>();
  readonly #heartbeat: SseHeartbeat;
  readonly #writeRounds: WriteRounds;
  readonly #hello: HelloDeadline;
  readonly #perIp: AddressCount;
  #accepting = true;

  constructor(options: SseGatewayOptions) {
    this.#options = options;
    this.chat = options.chat;
    this.log = options.log;
    this.#heartbeat = new SseHeartbeat(options.heartbeatMs, this.#beating);
    this.#writeRounds = new WriteRounds(options.writePacingMs);
    this.#hello = new HelloDeadline(options.helloTimeoutMs, options.log);
    this.#perIp = options.perAddress;
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
    startEventStream(res);
    const connection = new SseConnection(stream, res, this);
    const session = new Session(connection, 'protocol', this.#options.policy, ip);
    connection.outbox = new Outbox(res, this.#options.outboxLimit, session, this.#writeRounds);
    connection.session = session;
    this.#perIp.take(ip);
    this.#streams.set(stream, connection);
    this.#connections.add(connection);
    this.#beating.add(connection);
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
      return {
        accepted: false,
        refusal: { status: 403, code: ErrorCode.Forbidden, message: "wrong secret for this stream; use the one its 'stream' event gave" },
      };
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
    this.#beating.delete(connection);
    this.#hello.forget(session);
    this.#perIp.release(session.ip);
    const metrics = this.#options.policy.metrics;
    metrics.connections.dec();
    metrics.disconnects.inc({ code: String(connection.closeCode) });
  }

  /**
   * A room's one-way event stream for `user` on `res`: refused with a ProtocolError (thrown, before
   * anything is written) as history is; otherwise the response is taken over (`takeOver` is called,
   * the route's reply.hijack) and carries the messages after `since` (Last-Event-ID), then the live
   * ones. Bounded like sessions' streams: per address (counted with them), outbox, heartbeat.
   */
  async follow(req: IncomingMessage, res: ServerResponse, user: UserRef, room: string, since: number | undefined, takeOver: () => void): Promise<void> {
    const refusal = this.refusal(req);
    if (refusal !== null) throw new FallbackRefused(refusal);
    const ip = this.#options.clientAddresses.of(req);
    const follower = new RoomFollower({ user, room, ip, since: since ?? 0, response: res, host: this, outboxLimit: this.#options.outboxLimit });
    follower.outbox = new Outbox(res, this.#options.outboxLimit, follower, this.#writeRounds);
    this.#perIp.take(ip);
    let seq: number;
    try {
      seq = await follower.attach();
    } catch (error) {
      this.#perIp.release(ip);
      await this.chat.unfollow(follower, room).catch(() => undefined);
      throw error;
    }
    if (follower.ended) {
      // The reader went away while the follow was checked: its unfollow may have run first.
      this.#perIp.release(ip);
      await this.chat.unfollow(follower, room).catch(() => undefined);
      takeOver();
      return;
    }
    takeOver();
    startEventStream(res);
    // A retry hint for EventSource (ms): soon, but not in a tight loop.
    res.write('retry: 1000\n\n');
    this.#followers.add(follower);
    this.#beating.add(follower);
    this.#heartbeat.place(follower);
    this.#options.policy.metrics.connections.inc();
    follower.run(seq, since === undefined).catch((error: unknown) => {
      this.log.warn({ err: error, room }, 'event stream backlog failed; ending the stream (the reader resumes with Last-Event-ID)');
      follower.end();
    });
  }

  unfollowed(follower: RoomFollower): void {
    if (!this.#followers.delete(follower)) {
      // Refused before it was taken over: attach's catch released it.
      return;
    }
    this.#beating.delete(follower);
    this.#perIp.release(follower.ip);
    this.#options.policy.metrics.connections.dec();
  }

  /** Closes this process's connections that said hello with the session `sessionHash` (a logout), with 4401. */
  revoke(sessionHash: string): void {
    revokeSession(this.#connections, sessionHash);
  }

  /** Closes this process's connections of the user (the server API's disconnect), with 4001. */
  disconnectUser(userId: string): void {
    disconnectUser(this.#connections, userId);
  }

  /** Stops new streams, closes every stream with 1001 (after the WebSocket gateway drained requests). */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#accepting = false;
    this.#heartbeat.stop();
    this.#hello.stop();
    await closeForShutdown(
      [...this.#connections],
      (connection) => new Promise<void>((resolve) => connection.response.once('close', () => resolve())),
      timeoutMs,
    );
    for (const connection of this.#connections) connection.terminate();
    for (const follower of this.#followers) follower.end();
  }
}

/** The head of every event stream; events leave as written, and the stream may idle between heartbeats. */
function startEventStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store, no-transform',
    // nginx: do not buffer this response whatever proxy_buffering says (deploy/nginx-fallback.conf).
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  res.socket?.setNoDelay(true);
  // The server's idle timeout is for requests; a stream is idle between events and heartbeats.
  res.socket?.setTimeout(0);
}

/** A refusal of the fallback's own bounds (shutting down, per address, Origin) where a route expects a throw. */
export class FallbackRefused extends Error {
  readonly refusal: FallbackRefusal;

  constructor(refusal: FallbackRefusal) {
    super(refusal.message);
    this.refusal = refusal;
  }
}
