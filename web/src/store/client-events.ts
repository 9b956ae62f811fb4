// SDK events into the store: each one becomes a pure update of the room it names (state/room.ts,
// state/room-events.ts), plus what only the store can do (notices, desktop notifications, a room
// taken away, read markers and page loads).
import type { ChatMessage, ParleyClient, RoomAccess } from '../../../src/client/index.js';
import type { Browser } from '../browser.js';
import { peerOf, titleOf } from '../state/app.js';
import { mentionsMe } from '../state/mention.js';
import { applyRoomEvent } from '../state/room-events.js';
import { applyGap, applyJoined, applyPresence, applyRead, applyTyping, expireTyping, patch, receiveMessage, TYPING_MS } from '../state/room.js';
import { saved } from '../storage.js';
import type { RoomSync } from './room-sync.js';
import type { StateBox } from './state-box.js';

/** What the store lends the event handlers. */
export interface StoreHands {
  box: StateBox;
  sync: RoomSync;
  browser: Browser;
  /** Joins a room without switching to it. */
  join(room: string): void;
  select(room: string): void;
  /** Drops a room from the app (it is no longer mine). */
  forget(room: string): void;
  notify(text: string): void;
  /** The connection said hello (first time or again). */
  ready(): void;
  /** Reads the room directory again. */
  refreshDirectory(): void;
  /** A thread got a reply or was read (here or on another device): the followed threads are read again. */
  threadsChanged(): void;
}

function withArchived(access: RoomAccess, archived: boolean): RoomAccess {
  const { archived: _was, ...rest } = access;
  return archived ? { ...rest, archived: true } : rest;
}

/** Listens to `client` until the returned function is called. */
export function listenToClient(client: ParleyClient, hands: StoreHands): () => void {
  const { box, sync, browser } = hands;
  const me = (): string | undefined => box.state.me?.id;
  const inView = (room: string): boolean => room === box.state.active && !browser.hidden();
  let typingTimer: ReturnType<typeof setTimeout> | undefined;

  /** A DM is labelled by its other user, remembered once the members name them. */
  const rememberPeer = (room: string): void => {
    const view = box.state.rooms.get(room);
    if (view === undefined || box.state.dmPeers.has(room)) return;
    const peer = peerOf(view, box.state.me);
    if (peer !== undefined) box.set({ dmPeers: new Map(box.state.dmPeers).set(room, peer) });
  };

  /** A DM or a mention while I am looking elsewhere: a desktop notification, when allowed. */
  const desktopNotice = (message: ChatMessage): void => {
    browser.notify({
      title: `${message.from.name} in ${titleOf(box.state, message.room)}`,
      body: message.text.length > 140 ? `${message.text.slice(0, 139)}…` : message.text,
      tag: `parley-${message.room}`,
      onClick: () => hands.select(message.room),
    });
  };

  const stops = [
    client.on('state', (change) => {
      const before = box.state.connection;
      const back = change.state === 'open' && before.wasOpen && before.state !== 'open';
      box.set({ connection: change, me: client.user, ...(back ? { backOnlineAt: Date.now() } : {}) });
    }),
    client.on('ready', () => {
      const token = client.resumeToken;
      if (token !== undefined) saved.setResume(token);
      box.set({ me: client.user });
      hands.ready();
      hands.threadsChanged();
    }),
    client.on('joined', (event) => {
      const view = box.state.rooms.get(event.room);
      if (view === undefined) return;
      box.updateRoom(event.room, (state) => applyJoined(state, event, event.room === box.state.active));
      rememberPeer(event.room);
      if (event.room === box.state.active) sync.readMembers(event.room);
      if (!view.loaded || !event.recovered) void sync.loadRecent(event.room, event.seq);
    }),
    // Too much was missed to replay: start the room over from its newest page (the 'joined' event
    // that follows loads it), so the list stays contiguous and scrolling up fills in the rest.
    client.on('gap', (gap) => box.updateRoom(gap.room, applyGap)),
    client.on('message', (message) => {
      const view = box.state.rooms.get(message.room);
      if (view === undefined) return;
      const mine = message.from.id === me();
      const looking = inView(message.room);
      const mention = !mine && !looking && mentionsMe(message, box.state.me);
      box.updateRoom(message.room, (state) => receiveMessage(state, message, { mine, inView: looking, mention }));
      if (message.thread !== undefined) hands.threadsChanged();
      if (mine || looking) sync.markSeen(message.room);
      else if (mention || view.access?.dm === true) desktopNotice(message);
    }),
    client.on('presence', (push) => {
      box.updateRoom(push.room, (state) => applyPresence(state, push));
      rememberPeer(push.room);
    }),
    client.on('typing', (push) => {
      if (push.user.id === me()) return;
      box.updateRoom(push.room, (state) => applyTyping(state, push.user, Date.now(), push.thread));
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => {
        const now = Date.now();
        for (const room of box.state.rooms.keys()) box.updateRoom(room, (state) => expireTyping(state, now));
      }, TYPING_MS + 50);
    }),
    client.on('roomEvent', (push) => {
      if (!box.state.rooms.has(push.room)) return;
      const title = titleOf(box.state, push.room);
      box.updateRoom(push.room, (state) => applyRoomEvent(state, push, me()));
      if (push.type === 'topic') {
        hands.notify(push.topic === '' ? `${push.by.name} cleared the topic` : `${push.by.name} set the topic: ${push.topic}`);
      } else if (push.type === 'muted' && push.user === me()) {
        hands.notify(push.until === 0 ? `You may talk in ${title} again` : `You are muted in ${title}`);
      } else if (push.type === 'kicked' && push.user === me()) {
        hands.forget(push.room);
        hands.notify(`${push.by.name} ${push.reason === 'ban' ? 'banned' : 'removed'} you from #${push.room}`);
      }
    }),
    // I read a room on another device (or tab): what was unread here up to there is read.
    // With `thread` it is a thread's marker, not the room's.
    client.on('read', (push) => {
      if (push.thread !== undefined) hands.threadsChanged();
      else box.updateRoom(push.room, (state) => applyRead(state, push.seq));
    }),
    // Invited, or someone opened a DM with me: the room joins the sidebar (not focused) at once.
    client.on('invited', (push) => {
      if (push.dm) box.set({ dmPeers: new Map(box.state.dmPeers).set(push.room, push.by) });
      if (box.state.rooms.has(push.room)) return;
      hands.join(push.room);
      if (push.dm) box.updateRoom(push.room, (state) => patch(state, { unseenAfter: saved.closedDms()[push.room] ?? 0 }));
      hands.notify(push.dm ? `${push.by.name} started a conversation with you` : `${push.by.name} invited you to #${push.room}`);
    }),
    // I left a room on another device or tab: it leaves this sidebar too.
    client.on('left', (push) => {
      if (box.state.rooms.has(push.room)) hands.forget(push.room);
    }),
    // A notice from another system (the server API): shown like an invitation's.
    client.on('notice', (push) => hands.notify(`${push.by.name}: ${push.text}`)),
    // A room was made, archived or deleted: the directory is read again, and a room of mine follows.
    client.on('directory', (push) => {
      hands.refreshDirectory();
      if (!box.state.rooms.has(push.room)) return;
      if (push.event === 'deleted') {
        hands.forget(push.room);
        hands.notify(`${push.by.name} deleted #${push.room}`);
      } else if (push.event === 'archived' || push.event === 'unarchived') {
        const archived = push.event === 'archived';
        box.updateRoom(push.room, (state) => (state.access === undefined ? state : patch(state, { access: withArchived(state.access, archived) })));
        hands.notify(archived ? `${push.by.name} archived #${push.room}: it can be read, not written to` : `#${push.room} is open again`);
      }
    }),
    client.on('outbox', ({ room, pending }) => {
      const all = client.pending();
      saved.setOutbox(
        all.map(({ room: where, text, cid, replyTo, thread, alsoInRoom, files }) => ({
          room: where,
          text,
          cid,
          ...(replyTo === undefined ? {} : { replyTo }),
          ...(thread === undefined ? {} : { thread }),
          ...(alsoInRoom === undefined ? {} : { alsoInRoom }),
          ...(files === undefined ? {} : { files: [...files] }),
        })),
      );
      box.set({ unsent: all.length });
      box.updateRoom(room, (state) => patch(state, { pending }));
    }),
  ];
  return () => {
    clearTimeout(typingTimer);
    for (const stop of stops) stop();
  };
}
