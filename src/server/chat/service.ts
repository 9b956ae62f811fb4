// ChatService: the only path that stores and publishes. Sessions (WebSocket today, others later)
// and HTTP call it; it calls the Store first and the Broker second, never the other way round.
import { Limits, type ChatMessage, type CommandParams, type FileDescriptor, type Results, type RoomAccess, type UserRef } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { Broker } from '../broker/broker.js';
import { USER_NOTICES, type Hub, type Member } from '../hub/hub.js';
import type { Presence } from '../presence/presence.js';
import { AppendRefused, type AppendResult, type MessageStore, type NewMessage, type SearchFilter } from '../store/message-store.js';
import type { RoomInfo, RoomStore } from '../store/room-store.js';
import type { MembershipStore } from '../store/membership-store.js';
import type { ReadMarkerStore } from '../store/read-marker-store.js';
import type { JoinedRoomStore } from '../store/joined-room-store.js';
import type { UserStore } from '../store/user-store.js';
import type { NewAuditEntry } from '../store/console-store.js';
import type { FollowedThread, ThreadFollowStore } from '../store/thread-follow-store.js';
import { describe, type FileStore } from '../store/file-store.js';
import type { AdminCheck } from '../auth/server-admins.js';
import type { Creator, RoomQuota } from './room-quota.js';
import { canModerate } from './roles.js';
import { isDmName } from './dm.js';
import type { Identity, IdentityResolver } from '../auth/identity.js';
import type { Logger } from 'pino';
import type { SearchRunner } from './search-runner.js';
import { ChatEffects } from './effects.js';
import { RoomChecks, archivedRoom, refusal, rulesOf } from './room-checks.js';
import { sendRefusal } from '../store/refusal.js';
import { Moderation } from './moderation.js';
import { RoomLifecycle } from './room-lifecycle.js';
import { MessageChanges } from './message-changes.js';
import { Threads } from './threads.js';
import { firstWithin, newestWithin, replayGap } from './replay.js';
import type { IssuedTicket, Tickets } from '../auth/tickets.js';

/** What a user may do with a room's shared document (docs/): read it always; write it unless `readOnly` says why not. */
export interface DocumentAccess {
  readOnly: 'muted' | 'archived' | undefined;
  /** Moderators and the owner lock and unlock the document. */
  moderator: boolean;
}

/** A connection as the chat service sees it: a hub member, from a client address. */
export type Participant = Member & { readonly ip: string };

/** Who is online in a room: some of them, and how many there are. */
export interface OnlineMembers {
  members: UserRef[];
  online: number;
}

export interface JoinOutcome extends OnlineMembers {
  access: RoomAccess;
  seq: number;
  /** The stored messages after `since` that are replayed, ascending: all of them, or the newest that fit the byte budget. */
  backlog: ChatMessage[];
  /**
   * False when not every message after `since` is in the backlog: the gap was larger than the
   * recovery limit or the byte budget, or `since` was ahead of the room.
   */
  recovered: boolean;
  /** The first seq in the backlog (seq + 1 when it is empty): what lies between `since` and it is left to `history`. */
  replayFrom: number;
  /** True when the byte budget, not the recovery limit, is what left messages out. */
  truncated: boolean;
}

/** The stores of a chat service, when one database holds them all (as both engines do). */
export function storesIn(
  store: MessageStore & RoomStore & MembershipStore & ReadMarkerStore & JoinedRoomStore & UserStore & ThreadFollowStore,
): Pick<ChatServiceDeps, 'messages' | 'rooms' | 'memberships' | 'readMarkers' | 'joined' | 'users' | 'threadFollows'> {
  return { messages: store, rooms: store, memberships: store, readMarkers: store, joined: store, users: store, threadFollows: store };
}

export interface ChatServiceDeps {
  messages: MessageStore;
  rooms: RoomStore;
  memberships: MembershipStore;
  readMarkers: ReadMarkerStore;
  joined: JoinedRoomStore;
  users: UserStore;
  threadFollows: ThreadFollowStore;
  broker: Broker;
  presence: Presence;
  hub: Hub;
  identities: IdentityResolver;
  log: Logger;
  /** Most messages a join with `since` replays; a larger gap is left to `history`. */
  recoveryLimit: number;
  /**
   * Presence pushes go out while a room has at most this many users online. Past it, each join
   * would cost a push to every member (filling a room of n costs n²/2): big rooms are quiet.
   */
  presenceLimit: number;
  /** Runs searches in slices, within a time budget, a bounded number at once. */
  searches: SearchRunner;
  /** Rooms created per user and per address (create, dm, a join of a new name). */
  roomQuota: RoomQuota;
  /** Most rooms one `rooms` reply lists. */
  roomsListLimit: number;
  /** Most different emoji on one message. */
  maxReactionsPerMessage: number;
  /** Told when a room or reaction bound is hit (metrics). */
  onLimit: (limit: 'reactions_per_message' | 'rooms_list') => void;
  /**
   * Whether a `join` of a name that does not exist creates it (as a public room without owner).
   * Off by default: rooms are made with `create`, and a join of an unknown name is `not_found`.
   */
  joinCreates?: boolean;
  /** The room a join creates whatever `joinCreates` says: where plain clients and new users land. */
  defaultRoom?: string;
  /** Server admins: they may archive and delete any room, as its owner may. */
  admins?: AdminCheck;
  /** Told of every moderator and admin act (the console's audit log); it must not throw. */
  audit?: (entry: NewAuditEntry) => void;
  /** Ms since the epoch: message times, mutes, edits, memberships. Date.now unless a test sets the time. */
  now?: () => number;
  /** Single-use tickets for a user's other connections (the Yjs endpoint); `ticket` is unknown without them. */
  tickets?: Tickets;
  /**
   * Called after a room is deleted, before it is announced: what else lives under the room's name
   * (its shared document) goes with it. A failure is logged; the room is deleted either way.
   */
  onRoomDeleted?: (room: string) => Promise<void>;
  /**
   * Uploaded files, which `send` attaches; `orphaned` is told the blobs a delete left unreferenced.
   * Absent: a send with files is refused.
   */
  files?: { store: FileStore; orphaned: (hashes: string[]) => void };
}

/** The `rooms` reply: a page of the rooms the user may see. */
export interface RoomsOutcome {
  rooms: Results['rooms']['rooms'];
  truncated: boolean;
}

export class ChatService {
  readonly #deps: ChatServiceDeps;
  readonly #now: () => number;
  readonly #fx: ChatEffects;
  readonly #checks: RoomChecks;
  readonly #moderation: Moderation;
  readonly #lifecycle: RoomLifecycle;
  readonly #changes: MessageChanges;
  readonly #threads: Threads;
  /** Rooms that joins in flight may create, and how many such joins there are (see #payForCreation). */
  readonly #creating = new Map<string, { joins: number }>();

  constructor(deps: ChatServiceDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#fx = new ChatEffects(deps, this.#now);
    this.#checks = new RoomChecks(deps);
    this.#moderation = new Moderation(deps, this.#checks, this.#fx);
    const dropFiles = (dropping: Promise<string[]> | undefined): Promise<void> => this.#dropFiles(dropping);
    this.#changes = new MessageChanges({ ...deps, dropFiles }, this.#checks, this.#fx);
    this.#threads = new Threads({ ...deps, access: (user, room) => this.access(user, room) }, this.#checks, this.#fx);
    // A deleted room's files go with it (their blobs unless another room has the same bytes), then its document.
    const onRoomDeleted = async (room: string): Promise<void> => {
      await this.#dropFiles(deps.files?.store.dropRoom(room));
      await deps.onRoomDeleted?.(room);
    };
    this.#lifecycle = new RoomLifecycle({ ...deps, onRoomDeleted }, this.#checks, this.#fx);
    // Presence that changed elsewhere (a crashed process's users expiring) is announced like any other.
    deps.presence.onChange((room, user, event) => void this.#fx.publish(room, { type: 'presence', room, user, event }));
    // A kick or ban took a connection out of a room on this process: it has left, for presence too.
    deps.hub.onRemoved((room, member) => {
      this.#dropPresence(room, member).catch((error: unknown) => {
        deps.log.warn({ err: error, room, conn: member.connId }, 'presence after removal failed');
      });
    });
  }

  /**
   * Who the connection is: throws a ProtocolError (`unauthorized`, `name_taken`) on refusal.
   * Recording the user is bookkeeping that no reply depends on: the hello is not held for its disk
   * sync (a plain client's first line comes right behind its upgrade).
   */
  hello(params: CommandParams['hello']): Promise<Identity> {
    return this.#fx.request(async () => {
      const identity = await this.#deps.identities.resolve(params);
      this.#deps.users.recordUser(identity.user, identity.kind, this.#now()).catch((error: unknown) => {
        this.#deps.log.warn({ err: error }, 'could not record user');
      });
      return identity;
    });
  }

  /** An identified connection: it receives its user's notices (invites, read markers) from now until `disconnected`. */
  connected(who: Participant): void {
    this.#deps.hub.connect(who).catch((error: unknown) => {
      this.#deps.log.warn({ err: error, conn: who.connId }, 'could not subscribe to user notices');
    });
  }

  disconnected(who: Participant): void {
    this.#deps.hub.disconnect(who);
  }

  /** Up to `limit` of the users online in `room`, led by `asker` (who is in the room), and their count. */
  async members(room: string, limit: number, asker: UserRef): Promise<OnlineMembers> {
    const { presence } = this.#deps;
    const [found, [online = 0]] = await Promise.all([presence.members(room, limit), presence.counts([room])]);
    const members = [asker, ...found.filter((user) => user.id !== asker.id)].slice(0, limit);
    return { members, online };
  }

  /**
   * Makes `who` a member of `room`. Live publications reach the participant from before the room's
   * seq is read, so together with the backlog nothing falls between the two; the caller drops live
   * messages at or below the last seq it delivered. The replay holds at most `budget` bytes (see
   * replayBytes): past it, only the newest messages of the gap are replayed and `recovered` is false.
   */
  join(who: Participant, room: string, since: number | undefined, budget = Number.POSITIVE_INFINITY): Promise<JoinOutcome> {
    return this.#fx.request(async () => {
      const { hub, rooms, presence, recoveryLimit, presenceLimit } = this.#deps;
      // Checked before the hub can deliver anything: a refused joiner receives nothing.
      let { access, existed } = await this.#check(who.user, room);
      // Rooms are made with `create`; only the default room (and any, where joinCreates is on) by a join.
      if (!existed && this.#deps.joinCreates !== true && room !== this.#deps.defaultRoom) {
        throw new ProtocolError(ErrorCode.NotFound, `no room ${room}; make it with create`, 'room');
      }
      // A join that may create the room pays for it first (given back if the room was there after all).
      const paid = existed ? undefined : this.#payForCreation(who, room);
      let seq: number;
      try {
        await hub.join(room, who);
        const ensured = await rooms.ensureRoom(room, this.#now(), who.user.id);
        seq = ensured.seq;
        // A room made by a join is not announced: under joinCreates every join of a new name makes
        // one, and a `directory` push goes to every connection, so joins would fan out to everyone
        // (10,000 connections joining 1,000 new rooms: ten million frames). `rooms` lists it.
        if (!ensured.created) paid?.refund();
      } catch (error) {
        paid?.refund();
        throw error;
      } finally {
        paid?.done();
      }
      // A room that did not exist at the check may have been made private by a `create` in between:
      // check again now that it exists (the caller leaves the hub on a refusal).
      if (!existed) ({ access } = await this.#check(who.user, room));
      // The joined-room record is bookkeeping no reply depends on (like the user record of a hello):
      // it is queued now, so it commits in this turn's transaction, before the reply is written and
      // before any later command of this user can be read, but the join does not wait for its disk
      // sync. Waiting held every set-up in a burst for a sync.
      void this.#rememberJoined(room, who.user);
      let first = false;
      let listed: OnlineMembers;
      try {
        first = await presence.add(room, who.connId, who.user);
        listed = await this.members(room, Limits.joinMembers, who.user);
      } catch (error) {
        // Presence is shared state (Redis in a cluster) and may be out of reach: the room still works,
        // so the join does, listing only the joiner. Presence records the joiner when it is back.
        this.#deps.log.warn({ err: error, room }, 'presence unavailable; joining without the member list');
        listed = { members: [who.user], online: 1 };
      }
      const { members, online } = listed;
      if (first && online <= presenceLimit) {
        await this.#fx.publish(room, { type: 'presence', room, user: who.user, event: 'join' });
      }
      const outcome = { access, seq, members, online };
      const nothing = { ...outcome, backlog: [], replayFrom: seq + 1, truncated: false };
      if (since === undefined || since === seq) return { ...nothing, recovered: true };
      if (since > seq || seq - since > recoveryLimit) return { ...nothing, recovered: false };
      const backlog = await replayGap(this.#deps.messages, room, since, seq, budget);
      const replayFrom = backlog[0]?.seq ?? seq + 1;
      const recovered = replayFrom === since + 1;
      return { ...outcome, backlog, recovered, replayFrom, truncated: !recovered };
    });
  }

  /**
   * A join's share of creating `room`: the first of the joins in flight for a room that does not
   * exist yet reserves one room of its creator's quota; the others that arrive before it is made
   * (a storm of clients joining a fresh server's lobby from one address) ride on that reservation
   * instead of each reserving one, which refused them with room_quota though one room was made.
   * `refund` gives the reservation back when this join did not make the room; `done` ends the join's
   * share, whatever happened.
   */
  #payForCreation(who: Participant, room: string): { refund: () => void; done: () => void } {
    const done = (): void => {
      const pending = this.#creating.get(room);
      if (pending !== undefined && --pending.joins === 0) this.#creating.delete(room);
    };
    const pending = this.#creating.get(room);
    if (pending !== undefined) {
      pending.joins++;
      return { refund: () => undefined, done };
    }
    this.#creating.set(room, { joins: 1 });
    try {
      return { refund: this.#deps.roomQuota.reserve(who), done };
    } catch (error) {
      done();
      throw error;
    }
  }

  /**
   * Whether `user` may read `room` (join it, read its history): not banned, and a member when the
   * room is private. A room that does not exist is open (join creates it), except a DM name.
   */
  access(user: UserRef, room: string): Promise<RoomAccess> {
    return this.#fx.request(async () => {
      return (await this.#check(user, room)).access;
    });
  }

  async #check(user: UserRef, room: string): Promise<{ access: RoomAccess; existed: boolean }> {
    const found = await this.#checks.find(user, room);
    if (found === undefined) {
      if (isDmName(room)) throw new ProtocolError(ErrorCode.NotFound, `no room ${room}; open a DM with dm`, 'room');
      return { access: { private: false, dm: false }, existed: false };
    }
    const { info, standing } = found;
    this.#checks.requireReader(info, standing);
    const access: RoomAccess = { private: info.private, dm: info.dm };
    if (info.topic !== undefined) access.topic = info.topic;
    if (info.archived === true) access.archived = true;
    if (standing.role !== undefined) access.role = standing.role;
    return { access, existed: true };
  }

  /**
   * `who` receives `room`'s pushes from now on without joining it: no presence, no joined-room
   * record (the one-way event stream, GET /api/v1/rooms/{room}/events). Refused as history is:
   * private rooms to members only, banned users never. Resolves with the room's seq read after the
   * hub has the follower, so that with the history up to it nothing falls between the two.
   */
  follow(who: Member, user: UserRef, room: string): Promise<number> {
    return this.#fx.request(async () => {
      await this.#checks.reader(user, room);
      await this.#deps.hub.join(room, who);
      const info = await this.#deps.rooms.roomInfo(room);
      return info?.seq ?? 0;
    });
  }

  unfollow(who: Member, room: string): Promise<void> {
    return this.#deps.hub.leave(room, who);
  }

  leave(who: Participant, room: string): Promise<void> {
    return this.#fx.request(async () => {
      await this.#deps.hub.leave(room, who);
      await this.#dropPresence(room, who);
    });
  }

  /**
   * The user's rooms follow it to its other devices (`rooms` says `joined`). Read first, as nearly
   * every join is of a room joined before. Bookkeeping: a store that cannot write (a full disk)
   * does not refuse the join, which needs no write of its own.
   */
  async #rememberJoined(room: string, user: UserRef): Promise<void> {
    const { joined, log } = this.#deps;
    try {
      if (!(await joined.hasJoined(room, user.id))) await joined.markJoined(room, user.id, this.#now());
    } catch (error) {
      log.warn({ err: error, room }, 'could not record the joined room');
    }
  }

  /**
   * The user left the room (not only a connection did): it is no longer among its rooms on any
   * device, and the user's other connections, on every process, are taken out of it now.
   */
  unjoin(who: Participant, room: string): Promise<void> {
    return this.#fx.request(async () => {
      await this.#deps.joined.markLeft(room, who.user.id, this.#now());
      await this.#fx.publish(USER_NOTICES, { type: 'left', room, user: who.user.id, conn: who.connId });
    });
  }

  async #dropPresence(room: string, who: Member): Promise<void> {
    const { presence, presenceLimit, log } = this.#deps;
    let last: boolean;
    try {
      last = await presence.remove(room, who.connId, who.user.id);
    } catch (error) {
      // Out of reach (Redis in a cluster): the removal is retried, and announced, when it is back.
      log.warn({ err: error, room }, 'presence unavailable; the leave is recorded later');
      return;
    }
    if (!last) return;
    // Quiet while the room, with this user gone, is still past the limit.
    const [online = 0] = await presence.counts([room]);
    if (online < presenceLimit) await this.#fx.publish(room, { type: 'presence', room, user: who.user, event: 'leave' });
  }

  /**
   * Stores first, then publishes. The result is what the sender is told. The store refuses, in the
   * same write, a banned or muted sender and a non-member of a private room.
   */
  send(
    from: UserRef,
    room: string,
    text: string,
    cid: string,
    replyTo?: number,
    files?: readonly string[],
    thread?: { root: number; alsoInRoom: boolean },
  ): Promise<AppendResult> {
    return this.#fx.request(async () => {
      // `existing`: a room deleted while this send was in flight is not made again by it.
      const message: NewMessage = { room, cid, from, text, ts: this.#now(), existing: true };
      if (text === '' && (files === undefined || files.length === 0)) {
        throw new ProtocolError(ErrorCode.BadRequest, 'text: may be empty only with files', 'text');
      }
      if (replyTo !== undefined) {
        // Seqs only grow and never have gaps: one at or below the room's latest exists, now and later.
        if (replyTo > (await this.#deps.messages.roomSeq(room))) {
          throw new ProtocolError(ErrorCode.BadRequest, `replyTo: ${room} has no message ${replyTo} yet`, 'replyTo');
        }
        message.replyTo = replyTo;
      }
      const threadRoot = thread === undefined ? undefined : await this.#threads.root(room, thread.root);
      if (thread !== undefined) {
        message.thread = thread.root;
        if (thread.alsoInRoom) message.alsoInRoom = true;
      }
      const attached = files === undefined || files.length === 0 ? undefined : await this.#claimFiles(from, room, cid, files);
      if (attached !== undefined) message.files = attached.descriptors;
      let result: AppendResult;
      try {
        result = await this.#deps.messages.append(message);
      } catch (error) {
        // Nothing was stored: the files may go with another message.
        await attached?.store.release(attached.ids, room, cid);
        if (error instanceof AppendRefused) throw refusal(error.reason, room);
        throw error;
      }
      await attached?.store.bind(attached.ids, room, result.message.seq);
      // The root's author and every replier follow the thread; the replier has read up to its reply.
      if (threadRoot !== undefined) {
        await this.#deps.threadFollows.followThread(room, threadRoot.seq, threadRoot.from.id, message.ts);
        await this.#deps.threadFollows.markThreadRead(room, threadRoot.seq, from.id, result.message.seq, message.ts);
      }
      // A repeat is published again: its first attempt may have been stored by a commit whose reply
      // was lost (connection cut), and so never published. Members drop a seq they already have.
      await this.#fx.publish(room, { type: 'message', ...result.message });
      return result;
    });
  }

  /** Claims `ids` for this message: each must be the sender's own upload, attached to no other message. */
  async #claimFiles(
    from: UserRef,
    room: string,
    cid: string,
    ids: readonly string[],
  ): Promise<{ store: FileStore; ids: readonly string[]; descriptors: FileDescriptor[] }> {
    const store = this.#deps.files?.store;
    if (store === undefined) throw new ProtocolError(ErrorCode.BadRequest, 'files: this server takes no files', 'files');
    const claimed = await store.claim(ids, from.id, room, cid);
    if (!Array.isArray(claimed)) {
      if (claimed.refused === 'attached') throw new ProtocolError(ErrorCode.BadRequest, `files: ${claimed.id} is attached to another message already`, 'files');
      throw new ProtocolError(ErrorCode.NotFound, `files: no upload ${claimed.id} of yours`, 'files');
    }
    return { store, ids, descriptors: claimed.map(describe) };
  }

  /**
   * Up to `limit` messages below `before`, ascending; fewer when the page would pass `budget` bytes
   * (reactions carry their users, so a page of a busy room can be megabytes): the newest that fit,
   * and always at least one, so that a client paging on with `before` = the first seq gets everything.
   */
  history(user: UserRef, room: string, before: number | undefined, limit: number, budget = Number.POSITIVE_INFINITY): Promise<ChatMessage[]> {
    return this.#fx.request(async () => {
      await this.access(user, room);
      return newestWithin(await this.#deps.messages.history(room, before, limit), budget);
    });
  }

  /**
   * Messages containing `text`, newest first, among the searchWindow messages below `before` (the
   * room's end by default): a search reads a bounded part of the room, never all of it, in slices
   * and within a time budget (SearchRunner); `from` says where to continue. `owner` is the asking
   * connection, which may run only so many searches at once. `filter` narrows by author and time
   * inside that same window.
   */
  search(
    user: UserRef,
    room: string,
    text: string,
    before: number | undefined,
    limit: number,
    owner: string,
    budget = Number.POSITIVE_INFINITY,
    filter: SearchFilter = {},
  ): Promise<{ messages: ChatMessage[]; from: number }> {
    return this.#fx.request(async () => {
      await this.access(user, room);
      const end = Math.min(before ?? Number.MAX_SAFE_INTEGER, (await this.#deps.messages.roomSeq(room)) + 1);
      const from = Math.max(1, end - Limits.searchWindow);
      const { messages } = this.#deps;
      const found = await this.#deps.searches.run(owner, {
        text,
        from,
        end,
        limit,
        read: (low, high, max) => messages.search(room, text, low, high, max, filter),
        readsHoldLoop: messages.readsHoldLoop,
      });
      // Bounded in bytes like a history page: the newest results that fit, never none; the search
      // then goes on below the oldest one kept.
      const kept = firstWithin(found.messages, budget);
      return kept.length === found.messages.length ? found : { messages: kept, from: (kept[kept.length - 1] as ChatMessage).seq };
    });
  }

  /**
   * Public rooms and the private rooms and DMs `user` is a member of: at most roomsListLimit, the
   * user's own first, then the most recently active public ones (`truncated` when some were left out).
   */
  rooms(user: UserRef): Promise<RoomsOutcome> {
    return this.#fx.request(async () => {
      const { rooms, truncated } = await this.#deps.rooms.listRooms(user.id, this.#deps.roomsListLimit);
      if (truncated) this.#deps.onLimit('rooms_list');
      // Without presence (Redis out of reach in a cluster) the list is still right; only counts are unknown.
      const online = await this.#deps.presence.counts(rooms.map((summary) => summary.room)).catch((error: unknown) => {
        this.#deps.log.warn({ err: error }, 'presence unavailable; rooms listed with 0 online');
        return rooms.map(() => 0);
      });
      const read = await this.#deps.readMarkers.readMarkers(user.id);
      const peers = rooms.some((summary) => summary.dm) ? await this.#deps.rooms.dmPeers(user.id) : new Map<string, UserRef>();
      const joined = await this.#deps.joined.joinedRooms(user.id);
      const listed = rooms.map((summary, index) => {
        const counts = { online: online[index] ?? 0, read: read.get(summary.room) ?? 0 };
        const entry = joined.has(summary.room) ? { ...summary, ...counts, joined: true as const } : { ...summary, ...counts };
        const peer = peers.get(summary.room);
        return peer === undefined ? entry : { ...entry, peer };
      });
      return { rooms: listed, truncated };
    });
  }

  /**
   * Moves the user's read marker in `room` up to `seq` (never back) and tells the user's other
   * connections, so that every device shows the same unread count.
   */
  markRead(user: UserRef, room: string, seq: number): Promise<number> {
    return this.#fx.request(async () => {
      await this.#checks.reader(user, room);
      const marked = await this.#deps.readMarkers.markRead(room, user.id, seq);
      await this.#fx.publish(USER_NOTICES, { type: 'read', room, user: user.id, seq: marked });
      return marked;
    });
  }

  // Threads (threads.ts), message changes (message-changes.ts), rooms' lives and their moderation
  // (room-lifecycle.ts, moderation.ts) are their own parts; these are theirs.

  /**
   * A thread: its root as it is now (with its reply summary) and up to `limit` replies after
   * `after`, ascending, cut to `budget` bytes as a history page is (always at least one).
   */
  thread(
    user: UserRef,
    room: string,
    root: number,
    after: number,
    limit: number,
    budget = Number.POSITIVE_INFINITY,
  ): Promise<{ root: ChatMessage; messages: ChatMessage[] }> {
    return this.#threads.thread(user, room, root, after, limit, budget);
  }

  /** Marks the thread of `root` read up to `seq` for the user, on all its devices (a `read` push with `thread`). */
  markThreadRead(user: UserRef, room: string, root: number, seq: number): Promise<number> {
    return this.#threads.markRead(user, room, root, seq);
  }

  /** The threads the user follows in rooms it may still read, most recently answered first. */
  threads(user: UserRef): Promise<FollowedThread[]> {
    return this.#threads.followed(user);
  }

  /** Replaces the text of the actor's own message. */
  edit(actor: UserRef, room: string, seq: number, text: string): Promise<number> {
    return this.#changes.edit(actor, room, seq, text);
  }

  /** Deletes the actor's own message, or anyone's when the actor moderates the room. */
  delete(actor: UserRef, room: string, seq: number): Promise<void> {
    return this.#changes.delete(actor, room, seq);
  }

  react(actor: UserRef, room: string, seq: number, emoji: string, on: boolean): Promise<number> {
    return this.#changes.react(actor, room, seq, emoji, on);
  }

  /** A room with an owner; the creator is the owner. */
  create(creator: Creator, room: string, options: { private: boolean; topic?: string }): Promise<void> {
    return this.#lifecycle.create(creator, room, options);
  }

  /** Archives the room (read-only, out of the directory) or opens it again: the owner and server admins only. */
  archive(actor: UserRef, room: string, archived: boolean): Promise<void> {
    return this.#lifecycle.archive(actor, room, archived);
  }

  /** Deletes the room and all it stored; its connections are taken out of it. */
  destroy(actor: UserRef, room: string): Promise<void> {
    return this.#lifecycle.destroy(actor, room);
  }

  /** The DM room of the creator and `target`, made on first use. */
  dm(creator: Creator, target: string): Promise<{ room: string; user: UserRef }> {
    return this.#lifecycle.dm(creator, target);
  }

  invite(actor: UserRef, room: string, target: string): Promise<void> {
    return this.#moderation.invite(actor, room, target);
  }

  kick(actor: UserRef, room: string, target: string): Promise<void> {
    return this.#moderation.kick(actor, room, target);
  }

  ban(actor: UserRef, room: string, target: string): Promise<void> {
    return this.#moderation.ban(actor, room, target);
  }

  unban(actor: UserRef, room: string, target: string): Promise<void> {
    return this.#moderation.unban(actor, room, target);
  }

  setTopic(actor: UserRef, room: string, topic: string): Promise<void> {
    return this.#moderation.setTopic(actor, room, topic);
  }

  /** Mutes for `seconds` (0 lifts the mute); resolves when the mute ends (0 when lifted). */
  mute(actor: UserRef, room: string, target: string, seconds: number): Promise<number> {
    return this.#moderation.mute(actor, room, target, seconds);
  }

  setRole(actor: UserRef, room: string, target: string, role: 'moderator' | 'member'): Promise<void> {
    return this.#moderation.setRole(actor, room, target, role);
  }

  /** A user recorded by a hello or a key (bots), or undefined. */
  findUser(id: string): Promise<UserRef | undefined> {
    return this.#fx.request(() => this.#deps.users.findUser(id));
  }

  /** The room's settings, for one who may read it: `not_found` when it does not exist. */
  roomInfo(user: UserRef, room: string): Promise<RoomInfo> {
    return this.#fx.request(async () => (await this.#checks.reader(user, room)).info);
  }

  /** How many users are online in the room (0 while presence is out of reach). */
  async onlineCount(room: string): Promise<number> {
    const [online = 0] = await this.#deps.presence.counts([room]).catch(() => [0]);
    return online;
  }

  /**
   * A ticket for another connection of `user` to `room` (auth/tickets.ts), for one who may read
   * the room: the same refusals as a join.
   */
  ticket(user: UserRef, room: string): Promise<IssuedTicket> {
    return this.#fx.request(async () => {
      const tickets = this.#deps.tickets;
      if (tickets === undefined) throw new ProtocolError(ErrorCode.NotFound, 'this server issues no tickets');
      await this.#checks.reader(user, room);
      return tickets.issue(user, room);
    });
  }

  /**
   * What `user` may do with the room's shared document: the refusals of a join (not found, banned,
   * a private room's outsider) are thrown; muted members and archived rooms read only.
   */
  documentAccess(user: UserRef, room: string): Promise<DocumentAccess> {
    return this.#fx.request(async () => {
      const { info, standing } = await this.#checks.reader(user, room);
      const refused = sendRefusal(rulesOf(info, standing), this.#now());
      const readOnly = refused === 'muted' || refused === 'archived' ? refused : undefined;
      return { readOnly, moderator: canModerate(standing.role) && !info.dm };
    });
  }

  async #dropFiles(dropping: Promise<string[]> | undefined): Promise<void> {
    const orphaned = await dropping;
    if (orphaned !== undefined && orphaned.length > 0) this.#deps.files?.orphaned(orphaned);
  }

  /** A notice to every connection of `target`, on every process. */
  notify(by: UserRef, target: string, text: string): Promise<void> {
    return this.#fx.request(async () => {
      await this.#checks.requireUser(target);
      await this.#fx.publish(USER_NOTICES, { type: 'notice', user: target, text, by });
    });
  }

  typing(user: UserRef, room: string, thread?: number): Promise<void> {
    return this.#fx.request(async () => {
      // "x is typing" from someone who may not send would announce a message that cannot come.
      const [standing, info] = await Promise.all([this.#checks.standing(room, user), this.#deps.rooms.roomInfo(room)]);
      if (info?.archived === true) throw archivedRoom(room);
      if (standing.mutedUntil > this.#now()) throw new ProtocolError(ErrorCode.Muted, `you are muted in ${room}`, 'room');
      return this.#fx.publish(room, thread === undefined ? { type: 'typing', room, user } : { type: 'typing', room, user, thread });
    });
  }
}
