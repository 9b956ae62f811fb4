// The app's store: one per signed-in page, made when the chat screen mounts and disposed when it
// goes (socket closed, timers and listeners removed). It owns the SDK client; components read the
// state through subscriptions (hooks.ts) and change it only through the methods here.
import {
  createClient,
  RequestError,
  type ChatMessage,
  type DocVersion,
  type FileDescriptor,
  type ParleyClient,
  type SearchOptions,
  type UserRef,
} from '../../../src/client/index.js';
import { LinkCache, uploadWithProgress } from '../files.js';
import type { Browser } from '../browser.js';
import { documentTitle, type AppState, type DirectoryEntry } from '../state/app.js';
import { applyReadMarker, lastSeq, markViewed, mergeMessages, newRoom, patch, type RoomState } from '../state/room.js';
import { leaveView, openView } from '../state/room-view.js';
import { saved } from '../storage.js';
import { listenToClient } from './client-events.js';
import { RoomSync } from './room-sync.js';
import { StateBox } from './state-box.js';

const DIRECTORY_MS = 15_000;

/** A guest names itself; an account connects with its session token. */
export type Identity = { nick: string } | { token: string };

/** Moderation verbs the members list offers. */
export type ModerationVerb = 'kick' | 'ban' | 'mute';

export class ChatStore {
  readonly #box: StateBox;
  readonly #client: ParleyClient;
  readonly #sync: RoomSync;
  readonly #browser: Browser;
  readonly #stops: (() => void)[] = [];
  #directoryTimer: ReturnType<typeof setInterval> | undefined;
  /** The room in view on the last visit, focused once the server lists it among my rooms. */
  #wantedActive: string | null = null;
  /** The room in view when the app started, until the first `rooms` reply has its read marker. */
  #firstView: string | null = null;
  #disposed = false;

  constructor(
    readonly identity: Identity,
    browser: Browser,
  ) {
    this.#browser = browser;
    const resume = saved.resume();
    const options = 'token' in identity ? { token: identity.token } : resume === null ? identity : { ...identity, resume };
    this.#client = createClient(browser.socketUrl, options);
    // An account's rooms are the server's (`rooms` says which it joined, on any device): rejoining
    // this device's old list would undo a leave made elsewhere. A guest's are this browser's.
    const rooms = 'token' in identity ? [] : saved.rooms();
    if (rooms.length === 0) rooms.push('lobby');
    const active = ('token' in identity ? undefined : saved.active()) ?? rooms[0] ?? 'lobby';
    if (!rooms.includes(active)) rooms.push(active);
    this.#wantedActive = saved.active();
    this.#box = new StateBox({
      rooms: new Map(),
      active,
      connection: { state: 'connecting', attempt: 0, wasOpen: false },
      backOnlineAt: 0,
      directory: [],
      notice: undefined,
      dmPeers: new Map(),
      me: undefined,
      signedIn: 'token' in identity,
      notifications: browser.notifications(),
      unsent: 0,
      threads: [],
    });
    this.#sync = new RoomSync(this.#client, this.#box, browser);
    // The room in view on arrival (or the one an account last looked at) opens at its first unread
    // message once `rooms` says how far I read it; until then nothing marks it read.
    this.#firstView = active;
    this.#sync.awaitMarker(active);
    this.#stops.push(
      listenToClient(this.#client, {
        box: this.#box,
        sync: this.#sync,
        browser,
        join: (room) => this.join(room, false),
        select: (room) => this.select(room),
        forget: (room) => this.#forget(room),
        notify: (text) => this.#notify(text),
        ready: () => this.#pollDirectory(),
        refreshDirectory: () => this.refreshDirectory(),
        threadsChanged: () => this.#refreshThreads(),
      }),
      browser.watch({
        visible: () => this.select(this.state.active),
        // The browser knows before the socket does: drop a dead connection at once, retry when back.
        network: () => this.#client.reconnect(),
      }),
      this.#box.subscribe(() => browser.setTitle(documentTitle(this.state))),
    );
    for (const room of rooms) this.join(room, false);
    // Sends the last visit queued but never saw acknowledged go out again under their own cids: the
    // server stores each at most once, whether or not it had them already.
    for (const send of saved.outbox()) {
      const again = {
        cid: send.cid,
        ...(send.replyTo === undefined ? {} : { replyTo: send.replyTo }),
        ...(send.thread === undefined ? {} : { thread: send.thread }),
        ...(send.alsoInRoom === undefined ? {} : { alsoInRoom: true }),
        ...(send.files === undefined ? {} : { files: send.files }),
      };
      if (this.state.rooms.has(send.room)) this.#client.send(send.room, send.text, again).catch(() => undefined);
    }
    this.#client.open().catch(() => undefined);
  }

  get state(): AppState {
    return this.#box.state;
  }

  subscribe(listener: () => void): () => void {
    return this.#box.subscribe(listener);
  }

  subscribeRoom(room: string, listener: () => void): () => void {
    return this.#box.subscribeRoom(room, listener);
  }

  /** Closes the socket and stops every timer and listener; the store is not used after this. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const stop of this.#stops.splice(0)) stop();
    clearInterval(this.#directoryTimer);
    this.#sync.stop();
    this.#box.close();
    this.#client.close();
  }

  /** Joins (or creates) `room`; with `focus`, switches to it. */
  join(room: string, focus = true): void {
    if (!this.state.rooms.has(room)) {
      const rooms = new Map(this.state.rooms).set(room, newRoom(room));
      this.#box.set({ rooms });
      saved.setRooms([...rooms.keys()]);
      this.#client.join(room).catch((error: unknown) => {
        if (error instanceof Error) this.#notify(`#${room}: ${error.message}`);
        // A refused join (the SDK already dropped the room) takes the room out of the sidebar.
        if (!this.#client.rooms.includes(room)) this.#forget(room);
      });
    }
    if (focus) this.select(room);
  }

  async leave(room: string): Promise<void> {
    const view = this.state.rooms.get(room);
    if (view?.access?.dm === true) saved.setClosedDms({ ...saved.closedDms(), [room]: lastSeq(view) });
    this.#forget(room);
    await this.#client.leave(room).catch(() => undefined);
  }

  select(room: string): void {
    if (this.#disposed || !this.state.rooms.has(room)) return;
    if (this.state.active !== room) this.#box.updateRoom(this.state.active, leaveView);
    this.#box.set({ active: room });
    this.#box.updateRoom(room, (state) => markViewed(openView(state)));
    saved.setActive(room);
    this.#sync.readMembers(room);
    this.#sync.markSeen(room);
  }

  /**
   * Sends `text` to the room in view, as an answer to the message its composer is replying to,
   * with the files uploaded for it (their ids).
   */
  send(text: string, files: readonly string[] = []): void {
    const room = this.state.active;
    const replyTo = this.state.rooms.get(room)?.replyTo?.seq;
    this.#box.updateRoom(room, (state) => patch(state, { replyTo: undefined }));
    const options = replyTo === undefined ? {} : { replyTo };
    this.#client.send(room, text, files.length === 0 ? options : { ...options, files }).catch((error: unknown) => {
      if (files.length > 0 && error instanceof Error) this.#notify(`not sent: ${error.message}`);
    });
  }

  /**
   * Opens the thread of `root` in the side panel (undefined closes it) and reads its replies: they
   * join the room's messages (each has its seq), shown in the panel and not in the timeline.
   */
  openThread(room: string, root: number | undefined): void {
    this.#box.updateRoom(room, (state) => patch(state, { thread: root }));
    if (root === undefined) return;
    this.#client.thread(room, root, { limit: 100 }).then(
      (found) => this.#box.updateRoom(room, (state) => mergeMessages(state, [found.root, ...found.messages])),
      (error: unknown) => {
        if (error instanceof Error) this.#notify(`thread: ${error.message}`);
      },
    );
  }

  /** Reads the followed threads again, at most one read at a time (a burst of replies costs one more). */
  #refreshThreads(): void {
    if (this.#threadsReading) {
      this.#threadsAgain = true;
      return;
    }
    this.#threadsReading = true;
    this.#client
      .threads()
      .then(
        (threads) => this.#box.set({ threads }),
        () => undefined,
      )
      .finally(() => {
        this.#threadsReading = false;
        if (this.#threadsAgain && !this.#disposed) {
          this.#threadsAgain = false;
          this.#refreshThreads();
        }
      });
  }

  #threadsReading = false;
  #threadsAgain = false;

  /** The thread's replies up to `seq` are read, here and on my other devices. */
  markThreadRead(room: string, root: number, seq: number): void {
    const known = this.state.threads.find((thread) => thread.room === room && thread.root === root);
    if (known !== undefined && known.read >= seq) return;
    this.#client.markThreadRead(room, root, seq).then(
      () => this.#refreshThreads(),
      () => undefined,
    );
  }

  /** A reply in the thread open in `room`'s panel; with `alsoInRoom`, shown in the room too. */
  sendInThread(room: string, text: string, alsoInRoom: boolean): void {
    const root = this.state.rooms.get(room)?.thread;
    if (root === undefined) return;
    this.#client.send(room, text, alsoInRoom ? { thread: root, alsoInRoom } : { thread: root }).catch((error: unknown) => {
      if (error instanceof Error) this.#notify(`not sent: ${error.message}`);
    });
  }

  /** What the files API takes as Authorization: the session token, or a guest's resume token. */
  bearer(): string | undefined {
    return 'token' in this.identity ? this.identity.token : this.#client.resumeToken;
  }

  /** Download links, shared by every message on the page. */
  readonly links = new LinkCache(() => this.bearer());

  /** Uploads one file for the next message; rejects with the server's reason (too large, daily bytes). */
  upload(file: Blob, name: string, progress: (fraction: number) => void): Promise<FileDescriptor> {
    const bearer = this.bearer();
    if (bearer === undefined) return Promise.reject(new Error('not connected yet'));
    return uploadWithProgress(bearer, file, name, progress);
  }

  /** The composer of `room` answers `message` (undefined: answers nothing). */
  replyTo(room: string, message: ChatMessage | undefined): void {
    this.#box.updateRoom(room, (state) => patch(state, { replyTo: message }));
  }

  typing(room: string, thread?: number): void {
    this.#client.typing(room, thread);
  }

  loadOlder(room: string, limit?: number): Promise<void> {
    return this.#sync.loadOlder(room, limit);
  }

  /** Switches to `room` and brings its message `seq` into view (the list loads older pages to it). */
  reveal(room: string, seq: number): void {
    if (!this.state.rooms.has(room)) this.join(room, false);
    this.select(room);
    this.#box.updateRoom(room, (state) => patch(state, { focus: { seq, why: 'found' } }));
  }

  /** The list has brought the focused message into view (or found it is not there). */
  focused(room: string): void {
    this.#box.updateRoom(room, (state) => patch(state, { focus: undefined }));
  }

  /** Starts editing my message `seq` in place (undefined: stops). */
  startEdit(room: string, seq: number | undefined): void {
    this.#box.updateRoom(room, (state) => patch(state, { editing: seq }));
  }

  search(room: string, text: string, options: SearchOptions): Promise<{ messages: ChatMessage[]; from: number }> {
    return this.#client.search(room, text, options);
  }

  reconnect(): void {
    this.#client.reconnect();
  }

  /**
   * Creates a room I own (private when asked), then joins it. A public room that exists already is
   * simply joined; a private one cannot be made of an existing name, which is said.
   */
  async create(room: string, isPrivate: boolean): Promise<void> {
    try {
      await this.#client.command('create', { room, private: isPrivate });
    } catch (error) {
      const exists = error instanceof RequestError && error.code === 'room_exists';
      if (!exists || isPrivate) {
        this.#notify(error instanceof Error ? error.message : String(error));
        throw error;
      }
    }
    this.join(room);
  }

  /** Opens (or reopens) the DM with `user` and switches to it. */
  async openDm(user: UserRef): Promise<void> {
    const { room } = await this.#attempt(this.#client.command('dm', { user: user.id }));
    this.#box.set({ dmPeers: new Map(this.state.dmPeers).set(room, user) });
    this.join(room);
  }

  async invite(room: string, user: UserRef): Promise<void> {
    await this.#attempt(this.#client.command('invite', { room, user: user.id }));
    this.#notify(`${user.name} is invited to #${room}`);
  }

  /** Archives the room I own (read-only, out of the directory), or opens it again. */
  async archive(room: string, archived: boolean): Promise<void> {
    await this.#attempt(this.#client.command('archive', { room, archived }));
  }

  /** Deletes the room I own, with all its messages; everyone in it is taken out (a `directory` push). */
  async destroy(room: string): Promise<void> {
    await this.#attempt(this.#client.command('destroy', { room }));
  }

  /** Where the rooms' shared documents are (a stock y-websocket provider appends /<room>). */
  get docUrl(): string {
    return this.#browser.socketUrl.replace(/\/ws$/, '/yjs');
  }

  /** A single-use ticket for the room's document, over the chat connection. */
  async ticket(room: string): Promise<string> {
    return (await this.#client.command('ticket', { room })).ticket;
  }

  async docVersions(room: string): Promise<DocVersion[]> {
    return (await this.#attempt(this.#client.command('docversions', { room }))).versions;
  }

  async saveDocVersion(room: string, name: string): Promise<void> {
    await this.#attempt(this.#client.command('docsave', { room, name }));
  }

  /** A version's text; `restore` writes it back as a new change of the document. */
  async docVersion(room: string, version: number, restore: boolean): Promise<{ version: DocVersion; text: string }> {
    return this.#attempt(this.#client.command('docversion', { room, version, restore }));
  }

  async setTopic(room: string, topic: string): Promise<void> {
    await this.#attempt(this.#client.command('topic', { room, topic }));
  }

  async moderate(verb: ModerationVerb, room: string, user: UserRef): Promise<void> {
    if (verb === 'mute') await this.#attempt(this.#client.command('mute', { room, user: user.id, seconds: 300 }));
    else await this.#attempt(this.#client.command(verb, { room, user: user.id }));
  }

  async edit(room: string, seq: number, text: string): Promise<void> {
    await this.#attempt(this.#client.command('edit', { room, seq, text }));
  }

  async remove(room: string, seq: number): Promise<void> {
    await this.#attempt(this.#client.command('delete', { room, seq }));
  }

  async react(room: string, seq: number, emoji: string, on: boolean): Promise<void> {
    await this.#attempt(this.#client.command('react', { room, seq, emoji, on }));
  }

  /** Asks for desktop notifications (a browser shows its prompt only in answer to a click). */
  async enableNotifications(): Promise<void> {
    await this.#browser.requestNotifications();
    this.#box.set({ notifications: this.#browser.notifications() });
  }

  refreshDirectory(): void {
    // Rooms whose join was answered before this request: the reply knows whether they are still mine.
    const settled = [...this.state.rooms.values()].filter((view) => view.access !== undefined).map((view) => view.name);
    this.#client.listRooms().then(
      (rooms) => {
        if (this.#disposed) return;
        const wanted = this.#wantedActive;
        this.#followJoined(rooms, settled);
        const dmPeers = new Map(this.state.dmPeers);
        for (const entry of rooms) if (entry.peer !== undefined) dmPeers.set(entry.room, entry.peer);
        this.#box.set({ directory: rooms.sort((a, b) => b.online - a.online || b.seq - a.seq), dmPeers });
        this.#reopenDms(rooms);
        const first = this.#firstView;
        this.#firstView = null;
        // The first view counts its unread from the server's marker, as a room out of view does.
        const inView = (room: string): boolean => room === this.state.active && room !== first && !this.#browser.hidden();
        for (const entry of rooms) this.#box.updateRoom(entry.room, (state) => applyReadMarker(state, entry, inView(entry.room)));
        if (first === null) return;
        this.#sync.markerKnown();
        // Opened now, as a click would: at the divider above the first unread message (unless I
        // went to another room meanwhile; the room last looked at on an account is gone to at once).
        if (this.state.rooms.has(first) && (this.state.active === first || first === wanted)) this.select(first);
      },
      () => undefined,
    );
  }

  /**
   * My rooms follow me across devices: a room I joined elsewhere comes into the sidebar, one I left
   * elsewhere goes (DMs come and go by their own rule, see #reopenDms; the lobby always stays).
   */
  #followJoined(rooms: DirectoryEntry[], settled: string[]): void {
    for (const entry of rooms) {
      if (entry.joined === true && !entry.dm && !this.state.rooms.has(entry.room)) this.join(entry.room, false);
    }
    const listed = new Map(rooms.map((entry) => [entry.room, entry]));
    for (const room of settled) {
      const entry = listed.get(room);
      if (entry !== undefined && !entry.dm && entry.joined !== true && room !== 'lobby') this.#forget(room);
    }
    const wanted = this.#wantedActive;
    this.#wantedActive = null;
    // The room last looked at is opened once the read markers are in (see refreshDirectory).
    if (wanted !== null && this.state.rooms.has(wanted)) this.#firstView = wanted;
  }

  /** Room sizes and new public rooms change all the time; the directory is read again now and then. */
  #pollDirectory(): void {
    this.refreshDirectory();
    clearInterval(this.#directoryTimer);
    this.#directoryTimer = setInterval(() => {
      if (this.state.connection.state === 'open') this.refreshDirectory();
    }, DIRECTORY_MS);
  }

  /**
   * DMs with messages I have not seen come into the sidebar: one started while I was away, or one I
   * closed that has a newer message (the `rooms` list names every DM I am in).
   */
  #reopenDms(rooms: DirectoryEntry[]): void {
    const closed = saved.closedDms();
    let reopened = false;
    for (const entry of rooms) {
      const seen = closed[entry.room] ?? 0;
      if (!entry.dm || this.state.rooms.has(entry.room) || entry.seq <= seen) continue;
      delete closed[entry.room];
      reopened = true;
      this.join(entry.room, false);
      this.#box.updateRoom(entry.room, (state: RoomState) => patch(state, { unseenAfter: seen }));
    }
    if (reopened) saved.setClosedDms(closed);
  }

  async #attempt<T>(request: Promise<T>): Promise<T> {
    try {
      return await request;
    } catch (error) {
      this.#notify(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }

  #notify(text: string): void {
    this.#box.set({ notice: { text, at: Date.now() } });
  }

  #forget(room: string): void {
    if (this.#disposed) return;
    const rooms = new Map(this.state.rooms);
    rooms.delete(room);
    this.#box.set({ rooms });
    saved.setRooms([...rooms.keys()]);
    if (this.state.active === room) this.select([...rooms.keys()][0] ?? 'lobby');
    if (rooms.size === 0) this.join('lobby');
  }
}
