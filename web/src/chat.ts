// The app's state, built from SDK events: per room the messages (unique by seq, ascending), the
// pending sends, unread count, online members and who is typing. Components subscribe and re-render
// on change; all writes go through the SDK.
import {
  createClient,
  type ChatMessage,
  type ParleyClient,
  type PendingMessage,
  type StateChange,
  type UserRef,
} from '../../src/client/index.js';
import { saved } from './storage.js';

export const PAGE = 50;
const TYPING_MS = 5000;
export const ROOM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface RoomView {
  name: string;
  messages: ChatMessage[];
  pending: PendingMessage[];
  unread: number;
  members: Map<string, UserRef>;
  typing: Map<string, { user: UserRef; until: number }>;
  /** Whether history before the oldest loaded message may exist. */
  hasOlder: boolean;
  loadingOlder: boolean;
  /** The first page of history arrived. */
  loaded: boolean;
}

export interface DirectoryEntry {
  room: string;
  seq: number;
  online: number;
}

export class Chat {
  readonly client: ParleyClient;
  readonly rooms = new Map<string, RoomView>();
  active: string;
  connection: StateChange = { state: 'connecting', attempt: 0, wasOpen: false };
  /** When the connection came back after a drop (for the "back online" banner). */
  backOnlineAt = 0;
  directory: DirectoryEntry[] = [];
  #listeners = new Set<() => void>();
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #queued = false;

  constructor(readonly nick: string) {
    const resume = saved.resume();
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.client = createClient(`${scheme}://${location.host}/ws`, resume === null ? { nick } : { nick, resume });
    const rooms = saved.rooms();
    if (rooms.length === 0) rooms.push('lobby');
    this.active = saved.active() ?? rooms[0] ?? 'lobby';
    if (!rooms.includes(this.active)) rooms.push(this.active);
    this.#wire();
    for (const room of rooms) this.join(room, false);
    this.client.open().catch(() => this.#changed());
  }

  get me(): UserRef | undefined {
    return this.client.user;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  view(room: string): RoomView | undefined {
    return this.rooms.get(room);
  }

  /** Joins (or creates) `room`; with `focus`, switches to it. */
  join(room: string, focus = true): void {
    if (!this.rooms.has(room)) {
      this.rooms.set(room, {
        name: room,
        messages: [],
        pending: [],
        unread: 0,
        members: new Map(),
        typing: new Map(),
        hasOlder: true,
        loadingOlder: false,
        loaded: false,
      });
      saved.setRooms([...this.rooms.keys()]);
      this.client.join(room).catch(() => {
        // A refused join (the SDK already dropped the room) takes the room out of the sidebar.
        if (!this.client.rooms.includes(room)) this.#forget(room);
      });
    }
    if (focus) this.select(room);
    this.#changed();
  }

  async leave(room: string): Promise<void> {
    this.#forget(room);
    await this.client.leave(room).catch(() => undefined);
  }

  select(room: string): void {
    const view = this.rooms.get(room);
    if (view === undefined) return;
    this.active = room;
    view.unread = 0;
    saved.setActive(room);
    this.#changed();
  }

  send(text: string): void {
    this.client.send(this.active, text).catch(() => this.#changed());
  }

  /** Loads the page of history before the oldest message shown. */
  async loadOlder(room: string): Promise<void> {
    const view = this.rooms.get(room);
    if (view === undefined || view.loadingOlder || !view.hasOlder || !view.loaded) return;
    const oldest = view.messages[0]?.seq;
    if (oldest === undefined || oldest <= 1) {
      view.hasOlder = false;
      this.#changed();
      return;
    }
    view.loadingOlder = true;
    this.#changed();
    try {
      const older = await this.client.history(room, { before: oldest, limit: PAGE });
      view.hasOlder = older.length === PAGE && (older[0]?.seq ?? 1) > 1;
      this.#merge(view, older);
    } catch {
      // Offline: tried again on the next scroll.
    } finally {
      view.loadingOlder = false;
      this.#changed();
    }
  }

  typingNames(room: string): string[] {
    const view = this.rooms.get(room);
    if (view === undefined) return [];
    const now = Date.now();
    return [...view.typing.values()].filter((entry) => entry.until > now).map((entry) => entry.user.name);
  }

  /** Pending sends not yet shown as stored messages. */
  pendingOf(view: RoomView): PendingMessage[] {
    if (view.pending.length === 0) return view.pending;
    const me = this.me?.id;
    const stored = new Set(view.messages.filter((m) => m.from.id === me).map((m) => m.cid));
    return view.pending.filter((p) => !stored.has(p.cid));
  }

  totalUnread(): number {
    let total = 0;
    for (const view of this.rooms.values()) total += view.unread;
    return total;
  }

  refreshDirectory(): void {
    this.client.listRooms().then(
      (rooms) => {
        this.directory = rooms.sort((a, b) => b.online - a.online || b.seq - a.seq);
        this.#changed();
      },
      () => undefined,
    );
  }

  #forget(room: string): void {
    this.rooms.delete(room);
    saved.setRooms([...this.rooms.keys()]);
    if (this.active === room) this.select([...this.rooms.keys()][0] ?? 'lobby');
    if (this.rooms.size === 0) this.join('lobby');
    this.#changed();
  }

  #wire(): void {
    const client = this.client;
    client.on('state', (change) => {
      if (change.state === 'open' && this.connection.wasOpen && this.connection.state !== 'open') this.backOnlineAt = Date.now();
      this.connection = change;
      this.#changed();
    });
    client.on('ready', () => {
      const token = client.resumeToken;
      if (token !== undefined) saved.setResume(token);
      this.refreshDirectory();
    });
    client.on('joined', (event) => {
      const view = this.rooms.get(event.room);
      if (view === undefined) return;
      view.members = new Map(event.members.map((member) => [member.id, member]));
      if (!view.loaded || !event.recovered) void this.#loadRecent(view, event.seq);
      this.#changed();
    });
    // Too much was missed to replay: start the room over from its newest page (the 'joined' event
    // that follows loads it), so the list stays contiguous and scrolling up fills in the rest.
    client.on('gap', (gap) => {
      const view = this.rooms.get(gap.room);
      if (view === undefined) return;
      view.messages = [];
      view.loaded = false;
      view.hasOlder = true;
    });
    client.on('message', (message) => {
      const view = this.rooms.get(message.room);
      if (view === undefined) return;
      this.#merge(view, [message]);
      view.typing.delete(message.from.id);
      const mine = message.from.id === this.me?.id;
      if (!mine && (message.room !== this.active || document.hidden)) view.unread += 1;
      this.#changed();
    });
    client.on('presence', (push) => {
      const view = this.rooms.get(push.room);
      if (view === undefined) return;
      if (push.event === 'join') view.members.set(push.user.id, push.user);
      else {
        view.members.delete(push.user.id);
        view.typing.delete(push.user.id);
      }
      this.#changed();
    });
    client.on('typing', (push) => {
      const view = this.rooms.get(push.room);
      if (view === undefined || push.user.id === this.me?.id) return;
      view.typing.set(push.user.id, { user: push.user, until: Date.now() + TYPING_MS });
      this.#changed();
      clearTimeout(this.#typingTimer);
      this.#typingTimer = setTimeout(() => this.#changed(), TYPING_MS + 50);
    });
    client.on('outbox', ({ room, pending }) => {
      const view = this.rooms.get(room);
      if (view === undefined) return;
      view.pending = pending;
      this.#changed();
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) this.select(this.active);
    });
    // The browser knows before the socket does: drop a dead connection at once, retry when back.
    window.addEventListener('offline', () => client.reconnect());
    window.addEventListener('online', () => client.reconnect());
  }

  /** The newest page, up to the seq the join reported (later ones arrive as events). */
  async #loadRecent(view: RoomView, seq: number): Promise<void> {
    if (seq === 0) {
      view.loaded = true;
      view.hasOlder = false;
      this.#changed();
      return;
    }
    try {
      const recent = await this.client.history(view.name, { before: seq + 1, limit: PAGE });
      if (!view.loaded) view.hasOlder = recent.length === PAGE && (recent[0]?.seq ?? 1) > 1;
      view.loaded = true;
      this.#merge(view, recent);
    } catch {
      // Offline again: the next join loads it.
    }
    this.#changed();
  }

  #merge(view: RoomView, incoming: ChatMessage[]): void {
    if (incoming.length === 0) return;
    const last = view.messages.at(-1);
    if (incoming.length === 1 && incoming[0] !== undefined && (last === undefined || incoming[0].seq > last.seq)) {
      view.messages = [...view.messages, incoming[0]];
      return;
    }
    const bySeq = new Map(view.messages.map((message) => [message.seq, message]));
    for (const message of incoming) bySeq.set(message.seq, message);
    view.messages = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Coalesces a burst of events into one render. */
  #changed(): void {
    if (this.#queued) return;
    this.#queued = true;
    queueMicrotask(() => {
      this.#queued = false;
      for (const listener of this.#listeners) listener();
    });
  }
}
