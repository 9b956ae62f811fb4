// Session: one connection's protocol state and lifecycle. Per joined room it keeps the last seq it
// delivered; it writes through its Connection, and knows nothing else of the transport, which feeds
// it text frames and tells it when the peer is gone (peerGone). Ending, it leaves every room and the hub.
import type { Command, ErrorReply, RequestId, Results, UserRef, Verb } from '../../protocol/messages.js';
import { CloseCode, ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { OutgoingPush, WireForm } from '../hub/outgoing.js';
import type { ChatService, Participant } from '../chat/service.js';
import type { Connection } from './connection.js';
import { JoinedRooms } from './joined-rooms.js';
import { randomId } from '../random-id.js';
import type { ConnectionRate } from '../limits/rate-limiter.js';
import type { SessionPolicy } from './policy.js';

export type SessionMode = WireForm;

/** How long a slow consumer's close frame may take to get through its backlog. */
const SLOW_CONSUMER_GRACE_MS = 10_000;

/** Longest wait, in a close that lets requests in flight finish, before closing regardless. */
const IN_FLIGHT_GRACE_MS = 5_000;

/** Per joined room: what this connection has been sent, and pushes held back while it recovers. */
export interface RoomState {
  lastSeq: number;
  held: OutgoingPush[] | null;
  /** Settles when this connection's join of the room has finished (joined or refused). */
  joined: Promise<void> | undefined;
}

export class Session implements Participant {
  readonly connId = randomId(16);
  readonly mode: SessionMode;
  readonly connection: Connection;
  readonly rooms = new JoinedRooms<RoomState>();
  #user: UserRef | undefined;
  /** Rooms this connection may enter, when its token limits them. */
  #allowedRooms: ReadonlySet<string> | undefined;
  /**
   * Non-null while a hello is being checked (token and name lookups are asynchronous): commands
   * that arrive meanwhile wait here, in order, and run once the hello is settled.
   */
  #waiting: Command[] | null = null;
  /** Set by close or peerGone: nothing more is sent or acted on. */
  #closed = false;
  /** Set by peerGone: the rooms and the hub have been left. */
  #ended = false;
  /**
   * Requests received and not yet answered: held behind a hello or running. Bounded by the policy's
   * maxInFlight, so that replies cannot pile up while the store works.
   */
  inFlight = 0;
  /** Commands received while `inFlight` was at the most, in order; reading is paused meanwhile (see dispatch.ts). */
  queued: Command[] | null = null;
  /** Non-null once the connection is to close as soon as its requests in flight are answered. */
  #ending: { code: CloseCode; reason: string } | null = null;
  readonly policy: SessionPolicy;
  /** This connection's rate-limit buckets (null when rate limits are off). */
  readonly rate: ConnectionRate | null;
  /** The peer's address, for the per-IP connection count. */
  readonly ip: string;
  /** performance.now() at open; a protocol session must say hello within the hello timeout. */
  readonly openedAt: number;

  constructor(connection: Connection, mode: SessionMode, policy: SessionPolicy, ip: string) {
    this.connection = connection;
    this.mode = mode;
    this.policy = policy;
    this.ip = ip;
    // Whole milliseconds: a small integer lives in the object, a fraction would be a separate heap number.
    this.openedAt = Math.round(performance.now());
    this.rate = policy.limiter.enabled ? policy.limiter.connection(this.openedAt) : null;
  }

  /** Closed, or its peer is gone: replies are dropped, frames are not acted on. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the peer is gone and the session has left its rooms and the hub. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * The transport's one call when the connection is gone, whatever ended it (a close, a reset, a
   * missed heartbeat): leaves the hub and every room. Later calls do nothing.
   */
  peerGone(chat: ChatService): void {
    if (this.#ended) return;
    this.#closed = true;
    this.#ended = true;
    if (this.identified) chat.disconnected(this);
    for (const room of this.rooms.names()) {
      chat.leave(this, room).catch((error: unknown) => {
        this.policy.log.warn({ err: error, conn: this.connId, room }, 'leave on disconnect failed');
      });
    }
    this.rooms.clear();
  }

  /** The transport's buffer passed its limit: this connection cannot keep up, and the room does not wait for it. */
  slowConsumer(): void {
    this.policy.metrics.slowConsumers.inc();
    this.policy.log.warn({ conn: this.connId, ip: this.ip, user: this.#user?.id, rooms: this.rooms.size }, 'slow consumer dropped (4008)');
    // The close frame waits behind everything already buffered for this peer: a reader that is slow
    // but alive gets it (and knows to rejoin with `since`) once it catches up, so it gets longer
    // than the usual grace before being cut off without one.
    this.close(CloseCode.SlowConsumer, 'slow consumer', SLOW_CONSUMER_GRACE_MS);
  }

  get user(): UserRef {
    if (this.#user === undefined) throw new ProtocolError(ErrorCode.HelloRequired, 'send hello first');
    return this.#user;
  }

  get userId(): string {
    return this.user.id;
  }

  get identified(): boolean {
    return this.#user !== undefined;
  }

  /** Accounts: the hash of the session token this connection said hello with (see WsGateway.revoke). */
  sessionHash: string | undefined;

  identify(user: UserRef, allowedRooms?: ReadonlySet<string>, sessionHash?: string): void {
    this.#user = user;
    this.#allowedRooms = allowedRooms;
    this.sessionHash = sessionHash;
  }

  /** Queues `command` behind a hello being checked; false when it may run now. */
  hold(command: Command): boolean {
    if (this.#waiting === null) return false;
    this.#waiting.push(command);
    return true;
  }

  holdFromNow(): void {
    this.#waiting = [];
  }

  /** Stops holding; returns what was held, in arrival order. */
  releaseHeld(): Command[] {
    const held = this.#waiting ?? [];
    this.#waiting = null;
    return held;
  }

  /** Whether this connection's identity lets it into `room`. */
  mayEnter(room: string): boolean {
    return this.#allowedRooms === undefined || this.#allowedRooms.has(room);
  }

  deliver(room: string, outgoing: OutgoingPush): void {
    const state = this.rooms.get(room);
    if (state === undefined) return;
    if (state.held !== null) {
      state.held.push(outgoing);
      return;
    }
    const push = outgoing.push;
    if (push.type === 'message') {
      // Already sent as part of the join's backlog.
      if (push.seq <= state.lastSeq) return;
      state.lastSeq = push.seq;
    }
    this.connection.writePush(outgoing, this.mode);
  }

  notify(outgoing: OutgoingPush): void {
    // Plain clients chat in one room and have no way to act on a notice.
    if (this.mode === 'protocol') this.connection.writePush(outgoing, 'protocol');
  }

  removed(room: string): void {
    this.rooms.delete(room);
  }

  /** Ends a room's recovery: delivers what was held back, in order, skipping what the backlog had. */
  release(room: string): void {
    const state = this.rooms.get(room);
    if (state === undefined || state.held === null) return;
    const held = state.held;
    state.held = null;
    for (const outgoing of held) this.deliver(room, outgoing);
  }

  /** A request was received; counted in flight until `settled`. */
  started(): void {
    this.inFlight++;
  }

  /** A request was answered (or dropped); the last one out completes a pending `closeWhenAnswered`. */
  settled(): void {
    if (--this.inFlight === 0 && this.#ending !== null) this.close(this.#ending.code, this.#ending.reason);
  }

  /** Closing once the requests in flight are answered: new frames are not acted on meanwhile. */
  get ending(): boolean {
    return this.#ending !== null;
  }

  /**
   * Closes with `code` once every request already received has been answered (within a bounded
   * grace): a send that was stored gets its ack before the close frame. Reading stops at once;
   * frames already read are ignored (see dispatchText).
   */
  closeWhenAnswered(code: CloseCode, reason: string): void {
    if (this.#closed || this.#ending !== null) return;
    this.#ending = { code, reason };
    if (this.inFlight === 0) {
      this.close(code, reason);
      return;
    }
    this.connection.pauseReading();
    setTimeout(() => this.close(code, reason), IN_FLIGHT_GRACE_MS).unref();
  }

  sendJson(value: object): void {
    // A closed connection's replies would be dropped by the transport: not worth serializing.
    if (this.#closed) return;
    this.connection.write(JSON.stringify(value));
  }

  sendText(text: string): void {
    this.connection.write(text);
  }

  ok<V extends Verb>(id: RequestId | undefined, result: Results[V]): void {
    if (id !== undefined) this.sendJson({ id, type: 'ok', ...result });
  }

  fail(id: RequestId | undefined, error: ProtocolError): void {
    // Typed as the wire's ErrorReply, so what the server sends and what the SDK reads cannot drift.
    const reply: ErrorReply = { type: 'error', code: error.code, message: error.message };
    if (id !== undefined) reply.id = id;
    if (error.field !== undefined) reply.field = error.field;
    if (error.retryAfterMs !== undefined) reply.retryAfterMs = error.retryAfterMs;
    this.sendJson(reply);
  }

  /**
   * Sends what is queued, then closes with `code`. A peer that does not finish the close handshake
   * within `graceMs` is cut off.
   */
  close(code: CloseCode, reason: string, graceMs = 2000): void {
    if (this.#closed) return;
    this.#closed = true;
    // Reading again, if the in-flight bound or closeWhenAnswered paused it: the peer's close frame
    // completes the handshake (frames before it are not acted on: the session is closed).
    if (this.#ending !== null || this.queued !== null) this.connection.resumeReading();
    this.connection.close(code, reason, graceMs);
  }
}
