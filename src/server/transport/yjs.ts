// The Yjs document endpoint, `/yjs/<room>?ticket=…`, on the same port as the chat socket: the
// y-websocket wire, so that an unmodified WebsocketProvider connects. The gateway routes the upgrade
// here after its own checks (readiness, Origin); this redeems the ticket, asks the document service
// whether the ticket's user may enter, and only then completes the handshake. Everything after the
// handshake is the document service's (docs/doc-service.ts); this only moves frames.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import { ROOM_PATTERN } from '../../protocol/patterns.js';
import { CloseCode, ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { TicketRefused, type Tickets } from '../auth/tickets.js';
import type { DocService } from '../docs/doc-service.js';
import type { DocEditor } from '../docs/doc-editor.js';
import type { Metrics } from '../metrics/metrics.js';

export const DOC_PATH_PREFIX = '/yjs/';
const ROOM = new RegExp(ROOM_PATTERN);
/** A binary frame carries its update plus a few bytes of message header. */
const FRAME_OVERHEAD = 64;

/** How the gateway answers a refused upgrade (status, reason for the body, label for metrics). */
export type Refuse = (status: number, reason: string, label: string) => void;

export interface DocGatewayOptions {
  docs: DocService;
  tickets: Tickets;
  log: Logger;
  /** Ping interval; a connection that has not answered the previous ping is cut off. */
  heartbeatMs: number;
  /** Counts the frames over the size bound (ws closes those connections with 1009 itself). */
  metrics?: Metrics;
}

interface DocSocketState {
  editor: DocEditor | undefined;
  alive: boolean;
}

export class DocGateway {
  readonly #options: DocGatewayOptions;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Map<WebSocket, DocSocketState>();
  readonly #heartbeat: NodeJS.Timeout;

  constructor(options: DocGatewayOptions) {
    this.#options = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.docs.limits.maxUpdateBytes + FRAME_OVERHEAD,
    });
    this.#heartbeat = setInterval(() => this.#ping(), options.heartbeatMs);
    this.#heartbeat.unref();
  }

  /** Handles an upgrade whose path starts with /yjs/; `refuse` answers it with an HTTP status. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL, refuse: Refuse): void {
    let room: string;
    try {
      room = decodeURIComponent(url.pathname.slice(DOC_PATH_PREFIX.length));
    } catch {
      return refuse(400, 'the room name is not a valid URL component', 'doc_room');
    }
    if (!ROOM.test(room)) return refuse(404, `no room ${room.slice(0, 64)}`, 'doc_room');
    const ticket = url.searchParams.get('ticket');
    if (ticket === null) return refuse(401, 'ask for a ticket first (the ticket verb, or POST /api/v1/tickets) and connect with ?ticket=', 'doc_ticket');
    void this.#admit(req, socket, head, room, ticket, refuse); // every failure is answered inside
  }

  async #admit(req: IncomingMessage, socket: Duplex, head: Buffer, room: string, ticket: string, refuse: Refuse): Promise<void> {
    let user;
    let access;
    try {
      user = await this.#options.tickets.redeem(ticket, room);
      access = await this.#options.docs.admit(user, room);
    } catch (error) {
      if (error instanceof TicketRefused) return refuse(401, error.message, 'doc_ticket');
      if (error instanceof ProtocolError) return refuse(statusOf(error.code), error.message, `doc_${error.code}`);
      this.#options.log.error({ err: error, room }, 'document admission failed');
      return refuse(503, 'the server could not check this ticket now; try again', 'doc_store');
    }
    if (socket.destroyed) return;
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const state: DocSocketState = { editor: undefined, alive: true };
      this.#sockets.set(ws, state);
      ws.on('pong', () => (state.alive = true));
      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (state.editor === undefined) return;
        if (!isBinary) return ws.close(CloseCode.PolicyViolation, 'the y-websocket protocol is binary');
        this.#options.docs.receive(state.editor, toBytes(data));
      });
      ws.on('close', () => {
        this.#sockets.delete(ws);
        if (state.editor !== undefined) this.#options.docs.left(state.editor);
      });
      ws.on('error', (error: Error & { code?: string }) => {
        if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.#options.metrics?.docUpdatesRefused.inc({ reason: 'too_large' });
        ws.terminate();
      });
      state.editor = this.#options.docs.open(user, room, access, {
        send: (data) => ws.send(data),
        close: (code, reason) => ws.close(code, reason),
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
      });
    });
  }

  #ping(): void {
    for (const [ws, state] of this.#sockets) {
      if (!state.alive) {
        ws.terminate();
        continue;
      }
      state.alive = false;
      ws.ping();
    }
  }

  /** Closes every document connection (1001) and stops the heartbeat. */
  shutdown(): void {
    clearInterval(this.#heartbeat);
    this.#options.docs.close();
    for (const ws of this.#sockets.keys()) ws.terminate();
    this.#wss.close();
  }
}

function statusOf(code: string): number {
  if (code === ErrorCode.NotFound) return 404;
  if (code === ErrorCode.StoreFailed) return 503;
  return 403; // banned, not a member of a private room, forbidden
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
