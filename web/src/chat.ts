// The app's state, built from SDK events: per room the messages (unique by seq, ascending), the
// pending sends, unread count, online members and who is typing. Components subscribe and re-render
// on change; all writes go through the SDK.
import {
  createClient,
  type ChatMessage,
  type ParleyClient,
  type PendingMessage,
  type RoomAccess,
  type RoomEventPush,
  type StateChange,
  type UserRef,
} from '../../src/client/index.js';
import { saved } from './storage.js';

export const PAGE = 50;
const TYPING_MS = 5000;
const DIRECTORY_MS = 15_000;
/**
 * Read markers of one room go to the server at most this often: in a busy room every viewer would
 * otherwise write one per message (a store write and a notice each).
 */
const READ_MS = 2000;
export const ROOM_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface RoomView {
  name: string;
  messages: ChatMessage[];
  pending: PendingMessage[];
  unread: number;
  /** Users known to be online: all of them in a small room, the first thousand in a big one. */
  members: Map<string, UserRef>;
  /** How many users are online (a big room sends no presence pushes: this is as of the join). */
  online: number;
  /** The full list (up to 1,000) was asked for since the last join. */
  membersRead: boolean;
  typing: Map<string, { user: UserRef; until: number }>;
  /** Whether history before the oldest loaded message may exist. */
  hasOlder: boolean;
  loadingOlder: boolean;
  /** The first page of history arrived. */
  loaded: boolean;
  /** The room's settings and my role, from the join. */
  access: RoomAccess | undefined;
  /** Until when I may not send here (0: not muted). */
  mutedUntil: number;
  /**
   * A DM that came into the sidebar by itself: messages after this seq are unread, counted when
   * the join says how far the room has got (messages stored before the join arrive as history).
   */
  unseenAfter: number | undefined;
  /** How far I have read the room, as the server keeps it for all my devices. */
  readSeq: number;
  /** Unread messages that mention me by name (counted live, while the room is out of view). */
  mentions: number;
  /** The message the composer is answering, if any. */
  replyTo: ChatMessage | undefined;
}

/** Users online in the room: the count from the server, or the list when it knows more. */
export function onlineCount(view: RoomView): number {
  return Math.max(view.online, view.members.size);
}

/** Moderation verbs the members list offers. */
export type ModerationVerb = 'kick' | 'ban' | 'mute';

export interface DirectoryEntry {
  room: string;
  seq: number;
  online: number;
  read: number;
  private: boolean;
  dm: boolean;
}

export class Chat {
  readonly client: ParleyClient;
  readonly rooms = new Map<string, RoomView>();
  active: string;
  connection: StateChange = { state: 'connecting', attempt: 0, wasOpen: false };
  /** When the connection came back after a drop (for the "back online" banner). */
  backOnlineAt = 0;
  directory: DirectoryEntry[] = [];
  /** The last refusal or notice to show (e.g. "you were removed from #x"), with when it happened. */
  notice: { text: string; at: number } | undefined;
  /** DM room → the other user, for labels. */
  readonly dmPeers = new Map<string, UserRef>();
  #listeners = new Set<() => void>();
  #mentionPattern: { name: string; pattern: RegExp } | undefined;
  /** Rooms with a read marker on its way (one request per room at a time, at most every READ_MS). */
  readonly #reading = new Set<string>();
  #typingTimer: ReturnType<typeof setTimeout> | undefined;
  #directoryTimer: ReturnType<typeof setInterval> | undefined;
  #queued = false;

  /** A guest names itself; an account connects with its session token. */
  constructor(readonly identity: { nick: string } | { token: string }) {
    const resume = saved.resume();
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const options = 'token' in identity ? { token: identity.token } : resume === null ? identity : { ...identity, resume };
    this.client = createClient(`${scheme}://${location.host}/ws`, options);
    const rooms = saved.rooms();
    if (rooms.length === 0) rooms.push('lobby');
    this.active = saved.active() ?? rooms[0] ?? 'lobby';
    if (!rooms.includes(this.active)) rooms.push(this.active);
    this.#wire();
    for (const room of rooms) this.join(room, false);
    // Sends the last visit queued but never saw acknowledged go out again under their own cids: the
    // server stores each at most once, whether or not it had them already.
    for (const send of saved.outbox()) {
      const options = send.replyTo === undefined ? { cid: send.cid } : { cid: send.cid, replyTo: send.replyTo };
      if (this.rooms.has(send.room)) this.client.send(send.room, send.text, options).catch(() => this.#changed());
    }
    this.client.open().catch(() => this.#changed());
  }

  get signedIn(): boolean {
    return 'token' in this.identity;
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
        online: 0,
        membersRead: false,
        typing: new Map(),
        hasOlder: true,
        loadingOlder: false,
        loaded: false,
        access: undefined,
        mutedUntil: 0,
        unseenAfter: undefined,
        readSeq: 0,
        mentions: 0,
        replyTo: undefined,
      });
      saved.setRooms([...this.rooms.keys()]);
      this.client.join(room).catch((error: unknown) => {
        if (error instanceof Error) this.#notify(`#${room}: ${error.message}`);
        // A refused join (the SDK already dropped the room) takes the room out of the sidebar.
        if (!this.client.rooms.includes(room)) this.#forget(room);
      });
    }
    if (focus) this.select(room);
    this.#changed();
  }

  async leave(room: string): Promise<void> {
    const view = this.rooms.get(room);
    if (view?.access?.dm === true) saved.setClosedDms({ ...saved.closedDms(), [room]: view.messages.at(-1)?.seq ?? 0 });
    this.#forget(room);
    await this.client.leave(room).catch(() => undefined);
  }

  select(room: string): void {
    const view = this.rooms.get(room);
    if (view === undefined) return;
    this.active = room;
    view.unread = 0;
    view.mentions = 0;
    saved.setActive(room);
    this.#readMembers(view);
    this.#markSeen(view);
    this.#changed();
  }

  send(text: string): void {
    const view = this.rooms.get(this.active);
    const replyTo = view?.replyTo?.seq;
    if (view !== undefined) view.replyTo = undefined;
    this.client.send(this.active, text, replyTo === undefined ? {} : { replyTo }).catch(() => this.#changed());
  }

  /** The composer of `room` answers `message` (undefined: answers nothing). */
  replyTo(room: string, message: ChatMessage | undefined): void {
    const view = this.rooms.get(room);
    if (view === undefined) return;
    view.replyTo = message;
    this.#changed();
  }

  /** A message of the room as loaded here, for quoting; undefined when it is not loaded. */
  loaded(room: string, seq: number): ChatMessage | undefined {
    const messages = this.rooms.get(room)?.messages ?? [];
    // Messages are in seq order: a binary search, since a room in view may hold thousands.
    let low = 0;
    let high = messages.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const found = messages[middle];
      if (found === undefined) return undefined;
      if (found.seq === seq) return found;
      if (found.seq < seq) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  /** Creates a room I own (private when asked), then joins it. */
  async create(room: string, isPrivate: boolean): Promise<void> {
    await this.#attempt(this.client.command('create', { room, private: isPrivate }));
    this.join(room);
  }

  /** Opens (or reopens) the DM with `user` and switches to it. */
  async openDm(user: UserRef): Promise<void> {
    const { room } = await this.#attempt(this.client.command('dm', { user: user.id }));
    this.dmPeers.set(room, user);
    this.join(room);
  }

  async invite(room: string, user: UserRef): Promise<void> {
    await this.#attempt(this.client.command('invite', { room, user: user.id }));
    this.#notify(`${user.name} is invited to #${room}`);
  }

  async setTopic(room: string, topic: string): Promise<void> {
    await this.#attempt(this.client.command('topic', { room, topic }));
  }

  async moderate(verb: ModerationVerb, room: string, user: UserRef): Promise<void> {
    if (verb === 'mute') await this.#attempt(this.client.command('mute', { room, user: user.id, seconds: 300 }));
    else await this.#attempt(this.client.command(verb, { room, user: user.id }));
  }

  async edit(room: string, seq: number, text: string): Promise<void> {
    await this.#attempt(this.client.command('edit', { room, seq, text }));
  }

  async remove(room: string, seq: number): Promise<void> {
    await this.#attempt(this.client.command('delete', { room, seq }));
  }

  async react(room: string, seq: number, emoji: string, on: boolean): Promise<void> {
    await this.#attempt(this.client.command('react', { room, seq, emoji, on }));
  }

  /** How a room is called in the UI: DMs by the other user's name (without the sigil). */
  label(room: string): string {
    const peer = this.dmPeers.get(room);
    if (peer !== undefined) return peer.name;
    const view = this.rooms.get(room);
    if (view?.access?.dm === true || room.startsWith('dm-')) {
      const other = [...(view?.members.values() ?? [])].find((m) => m.id !== this.me?.id);
      if (other !== undefined) this.dmPeers.set(room, other);
      return other !== undefined ? other.name : 'Direct message';
    }
    return room;
  }

  /** The room with its sigil, as text: `#general`, `@ada`. */
  title(room: string): string {
    const dm = this.rooms.get(room)?.access?.dm === true || room.startsWith('dm-');
    return `${dm ? '@' : '#'}${this.label(room)}`;
  }

  /** Whether the browser may show desktop notifications; 'default' until the person is asked. */
  get notifications(): NotificationPermission | 'unsupported' {
    return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
  }

  /** Asks for desktop notifications (a browser shows its prompt only in answer to a click). */
  async enableNotifications(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    await Notification.requestPermission();
    this.#changed();
  }

  /** A DM or a mention while I am looking elsewhere: a desktop notification, when allowed. */
  #desktopNotice(message: ChatMessage): void {
    if (this.notifications !== 'granted') return;
    const notice = new Notification(`${message.from.name} in ${this.title(message.room)}`, {
      body: message.text.length > 140 ? `${message.text.slice(0, 139)}…` : message.text,
      tag: `parley-${message.room}`,
    });
    notice.onclick = () => {
      window.focus();
      this.select(message.room);
      notice.close();
    };
  }

  /** Whether someone else's message names me (`ada`, `@ada`, any case, as a whole word). */
  mentionsMe(message: ChatMessage): boolean {
    const me = this.me;
    if (me === undefined || message.from.id === me.id) return false;
    if (this.#mentionPattern?.name !== me.name) {
      const escaped = me.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      this.#mentionPattern = { name: me.name, pattern: new RegExp(`(?<![\\p{L}\\p{N}_])@?${escaped}(?![\\p{L}\\p{N}_])`, 'iu') };
    }
    return this.#mentionPattern.pattern.test(message.text);
  }

  /** Whether I moderate the room (kick, ban, mute, invite, delete anyone's). */
  moderates(room: string): boolean {
    const role = this.rooms.get(room)?.access?.role;
    return role === 'owner' || role === 'moderator';
  }

  /** Every user I have seen in any room, for the invite picker. */
  knownUsers(): UserRef[] {
    const users = new Map<string, UserRef>();
    for (const view of this.rooms.values()) for (const member of view.members.values()) users.set(member.id, member);
    for (const peer of this.dmPeers.values()) users.set(peer.id, peer);
    if (this.me !== undefined) users.delete(this.me.id);
    return [...users.values()].sort((a, b) => a.name.localeCompare(b.name));
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
    this.notice = { text, at: Date.now() };
    this.#changed();
  }

  #applyRoomEvent(push: RoomEventPush): void {
    const view = this.rooms.get(push.room);
    if (view === undefined) return;
    const update = (seq: number, change: (message: ChatMessage) => ChatMessage): void => {
      view.messages = view.messages.map((message) => (message.seq === seq ? change(message) : message));
    };
    switch (push.type) {
      case 'edit':
        update(push.seq, (message) => ({ ...message, text: push.text, editedAt: push.editedAt }));
        break;
      case 'delete':
        update(push.seq, ({ reactions: _reactions, editedAt: _editedAt, ...message }) => ({ ...message, text: '', deleted: true }));
        break;
      case 'reaction':
        update(push.seq, (message) => {
          const reactions = (message.reactions ?? []).map((r) => ({ ...r, users: [...r.users] }));
          let entry = reactions.find((r) => r.emoji === push.emoji);
          if (entry === undefined) reactions.push((entry = { emoji: push.emoji, count: 0, users: [] }));
          entry.users = push.on ? [...new Set([...entry.users, push.user])] : entry.users.filter((id) => id !== push.user);
          entry.count = push.count;
          const kept = reactions.filter((r) => r.count > 0);
          const { reactions: _old, ...rest } = message;
          return kept.length > 0 ? { ...rest, reactions: kept } : rest;
        });
        break;
      case 'topic':
        if (view.access !== undefined) {
          const { topic: _old, ...rest } = view.access;
          view.access = push.topic === '' ? rest : { ...rest, topic: push.topic };
        }
        this.#notify(push.topic === '' ? `${push.by.name} cleared the topic` : `${push.by.name} set the topic: ${push.topic}`);
        break;
      case 'muted':
        if (push.user === this.me?.id) {
          view.mutedUntil = push.until;
          this.#notify(push.until === 0 ? `You may talk in ${this.title(push.room)} again` : `You are muted in ${this.title(push.room)}`);
        }
        break;
      case 'kicked':
        if (push.user === this.me?.id) {
          this.#forget(push.room);
          this.#notify(`${push.by.name} ${push.reason === 'ban' ? 'banned' : 'removed'} you from #${push.room}`);
        } else {
          view.members.delete(push.user);
        }
        break;
    }
    this.#changed();
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
      // Seqs start at 1 without gaps; a page may be short when the server's reply budget cut it.
      view.hasOlder = (older[0]?.seq ?? 1) > 1;
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
        this.#reopenDms(rooms);
        this.#applyReadMarkers(rooms);
        this.#changed();
      },
      () => undefined,
    );
  }

  /** The room is in view: tell the server how far I have read it (at once, then at most every READ_MS). */
  #markSeen(view: RoomView): void {
    const room = view.name;
    // Offline, the next join (which loads the room again) marks it.
    if (this.#reading.has(room) || document.hidden || room !== this.active || this.connection.state !== 'open') return;
    const last = view.messages.at(-1)?.seq ?? 0;
    if (last <= view.readSeq || !this.client.rooms.includes(room)) return;
    this.#reading.add(room);
    const settled = (): void => {
      // At most one marker per READ_MS per room; messages that came in meanwhile go with the next.
      setTimeout(() => {
        this.#reading.delete(room);
        this.#markSeen(view);
      }, READ_MS);
    };
    this.client.markRead(room, last).then((seq) => {
      view.readSeq = Math.max(view.readSeq, seq);
      settled();
    }, settled);
  }

  /** Unread counts as the server keeps them, for the rooms not in view (the same on every device). */
  #applyReadMarkers(rooms: DirectoryEntry[]): void {
    for (const entry of rooms) {
      const view = this.rooms.get(entry.room);
      if (view === undefined) continue;
      view.readSeq = Math.max(view.readSeq, entry.read);
      if (entry.room === this.active && !document.hidden) continue;
      const last = Math.max(entry.seq, view.messages.at(-1)?.seq ?? 0);
      view.unread = Math.max(0, last - view.readSeq);
    }
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
      if (!entry.dm || this.rooms.has(entry.room) || entry.seq <= seen) continue;
      delete closed[entry.room];
      reopened = true;
      this.join(entry.room, false);
      const view = this.rooms.get(entry.room);
      if (view !== undefined) view.unseenAfter = seen;
    }
    if (reopened) saved.setClosedDms(closed);
  }

  /**
   * A join lists at most 100 members. When the room in view has more online, the list (up to
   * 1,000) is read once per join: only for the room someone is looking at.
   */
  #readMembers(view: RoomView): void {
    if (view.membersRead || view.online <= view.members.size || !this.client.rooms.includes(view.name)) return;
    view.membersRead = true;
    this.client.members(view.name).then(
      ({ members, online }) => {
        for (const member of members) view.members.set(member.id, member);
        view.online = online;
        this.#changed();
      },
      () => {
        view.membersRead = false;
      },
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
      // Room sizes and new public rooms change all the time; the directory is read again now and then.
      clearInterval(this.#directoryTimer);
      this.#directoryTimer = setInterval(() => {
        if (this.connection.state === 'open') this.refreshDirectory();
      }, DIRECTORY_MS);
    });
    client.on('joined', (event) => {
      const view = this.rooms.get(event.room);
      if (view === undefined) return;
      view.members = new Map(event.members.map((member) => [member.id, member]));
      view.online = event.online;
      view.membersRead = false;
      view.access = event.access;
      if (event.room === this.active) this.#readMembers(view);
      if (view.unseenAfter !== undefined) {
        if (event.room !== this.active) view.unread = Math.max(view.unread, event.seq - view.unseenAfter);
        view.unseenAfter = undefined;
      }
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
      if (!mine && (message.room !== this.active || document.hidden)) {
        view.unread += 1;
        const mention = this.mentionsMe(message);
        if (mention) view.mentions += 1;
        if (mention || view.access?.dm === true) this.#desktopNotice(message);
      } else {
        this.#markSeen(view);
      }
      this.#changed();
    });
    client.on('presence', (push) => {
      const view = this.rooms.get(push.room);
      if (view === undefined) return;
      if (push.event === 'join') {
        if (!view.members.has(push.user.id)) view.online += 1;
        view.members.set(push.user.id, push.user);
      } else {
        view.online = Math.max(0, view.online - 1);
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
    client.on('roomEvent', (push) => this.#applyRoomEvent(push));
    // I read a room on another device (or tab): what was unread here up to there is read.
    client.on('read', (push) => {
      const view = this.rooms.get(push.room);
      if (view === undefined || push.seq <= view.readSeq) return;
      view.readSeq = push.seq;
      const last = view.messages.at(-1)?.seq ?? 0;
      view.unread = Math.min(view.unread, Math.max(0, last - push.seq));
      if (view.unread === 0) view.mentions = 0;
      this.#changed();
    });
    // Invited, or someone opened a DM with me: the room joins the sidebar (not focused) at once.
    client.on('invited', (push) => {
      if (push.dm) this.dmPeers.set(push.room, push.by);
      if (this.rooms.has(push.room)) return;
      this.join(push.room, false);
      const view = this.rooms.get(push.room);
      if (push.dm && view !== undefined) view.unseenAfter = saved.closedDms()[push.room] ?? 0;
      this.#notify(push.dm ? `${push.by.name} started a conversation with you` : `${push.by.name} invited you to #${push.room}`);
    });
    // A notice from another system (the server API): shown like an invitation's.
    client.on('notice', (push) => this.#notify(`${push.by.name}: ${push.text}`));
    client.on('outbox', ({ room, pending }) => {
      saved.setOutbox(
        client.pending().map(({ room: where, text, cid, replyTo }) => (replyTo === undefined ? { room: where, text, cid } : { room: where, text, cid, replyTo })),
      );
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
      if (!view.loaded) view.hasOlder = (recent[0]?.seq ?? 1) > 1;
      view.loaded = true;
      this.#merge(view, recent);
      this.#markSeen(view);
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
