// ParleyClient: one logical connection to a Parley server that outlives its sockets. It says hello,
// re-says it (with the server's resume token, so a guest stays the same user) after every
// reconnect, re-joins each room with `since` = the last seq it delivered, and keeps unacknowledged
// sends in an outbox that it writes again on the new socket. The app sees each room's messages
// once each, in seq order, with no gap. No DOM and no Node API: sockets come from a SocketFactory.
import type {
  ChatMessage,
  FollowedThread,
  CommandParams,
  Limits,
  PresencePush,
  PROTOCOL,
  Results,
  RoomAccess,
  RoomEventPush,
  InvitedPush,
  NoticePush,
  ReadPush,
  LeftPush,
  DirectoryPush,
  ServerFrame,
  TypingPush,
  UserRef,
  Verb,
} from '../protocol/messages.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { RequestError } from './errors.js';
import { Outbox, type PendingMessage, type SendResult } from './outbox.js';
import type { SocketFactory, SocketLike, Transport } from './socket.js';
import type { AutoOptions } from './auto-socket.js';
import { documentUrl, refreshTickets, type DocumentTicket, type TicketedProvider } from './documents.js';

/** What ClientOptions.transport picks. */
export type TransportChoice = 'auto' | Transport;

// Type-only imports keep the protocol's schema library out of browser bundles; the annotations
// make the compiler check that these copies match the protocol module.
const SUBPROTOCOL: typeof PROTOCOL = 'parley.v1';
export const TEXT_MAX: (typeof Limits)['textMax'] = 4000;

export type ConnectionState =
  /** A socket is being opened, or hello / re-joins are under way. */
  | 'connecting'
  /** Hello answered: requests flow. */
  | 'open'
  /** The connection dropped; the next attempt starts at `retryAt`. */
  | 'reconnecting'
  /** Closed by `close()` or by a refusal that retrying cannot fix (e.g. an invalid nick). */
  | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** Failed attempts since the last successful hello. */
  attempt: number;
  /** Whether a hello ever succeeded on this client (tells "connecting" from "reconnecting"). */
  wasOpen: boolean;
  /** With `reconnecting`: when the next attempt starts (epoch ms). */
  retryAt?: number;
  /** With `reconnecting` or `closed`: the close code of the socket that dropped, when there was one. */
  closeCode?: number;
  /** With `closed`: why, when it was not `close()`. */
  error?: RequestError;
  /** With `open`: which transport carries the connection (the HTTP fallback where WebSocket is blocked). */
  transport?: Transport;
}

export interface JoinedEvent {
  room: string;
  /** The room's latest seq when the join was answered. */
  seq: number;
  /** Some of the users online (up to 100, this user first); `members()` reads more. */
  members: UserRef[];
  /** How many users are online in the room. */
  online: number;
  /** False when the server could not replay everything since the last seq seen (see the `gap` event). */
  recovered: boolean;
  /** True when this is a re-join after a reconnect. */
  rejoin: boolean;
  /** The room's settings and this user's role in it. */
  access: RoomAccess;
}

export interface GapEvent {
  room: string;
  /** Last seq delivered before the gap. */
  after: number;
  /**
   * Messages after `after` up to here were not replayed (fetch them with history, before upTo + 1):
   * the room's seq when nothing was replayed, or the seq just before the replayed newest part.
   */
  upTo: number;
}

export interface ReadyEvent {
  user: UserRef;
  conn: string;
  reconnected: boolean;
}

export interface ClientEvents {
  state: StateChange;
  ready: ReadyEvent;
  joined: JoinedEvent;
  /** A room message, at most once per seq, in seq order per room. */
  message: ChatMessage;
  presence: PresencePush;
  typing: TypingPush;
  /**
   * An edit, delete, reaction, kick or mute in a joined room. When this user is kicked, the room
   * has been left (it is not re-joined after a reconnect) before the event is emitted.
   */
  roomEvent: RoomEventPush;
  gap: GapEvent;
  /**
   * This user was invited to a private room or another user opened a DM with it; `room` is not
   * joined automatically. Missed while offline: `rooms` lists every room the user is a member of.
   */
  invited: InvitedPush;
  /** A notice from the server API, to every connection of this user. */
  notice: NoticePush;
  /** This user read `room` up to `seq` on another connection (or this one): clear its unread count. */
  read: ReadPush;
  /**
   * This user left `room` on another connection (another device or tab): the room has been left
   * here too (not re-joined after a reconnect) and its unsent messages failed.
   */
  left: LeftPush;
  /**
   * A public room was made, archived, opened again or deleted (for a private room: one this client
   * is in). After `deleted` the room has been left, as after a kick.
   */
  directory: DirectoryPush;
  /** The pending (unacknowledged) messages of `room` changed. */
  outbox: { room: string; pending: PendingMessage[] };
}

/** What `search` narrows by besides its text. */
export interface SearchOptions {
  before?: number;
  limit?: number;
  /** Part of the author's name (any case). */
  person?: string;
  /** ms since the epoch: messages at or after it. */
  since?: number;
  /** ms since the epoch: messages before it. */
  until?: number;
}

export interface ClientOptions {
  /** Guest nickname (protocol v1 `hello {nick}`). */
  nick?: string;
  /** Account token, for servers with accounts (sent as `hello {token}`). */
  token?: string;
  /** A resume token from an earlier session (`client.resumeToken`), to stay the same guest user. */
  resume?: string;
  /** Opens sockets; defaults to the global WebSocket. Node: use `parley/client/node` (it passes `ws`). */
  socket?: SocketFactory;
  /**
   * `auto` (the default, unless a custom `socket` is given): WebSocket first, the HTTP fallback when
   * its handshake fails or no frame arrives in time, back to WebSocket when it works again.
   * `websocket` or `http` force one.
   */
  transport?: TransportChoice;
  /** Timings of the `auto` choice. */
  fallback?: AutoOptions;
  /** Per request (default 10000 ms). A request that times out on an open socket drops the socket. */
  requestTimeoutMs?: number;
  /** Socket open + hello (default 10000 ms). */
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Random source for jitter and cids (default Math.random); tests may fix it. */
  random?: () => number;
}

export interface HistoryOptions {
  /** Messages with seq below this (default: up to the newest). */
  before?: number;
  /** 1–100 (default 50). */
  limit?: number;
}

interface PendingRequest {
  id: number;
  frame: string;
  /** Written on the current socket (otherwise waiting for hello). */
  written: boolean;
  timer: ReturnType<typeof setTimeout>;
  /** Runs synchronously with the ok reply, before any later frame is handled. */
  onOk: ((result: unknown) => void) | undefined;
  resolve(result: unknown): void;
  reject(error: RequestError): void;
}

interface RoomTrack {
  /** Last seq delivered to the app; undefined until the first join is answered. */
  lastSeq: number | undefined;
  /** Joined on the current socket. */
  live: boolean;
  /** Joined on some socket before (so the next join is a re-join). */
  everJoined: boolean;
  waiters: { resolve(event: JoinedEvent): void; reject(error: RequestError): void }[];
}

type HelloParams = { nick: string; resume?: string } | { token: string; resume?: string };

export class ParleyClient extends Emitter<ClientEvents> {
  readonly url: string;
  readonly #options: ClientOptions;
  readonly #factory: SocketFactory;
  readonly #random: () => number;
  readonly #outbox = new Outbox();
  readonly #rooms = new Map<string, RoomTrack>();
  readonly #requests = new Map<number, PendingRequest>();
  /** Bumped for every socket; events of older sockets are ignored. */
  #generation = 0;
  #socket: SocketLike | undefined;
  #ready = false;
  #started = false;
  #closed = false;
  #attempt = 0;
  #wasOpen = false;
  #state: ConnectionState = 'connecting';
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #nextId = 1;
  #cidPrefix: string;
  #cidCounter = 0;
  #user: UserRef | undefined;
  #resume: string | undefined;
  #firstReady: { promise: Promise<ReadyEvent>; resolve(event: ReadyEvent): void; reject(error: RequestError): void } | undefined;

  constructor(url: string, options: ClientOptions & { socket: SocketFactory }) {
    super();
    if ((options.nick === undefined) === (options.token === undefined)) {
      throw new TypeError('give exactly one of nick or token');
    }
    this.url = url;
    this.#options = options;
    this.#factory = options.socket;
    this.#random = options.random ?? Math.random;
    this.#resume = options.resume;
    this.#cidPrefix = randomTag(this.#random);
  }

  /** Which transport the current socket uses; undefined while there is none. */
  get transport(): Transport | undefined {
    return this.#socket === undefined ? undefined : (this.#socket.transport ?? 'websocket');
  }

  /** The connection state (see the `state` event). */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The user the server knows this client as; undefined before the first hello. */
  get user(): UserRef | undefined {
    return this.#user;
  }

  /** Give this to `resume` in a later session (e.g. after a page reload) to stay the same guest. */
  get resumeToken(): string | undefined {
    return this.#resume;
  }

  /** Rooms this client is in (joined, or to be re-joined on the next connection). */
  get rooms(): string[] {
    return [...this.#rooms.keys()];
  }

  /** The last seq delivered in `room`, if any. */
  lastSeq(room: string): number | undefined {
    return this.#rooms.get(room)?.lastSeq;
  }

  /** Messages sent but not yet acknowledged, oldest first (optionally of one room). */
  pending(room?: string): PendingMessage[] {
    return this.#outbox.pending(room);
  }

  /** Starts connecting (once); resolves at the first successful hello, rejects if the server refuses it. */
  open(): Promise<ReadyEvent> {
    if (this.#firstReady === undefined) {
      let resolve!: (event: ReadyEvent) => void;
      let reject!: (error: RequestError) => void;
      const promise = new Promise<ReadyEvent>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#firstReady = { promise, resolve, reject };
    }
    if (this.#closed) return Promise.reject(new RequestError('closed', 'the client was closed'));
    if (!this.#started) {
      this.#started = true;
      this.#connect();
    }
    return this.#firstReady.promise;
  }

  /** Skips the backoff wait (or replaces a connection that looks dead): reconnects now. */
  reconnect(): void {
    if (this.#closed || !this.#started) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#socket !== undefined) this.#drop(1000, 'reconnecting', false);
    this.#attempt = 0;
    this.#connect();
  }

  /** Closes for good: pending requests and unsent messages are rejected with `closed`. */
  close(): void {
    this.#shutdown(undefined);
  }

  #shutdown(cause: RequestError | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#connectTimer);
    const socket = this.#socket;
    this.#generation += 1;
    this.#socket = undefined;
    this.#ready = false;
    const error = cause ?? new RequestError('closed', 'the client was closed');
    this.#failRequests(() => true, error);
    this.#outbox.failAll(error);
    for (const track of this.#rooms.values()) for (const waiter of track.waiters.splice(0)) waiter.reject(error);
    this.#firstReady?.reject(error);
    socket?.close(1000, 'bye');
    const change: StateChange = { state: 'closed', attempt: this.#attempt, wasOpen: this.#wasOpen };
    if (cause !== undefined) change.error = cause;
    this.#setState(change);
  }

  /**
   * Joins `room` (creating it if new) and stays in it across reconnects. Resolves with the first
   * join's answer; messages after its `seq` arrive as `message` events (older ones: `history`).
   */
  join(room: string): Promise<JoinedEvent> {
    if (this.#closed) return Promise.reject(new RequestError('closed', 'the client was closed'));
    let track = this.#rooms.get(room);
    if (track === undefined) {
      track = { lastSeq: undefined, live: false, everJoined: false, waiters: [] };
      this.#rooms.set(room, track);
      if (this.#ready) this.#joinOnSocket(room, track);
    } else if (this.#ready && track.live) {
      // Already in: ask again, so the answer carries the current members.
      this.#joinOnSocket(room, track);
    }
    const tracked = track;
    return new Promise((resolve, reject) => {
      const timeoutMs = this.#options.requestTimeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        tracked.waiters = tracked.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new RequestError('timeout', `join ${room} was not answered within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = (event: JoinedEvent): void => {
        clearTimeout(timer);
        resolve(event);
      };
      tracked.waiters.push({
        resolve: done,
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** Leaves `room`: no more events from it, and its unsent messages are rejected with `left`. */
  async leave(room: string): Promise<void> {
    const track = this.#rooms.get(room);
    if (track === undefined) return;
    this.#rooms.delete(room);
    const error = new RequestError('left', `left ${room}`);
    for (const waiter of track.waiters.splice(0)) waiter.reject(error);
    this.#outbox.failRoom(room, error);
    this.emit('outbox', { room, pending: [] });
    if (this.#ready) await this.#request('leave', { room });
  }

  /**
   * Sends `text` to `room` (which must have been joined). The message goes into the outbox at once
   * (see `pending()` and the `outbox` event) and is written whenever the room is joined on an open
   * socket, again after each reconnect until acknowledged. Resolves with the server's ack;
   * rejects only on a refusal (e.g. text too long) or when the client or room is closed/left.
   *
   * `options.cid` sends a message again that an earlier client (before a page reload, say) queued
   * under that cid: if the server has it already, nothing is stored twice and the ack is the first one.
   * `options.replyTo` is the seq of the message (in `room`) this one answers; `options.files` the
   * ids of files uploaded with `upload` (then `text`, the caption, may be empty); `options.thread`
   * the seq of a thread's root (this is a reply in it), shown in the room too with `alsoInRoom`.
   */
  send(
    room: string,
    text: string,
    options: { cid?: string; replyTo?: number; files?: readonly string[]; thread?: number; alsoInRoom?: boolean } = {},
  ): Promise<SendResult> {
    if (this.#closed) return Promise.reject(new RequestError('closed', 'the client was closed'));
    if (!this.#rooms.has(room)) return Promise.reject(new RequestError('not_member', `join ${room} first`, 'room'));
    const cid = options.cid ?? `${this.#cidPrefix}-${(this.#cidCounter++).toString(36)}`;
    const acked = this.#outbox.add(cid, room, text, {
      replyTo: options.replyTo,
      files: options.files !== undefined && options.files.length > 0 ? options.files : undefined,
      thread: options.thread,
      alsoInRoom: options.alsoInRoom === true ? true : undefined,
    });
    this.emit('outbox', { room, pending: this.#outbox.pending(room) });
    this.#flushOutbox(room);
    return acked;
  }

  /** Tells the room's other members this user is typing; dropped when not connected. */
  typing(room: string, thread?: number): void {
    const frame = thread === undefined ? { type: 'typing', room } : { type: 'typing', room, thread };
    if (this.#ready && this.#rooms.get(room)?.live === true) this.#socket?.send(JSON.stringify(frame));
  }

  /** Stored messages of `room` with seq below `before`, ascending. */
  async history(room: string, options: HistoryOptions = {}): Promise<ChatMessage[]> {
    const params: CommandParams['history'] = { room };
    if (options.before !== undefined) params.before = options.before;
    if (options.limit !== undefined) params.limit = options.limit;
    return (await this.#request('history', params)).messages;
  }

  /** A thread: its root as it is now (with `replies`) and its replies after `options.after`, ascending. */
  thread(room: string, root: number, options: { after?: number; limit?: number } = {}): Promise<Results['thread']> {
    const params: CommandParams['thread'] = { room, root };
    if (options.after !== undefined) params.after = options.after;
    if (options.limit !== undefined) params.limit = options.limit;
    return this.#request('thread', params);
  }

  /**
   * Any other verb (create, invite, kick, ban, unban, mute, role, edit, delete, react, dm): sends it
   * and resolves with the ok reply; rejects with the server's error code on a refusal.
   */
  command<V extends Exclude<Verb, 'hello' | 'join' | 'leave' | 'send'>>(verb: V, params: CommandParams[V]): Promise<Results[V]> {
    return this.#request(verb, params);
  }

  /**
   * What opening `room`'s shared document with stock Yjs takes: `new WebsocketProvider(url, room,
   * doc, { params })` (y-websocket). The ticket is good for one connection: pass the provider to
   * `refreshDocumentTickets` so that its reconnects get new ones.
   */
  async documentTicket(room: string): Promise<DocumentTicket> {
    const { ticket, expiresAt } = await this.#request('ticket', { room });
    return { url: documentUrl(this.url), room, params: { ticket }, expiresAt };
  }

  /** Puts a fresh ticket in the provider's params after each connection it closes (a reconnect needs one); returns a function that stops. */
  refreshDocumentTickets(provider: TicketedProvider): () => void {
    return refreshTickets(provider, async (room) => (await this.documentTicket(room)).params.ticket);
  }

  /**
   * Messages of `room` containing `text` (case-insensitive), newest first. One call looks at most
   * 10,000 messages back from `before` (the room's end by default); `from` says where it stopped,
   * so `search(room, text, { before: from })` goes further back while `from > 1`. `person` (part
   * of the author's name), `since` and `until` (ms since the epoch) narrow it on the server.
   */
  async search(room: string, text: string, options: SearchOptions = {}): Promise<{ messages: ChatMessage[]; from: number }> {
    const params: CommandParams['search'] = { room, text };
    if (options.before !== undefined) params.before = options.before;
    if (options.limit !== undefined) params.limit = options.limit;
    if (options.person !== undefined && options.person !== '') params.person = options.person;
    if (options.since !== undefined) params.since = options.since;
    if (options.until !== undefined) params.until = options.until;
    const { messages, from } = await this.#request('search', params);
    return { messages, from };
  }

  /** Up to `limit` (at most 1,000) of the users online in a joined room, and how many there are. */
  async members(room: string, limit?: number): Promise<{ members: UserRef[]; online: number }> {
    const { members, online } = await this.#request('members', limit === undefined ? { room } : { room, limit });
    return { members, online };
  }

  /**
   * Records that this user has read `room` up to `seq` (a marker that never moves back, kept by the
   * server for every device); resolves the marker as it now stands.
   */
  async markRead(room: string, seq: number): Promise<number> {
    return (await this.#request('read', { room, seq })).seq;
  }

  /** The same for the thread of `root`: its replies up to `seq` are read, on every device (a `read` event with `thread`). */
  async markThreadRead(room: string, root: number, seq: number): Promise<number> {
    return (await this.#request('read', { room, seq, thread: root })).seq;
  }

  /** The threads this user follows (wrote the root or a reply), most recently answered first, with their unread replies. */
  async threads(): Promise<FollowedThread[]> {
    return (await this.#request('threads', {})).threads;
  }

  /** Every public room, and every private room and DM of this user, with its seq, online count and read marker. */
  async listRooms(): Promise<Results['rooms']['rooms']> {
    return (await this.#request('rooms', {})).rooms;
  }

  // --- connection lifecycle ---

  #connect(): void {
    const generation = ++this.#generation;
    this.#setState({ state: 'connecting', attempt: this.#attempt, wasOpen: this.#wasOpen });
    let socket: SocketLike;
    try {
      socket = this.#factory(this.url, SUBPROTOCOL, {
        open: () => {
          if (generation === this.#generation) this.#hello();
        },
        message: (text) => {
          if (generation === this.#generation) this.#onFrame(text);
        },
        close: (code) => {
          if (generation === this.#generation) this.#lost(code);
        },
      });
    } catch (error) {
      // A URL the socket implementation rejects will not get better by retrying.
      this.#fail(new RequestError('bad_url', error instanceof Error ? error.message : String(error)));
      return;
    }
    this.#socket = socket;
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = setTimeout(() => {
      if (generation === this.#generation && !this.#ready) this.#drop(1000, 'connect timeout', true);
    }, timeoutMs);
  }

  #hello(): void {
    const identity: HelloParams = this.#options.token !== undefined ? { token: this.#options.token } : { nick: this.#options.nick ?? '' };
    if (this.#resume !== undefined) identity.resume = this.#resume;
    // The token form is for servers with accounts; protocol v1's schema types only the nick form.
    const params: CommandParams['hello'] = identity;
    this.#request('hello', params, { internal: true, onOk: (result) => this.#onHello(result) }).catch((error: unknown) => {
      if (error instanceof RequestError && error.fromServer) this.#fail(error);
    });
  }

  #onHello(result: Results['hello']): void {
    clearTimeout(this.#connectTimer);
    const reconnected = this.#wasOpen;
    this.#ready = true;
    this.#wasOpen = true;
    this.#attempt = 0;
    this.#user = result.user;
    this.#resume = result.resume;
    this.#setState({ state: 'open', attempt: 0, wasOpen: true, transport: this.transport ?? 'websocket' });
    for (const request of this.#requests.values()) {
      if (!request.written) this.#write(request);
    }
    for (const [room, track] of this.#rooms) this.#joinOnSocket(room, track);
    const event: ReadyEvent = { user: result.user, conn: result.conn, reconnected };
    this.#firstReady?.resolve(event);
    this.emit('ready', event);
  }

  /** Closes the current socket on our side and handles it as lost. */
  #drop(code: number, reason: string, retry: boolean): void {
    const socket = this.#socket;
    this.#generation += 1;
    try {
      socket?.close(code, reason);
    } catch {
      // Closing a socket that is still connecting may throw in some implementations; it is gone either way.
    }
    if (retry) this.#lost(1006);
    else this.#detach();
  }

  #detach(): void {
    clearTimeout(this.#connectTimer);
    this.#socket = undefined;
    this.#ready = false;
    for (const track of this.#rooms.values()) track.live = false;
    this.#outbox.requeueAll();
    this.#failRequests((request) => request.written, new RequestError('disconnected', 'the connection dropped'));
  }

  #lost(code: number): void {
    this.#generation += 1;
    this.#detach();
    if (this.#closed) return;
    const delay = backoffDelay(this.#attempt, this.#options.backoff, this.#random);
    this.#attempt += 1;
    this.#setState({
      state: 'reconnecting',
      attempt: this.#attempt,
      wasOpen: this.#wasOpen,
      retryAt: Date.now() + delay,
      closeCode: code,
    });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#connect();
    }, delay);
  }

  /** A refusal that retrying cannot fix: close with it. */
  #fail(error: RequestError): void {
    this.#shutdown(error);
  }

  #setState(change: StateChange): void {
    this.#state = change.state;
    this.emit('state', change);
  }

  // --- rooms and the outbox ---

  #joinOnSocket(room: string, track: RoomTrack): void {
    const params: CommandParams['join'] = { room };
    if (track.lastSeq !== undefined) params.since = track.lastSeq;
    const onOk = (result: Results['join']): void => {
      if (this.#rooms.get(room) !== track) return; // left meanwhile
      const rejoin = track.everJoined;
      track.live = true;
      track.everJoined = true;
      if (track.lastSeq === undefined) {
        track.lastSeq = result.seq;
      } else if (!result.recovered) {
        // The replay that follows (from replayFrom up to seq, when the server replayed the newest
        // part of a gap too large to send whole) is kept; what lies before it is the gap.
        const upTo = (result.replayFrom ?? result.seq + 1) - 1;
        this.emit('gap', { room, after: track.lastSeq, upTo });
        track.lastSeq = upTo;
      }
      // The backlog (seq > since) follows this reply as message pushes, deduped by seq below.
      const access: RoomAccess = { private: result.private, dm: result.dm };
      if (result.topic !== undefined) access.topic = result.topic;
      if (result.role !== undefined) access.role = result.role;
      if (result.archived === true) access.archived = true;
      const event: JoinedEvent = { room, seq: result.seq, members: result.members, online: result.online, recovered: result.recovered, rejoin, access };
      for (const waiter of track.waiters.splice(0)) waiter.resolve(event);
      this.emit('joined', event);
      this.#flushOutbox(room);
    };
    this.#request('join', params, { internal: true, onOk }).catch((error: unknown) => {
      if (!(error instanceof RequestError) || !error.fromServer) return; // retried after the reconnect
      if (this.#rooms.get(room) !== track) return;
      this.#rooms.delete(room);
      for (const waiter of track.waiters.splice(0)) waiter.reject(error);
      this.#outbox.failRoom(room, error);
      this.emit('outbox', { room, pending: [] });
    });
  }

  #flushOutbox(room: string): void {
    if (!this.#ready || this.#rooms.get(room)?.live !== true) return;
    for (const message of this.#outbox.takeUnsent(room)) {
      const params: CommandParams['send'] = { room, text: message.text, cid: message.cid };
      if (message.replyTo !== undefined) params.replyTo = message.replyTo;
      if (message.files !== undefined) params.files = [...message.files];
      if (message.thread !== undefined) params.thread = message.thread;
      if (message.alsoInRoom === true) params.alsoInRoom = true;
      this.#request('send', params, { internal: true }).then(
        (result) => {
          this.#outbox.acknowledge(message.cid, result);
          this.emit('outbox', { room, pending: this.#outbox.pending(room) });
        },
        (error: unknown) => {
          if (error instanceof RequestError && error.fromServer && error.code !== 'not_member' && error.code !== 'hello_required') {
            this.#outbox.fail(message.cid, error);
            this.emit('outbox', { room, pending: this.#outbox.pending(room) });
          } else {
            // Lost with the connection (or raced a re-join): written again once the room is joined.
            this.#outbox.requeue(message.cid);
          }
        },
      );
    }
  }

  // --- requests and frames ---

  #request<V extends Verb>(verb: V, params: CommandParams[V], options: { internal?: boolean; onOk?: (result: Results[V]) => void } = {}): Promise<Results[V]> {
    if (this.#closed) return Promise.reject(new RequestError('closed', 'the client was closed'));
    const id = this.#nextId++;
    const timeoutMs = this.#options.requestTimeoutMs ?? 10_000;
    return new Promise<unknown>((resolve, reject) => {
      const request: PendingRequest = {
        id,
        frame: JSON.stringify({ id, type: verb, ...params }),
        written: false,
        onOk: options.onOk as ((result: unknown) => void) | undefined,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#requests.delete(id);
          reject(new RequestError('timeout', `${verb} was not answered within ${timeoutMs} ms`));
          // No answer on an open socket: the connection is probably dead without having said so.
          if (request.written) this.#drop(1000, 'request timeout', true);
        }, timeoutMs),
      };
      this.#requests.set(id, request);
      if (options.internal === true || this.#ready) this.#write(request);
    }) as Promise<Results[V]>;
  }

  #write(request: PendingRequest): void {
    if (this.#socket === undefined) return;
    request.written = true;
    this.#socket.send(request.frame);
  }

  #failRequests(which: (request: PendingRequest) => boolean, error: RequestError): void {
    for (const request of [...this.#requests.values()]) {
      if (!which(request)) continue;
      this.#requests.delete(request.id);
      clearTimeout(request.timer);
      request.reject(error);
    }
  }

  #onFrame(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text) as ServerFrame;
    } catch {
      return;
    }
    if ('id' in frame && frame.id !== undefined) {
      const request = typeof frame.id === 'number' ? this.#requests.get(frame.id) : undefined;
      if (request === undefined) return;
      this.#requests.delete(request.id);
      clearTimeout(request.timer);
      if (frame.type === 'ok') {
        request.onOk?.(frame);
        request.resolve(frame);
      } else if (frame.type === 'error') {
        request.reject(RequestError.fromReply(frame));
      }
      return;
    }
    switch (frame.type) {
      case 'message': {
        const track = this.#rooms.get(frame.room);
        // Each seq once: a re-join's backlog may overlap what this client already delivered.
        if (track === undefined || track.lastSeq === undefined || frame.seq <= track.lastSeq) return;
        track.lastSeq = frame.seq;
        const { type: _type, ...message } = frame;
        this.emit('message', message);
        return;
      }
      case 'presence':
        if (this.#rooms.has(frame.room)) this.emit('presence', frame);
        return;
      case 'typing':
        if (this.#rooms.has(frame.room)) this.emit('typing', frame);
        return;
      case 'edit':
      case 'delete':
      case 'reaction':
      case 'muted':
      case 'topic':
        if (this.#rooms.has(frame.room)) this.emit('roomEvent', frame);
        return;
      case 'invited':
        this.emit('invited', frame);
        return;
      case 'read':
        this.emit('read', frame);
        return;
      case 'left': {
        // This user left the room on another connection; the server took this one out as well.
        const track = this.#rooms.get(frame.room);
        if (track === undefined) return;
        this.#rooms.delete(frame.room);
        const error = new RequestError('not_member', `you left ${frame.room} on another device`);
        for (const waiter of track.waiters.splice(0)) waiter.reject(error);
        this.#outbox.failRoom(frame.room, error);
        this.emit('outbox', { room: frame.room, pending: [] });
        this.emit('left', frame);
        return;
      }
      case 'notice':
        this.emit('notice', frame);
        return;
      case 'directory': {
        const track = this.#rooms.get(frame.room);
        if (frame.event === 'deleted' && track !== undefined) {
          // The room is gone: forget it, so a reconnect does not re-join, and fail what waited for it.
          this.#rooms.delete(frame.room);
          const error = new RequestError('not_member', `${frame.room} was deleted`);
          for (const waiter of track.waiters.splice(0)) waiter.reject(error);
          this.#outbox.failRoom(frame.room, error);
          this.emit('outbox', { room: frame.room, pending: [] });
        }
        this.emit('directory', frame);
        return;
      }
      case 'kicked': {
        const track = this.#rooms.get(frame.room);
        if (track === undefined) return;
        if (frame.user === this.#user?.id) {
          // The server took this connection out of the room: forget it, so a reconnect does not re-join.
          this.#rooms.delete(frame.room);
          const error = new RequestError(frame.reason === 'ban' ? 'banned' : 'kicked', `removed from ${frame.room}`);
          for (const waiter of track.waiters.splice(0)) waiter.reject(error);
          this.#outbox.failRoom(frame.room, error);
          this.emit('outbox', { room: frame.room, pending: [] });
        }
        this.emit('roomEvent', frame);
        return;
      }
      default:
        return;
    }
  }
}

/** A random tag for cids: unique per client instance, so cids stay unique across page reloads. */
function randomTag(random: () => number): string {
  let tag = '';
  for (let i = 0; i < 4; i++)
    tag += Math.floor(random() * 36 ** 4)
      .toString(36)
      .padStart(4, '0');
  return tag;
}
