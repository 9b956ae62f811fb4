// WebSocket transport: owns the HTTP upgrade on `/` and `/ws`, picks protocol or plain mode from the
// offered subprotocols, bounds connections per address and the time to hello, and gives each
// connection (ws/connection.ts: framing, outbox, events) its Session. Writes leave in write rounds
// (ws/write-rounds.ts); liveness is the heartbeat's (ws/heartbeat.ts).
import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type Server as WsServer } from 'ws';
import type { Logger } from 'pino';
import { PROTOCOL } from '../../protocol/messages.js';
import { checkName } from '../../protocol/names.js';
import { CloseCode } from '../../protocol/errors.js';
import type { ChatService } from '../chat/service.js';
import { Session, type SessionMode } from '../session/session.js';
import { startPlain } from '../session/plain.js';
import { parseRequestTarget, TOKEN_PARAMS } from './request-target.js';
import { WsConnection, type WsHost } from './ws/connection.js';
import { Outbox } from './ws/outbox.js';
import { WriteRounds } from './ws/write-rounds.js';
import { Heartbeat } from './ws/heartbeat.js';
import type { OriginPolicy } from '../auth/origin.js';
import type { SessionPolicy } from '../session/policy.js';
import type { ClientAddresses } from '../client-address.js';
import type { AddressCount } from './address-count.js';
import { HelloDeadline } from './hello-deadline.js';
import { closeForShutdown, disconnectUser, revokeSession } from './closing.js';
import { DOC_PATH_PREFIX, type DocGateway } from './yjs.js';

export interface WsGatewayOptions {
  chat: ChatService;
  log: Logger;
  /** Largest frame accepted; a larger one closes the connection with 1009. */
  maxPayload: number;
  /** Frames one message may come in, and socket reads one incomplete frame may span; past either, 1008. */
  maxFragments: number;
  maxFrameChunks: number;
  heartbeatMs: number;
  /** Bytes one connection may have waiting; past it the connection is closed with 4008. */
  outboxLimit: number;
  /** Longest pause between write rounds (see WriteRounds); 0 writes as soon as each turn ends. */
  writePacingMs: number;
  /** Which browser pages may connect (checked on the handshake's Origin). */
  origins: OriginPolicy;
  /** Plain clients are guests: refused at the handshake when guests are off. */
  guestsAllowed: boolean;
  /** Limits, metrics and logger every session shares. */
  policy: SessionPolicy;
  /** A protocol connection must say hello within this; otherwise it is closed with 4408. */
  helloTimeoutMs: number;
  /** Open connections per client address (PARLEY_MAX_CONN_PER_IP), shared with the HTTP fallback's streams. */
  perAddress: AddressCount;
  /** The client's address: the socket's peer, or from X-Forwarded-For when the peer is a trusted proxy. */
  clientAddresses: ClientAddresses;
  /** Whether this node can reach its store and broker now; upgrades are refused (503) while not. */
  ready?: () => boolean;
  /** The shared documents' endpoint, /yjs/<room>; without it that path is a 404 like any other. */
  docs?: DocGateway;
}

const UPGRADE_PATHS = new Set(['/', '/ws']);

export class WsGateway implements WsHost {
  readonly chat: ChatService;
  readonly log: Logger;
  readonly #connections = new Set<WsConnection>();
  readonly #options: WsGatewayOptions;
  readonly #wss: WsServer<typeof WsConnection>;
  readonly #heartbeat: Heartbeat;
  /** When outboxes are written (one schedule for the whole server). */
  readonly #writeRounds: WriteRounds;
  /** Protocol sessions that have not said hello yet. */
  readonly #hello: HelloDeadline;
  /** Open connections per client address (only while a limit is set). */
  readonly #perIp: AddressCount;
  #accepting = true;

  constructor(options: WsGatewayOptions) {
    this.#options = options;
    this.chat = options.chat;
    this.log = options.log;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxPayload,
      // ws keeps one Buffer per fragment until the message ends, bounded only by maxPayload in
      // bytes: one-byte continuation frames held ~1 MB of heap per 112 KB sent. Browsers never
      // fragment what they send; other clients use a few pieces at most.
      maxFragments: options.maxFragments,
      // Likewise one Buffer per socket read while a frame is incomplete: one byte per read would hold
      // ~150 bytes of heap per byte of the frame.
      maxBufferedChunks: options.maxFrameChunks,
      WebSocket: WsConnection,
      handleProtocols: (offered) => (offered.has(PROTOCOL) ? PROTOCOL : false),
    });
    this.#heartbeat = new Heartbeat(options.heartbeatMs, this.#connections);
    this.#writeRounds = new WriteRounds(options.writePacingMs);
    this.#hello = new HelloDeadline(options.helloTimeoutMs, options.log);
    this.#perIp = options.perAddress;
  }

  /**
   * The HTTP server's 'upgrade' listener. Node hands the socket over with no 'error' listener left,
   * and an 'error' event without one (a client's reset) ends the process: one is attached first,
   * before anything can write to the socket, and stays until ws attaches its own (see #accept).
   * Nothing thrown in here may reach the HTTP server either: it would end the process too.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', ignoreSocketError);
    try {
      this.#upgrade(req, socket, head);
    } catch (error) {
      this.log.error({ err: error, url: req.url }, 'upgrade failed; refused (500)');
      this.#refuse(socket, 500, 'internal error', 'internal');
    }
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.#accepting) return this.#refuse(socket, 503, 'server is shutting down', 'shutting_down');
    if (this.#options.ready !== undefined && !this.#options.ready()) {
      return this.#refuse(socket, 503, 'this node cannot reach its store or broker; try again or another node', 'not_ready');
    }
    const url = parseRequestTarget(req.url);
    if (url === null) return this.#refuse(socket, 400, 'request target is not a path', 'bad_target');
    const docs = this.#options.docs;
    if (docs !== undefined && url.pathname.startsWith(DOC_PATH_PREFIX)) {
      // The same Origin rule as the chat socket: another site's page must not edit with a visitor's ticket.
      if (!this.#options.origins.allows(req.headers.origin, req.headers.host)) {
        return this.#refuse(socket, 403, 'this Origin may not connect; see PARLEY_ORIGINS', 'origin');
      }
      // Counted with the chat connections: a document connection holds as much as one.
      const ip = this.#options.clientAddresses.of(req);
      if (this.#perIp.full(ip)) return this.#refuse(socket, 429, `at most ${this.#perIp.limit} connections per address`, 'per_ip');
      this.#perIp.take(ip);
      // The same socket carries the refusal or the whole WebSocket connection: its close ends either.
      socket.once('close', () => this.#perIp.release(ip));
      return docs.upgrade(req, socket, head, url, (status, reason, label) => this.#refuse(socket, status, reason, label));
    }
    if (!UPGRADE_PATHS.has(url.pathname)) return this.#refuse(socket, 404, 'WebSocket endpoints are / and /ws', 'path');
    // Checked before anything else is accepted: another site's page must not use a visitor's browser here.
    if (!this.#options.origins.allows(req.headers.origin, req.headers.host)) {
      const note = this.#options.origins.refusalNote(req.headers.origin, 'websocket');
      if (note !== null) this.log.warn({ origin: req.headers.origin }, note);
      return this.#refuse(socket, 403, 'this Origin may not connect; see PARLEY_ORIGINS', 'origin');
    }
    // URLs end up in access logs and browser history; tokens go in hello.
    if (TOKEN_PARAMS.some((name) => url.searchParams.has(name))) {
      return this.#refuse(socket, 400, 'never put tokens in the URL; send them in hello {token}', 'token_in_url');
    }
    const offered = req.headers['sec-websocket-protocol'];
    let mode: SessionMode = 'plain';
    if (offered !== undefined) {
      if (!offered.split(',').some((name) => name.trim() === PROTOCOL)) {
        return this.#refuse(socket, 400, `unsupported subprotocol; offer ${PROTOCOL} or none`, 'subprotocol');
      }
      mode = 'protocol';
    }
    if (mode === 'plain' && !this.#options.guestsAllowed) {
      return this.#refuse(socket, 401, 'this server does not allow guests; plain clients are guests', 'guests_off');
    }
    // The same name rule as hello's (protocol/names.ts), checked here so that a bad nick is refused
    // at the handshake (400) instead of after it. Only a plain client has one: a protocol client
    // names itself in hello.
    let nick = '';
    if (mode === 'plain') {
      const checked = checkName(url.searchParams.get('nick') ?? `guest-${randomInt(10000).toString().padStart(4, '0')}`);
      if (!checked.ok) return this.#refuse(socket, 400, `nick: ${checked.message}`, 'nick');
      nick = checked.name;
    }
    const ip = this.#options.clientAddresses.of(req);
    const limit = this.#perIp.limit;
    if (this.#perIp.full(ip)) {
      this.log.warn({ ip, limit }, 'too many connections from one address; upgrade refused (429)');
      return this.#refuse(socket, 429, `at most ${limit} connections per address`, 'per_ip');
    }
    if (limit === 0) {
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#acceptOrDrop(ws, socket, mode, nick, ip));
      return;
    }
    // Counted from here, not from the open, so that a burst of upgrades cannot slip past the limit;
    // released by the socket if the handshake fails, by the session once it exists.
    this.#perIp.take(ip);
    const abandoned = (): void => this.#perIp.release(ip);
    socket.once('close', abandoned);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      socket.removeListener('close', abandoned);
      this.#acceptOrDrop(ws, socket, mode, nick, ip);
    });
  }

  /** After the 101 has been written an HTTP refusal no longer fits: a failure ends the connection. */
  #acceptOrDrop(ws: WsConnection, socket: Duplex, mode: SessionMode, nick: string, ip: string): void {
    // ws has its own 'error' listener on the socket now; one listener per connection is enough.
    socket.removeListener('error', ignoreSocketError);
    try {
      this.#accept(ws, socket, mode, nick, ip);
    } catch (error) {
      this.log.error({ err: error, conn: ws.session?.connId }, 'accepting a connection failed; closing (1011)');
      if (ws.session === undefined) {
        // No session: nothing will release the per-address count but this.
        this.#perIp.release(ip);
        ws.terminate();
      } else {
        ws.session.close(CloseCode.InternalError, 'internal error');
      }
    }
  }

  #refuse(socket: Duplex, status: number, reason: string, label: string): void {
    this.#options.policy.metrics.upgradesRefused.inc({ reason: label });
    refuse(socket, status, reason);
  }

  /** Called when a connection is gone, whatever closed it (see WsHost). */
  released(connection: WsConnection, code: number): void {
    const { session } = connection;
    this.#connections.delete(connection);
    this.#hello.forget(session);
    this.#perIp.release(session.ip);
    const metrics = this.#options.policy.metrics;
    metrics.connections.dec();
    metrics.disconnects.inc({ code: String(code) });
  }

  #accept(ws: WsConnection, socket: Duplex, mode: SessionMode, nick: string, ip: string): void {
    const session = new Session(ws, mode, this.#options.policy, ip);
    // The session is told when its outbox passes the limit (it closes the connection as slow).
    ws.outbox = new Outbox(socket, this.#options.outboxLimit, session, this.#writeRounds);
    ws.host = this;
    ws.session = session;
    this.#heartbeat.place(ws);
    this.#connections.add(ws);
    if (mode === 'protocol') this.#hello.watch(session);
    this.#options.policy.metrics.connections.inc();
    this.#options.policy.metrics.connectionsTotal.inc();
    this.log.debug({ conn: session.connId, mode, ip }, 'connected');
    if (mode === 'plain') {
      startPlain(session, nick, this.chat).catch((error: unknown) => {
        this.log.error({ err: error, conn: session.connId }, 'plain join failed');
        session.close(CloseCode.InternalError, 'could not join the lobby');
      });
    }
  }

  /** Closes this process's connections that said hello with the session `sessionHash` (a logout), with 4401. */
  revoke(sessionHash: string): void {
    revokeSession(this.#connections, sessionHash);
  }

  /** Closes this process's connections of the user (the server API's disconnect), with 4001. */
  disconnectUser(userId: string): void {
    disconnectUser(this.#connections, userId);
  }

  /**
   * Stops new connections and new requests, lets requests in flight finish (their replies are sent),
   * then closes every connection with 1001; resolves when all are gone (or after `timeoutMs`).
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.#accepting = false;
    this.#heartbeat.stop();
    this.#hello.stop();
    const drain = this.#options.policy.drain;
    drain.draining = true;
    await drain.settled(Math.min(1000, timeoutMs / 3));
    // Replies of the last requests are queued for the end of this turn; close after they are written.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await closeForShutdown([...this.#connections], (connection) => new Promise<void>((resolve) => connection.once('close', () => resolve())), timeoutMs);
    for (const connection of this.#connections) connection.terminate();
    this.#wss.close();
    this.#options.docs?.shutdown();
  }
}

/** The upgrade socket's 'error' listener until ws has its own: a reset there concerns only that client. */
function ignoreSocketError(): void {}

function refuse(socket: Duplex, status: number, reason: string): void {
  const statusText: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  const body = `${reason}\n`;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // Destroyed once written: the HTTP server allows half-open sockets, so a client that never closes
  // its side would otherwise keep this file descriptor forever. The kernel still delivers the answer.
  socket.end(
    `HTTP/1.1 ${status} ${statusText[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
