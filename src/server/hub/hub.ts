// Hub: this process's rooms and the connections in them. It subscribes the broker to a room when
// the room's first local member arrives and unsubscribes when the last one leaves, and it delivers
// only what the broker hands back, so one process and many take the same path. Message pushes pass
// through the room's RoomOrder, which repairs gaps from the store before members see them.
// Notices addressed to a user rather than a room (invites, read markers) travel on one broker
// topic that every process subscribes to once; each process hands them to the user's connections
// it holds.
import type { Logger } from 'pino';
import type { DirectoryPush, MessagePush, Push, UserNoticePush, UserRef } from '../../protocol/messages.js';
import type { Broker } from '../broker/broker.js';
import { OutgoingPush } from './outgoing.js';
import { RoomOrder, type RecoveryReader } from './room-order.js';
import type { Metrics } from '../metrics/metrics.js';

/** A connection as the hub sees it. */
export interface Member {
  readonly connId: string;
  readonly user: UserRef;
  readonly userId: string;
  deliver(room: string, outgoing: OutgoingPush): void;
  /** A notice addressed to this connection's user, not to a room. */
  notify(outgoing: OutgoingPush): void;
  /** A kick or ban took this connection out of the room (after it received the `kicked` push). */
  removed(room: string): void;
}

/**
 * The broker topic of user notices. Room names are lower-case letters, digits, `-` and `_`, so no
 * room can be called this.
 */
export const USER_NOTICES = '@users';

/** Told about each member a `kicked` publication took out of a room on this process. */
export type RemovedHandler = (room: string, member: Member) => void;

interface LocalRoom {
  members: Set<Member>;
  order: RoomOrder;
  /** Settles when the broker subscription is in place and the room's seq at that moment is known. */
  subscribed: Promise<void>;
}

export class Hub {
  readonly #broker: Broker;
  readonly #reader: RecoveryReader;
  readonly #log: Logger;
  readonly #rooms = new Map<string, LocalRoom>();
  /** Identified connections by user, for user notices. */
  readonly #users = new Map<string, Set<Member>>();
  /** Set on the first connect: the user-notice subscription, kept for the process's life. */
  #notices: Promise<void> | undefined;
  #onRemoved: RemovedHandler | undefined;

  constructor(broker: Broker, reader: RecoveryReader, log: Logger, metrics?: Metrics) {
    this.#broker = broker;
    this.#reader = reader;
    this.#log = log;
    if (metrics === undefined) {
      broker.onPublication((room, push) => this.#receive(room, push));
    } else {
      // Measured around the whole delivery, never inside the per-member loop: two clock reads and
      // two metric updates per publication, whatever the room's size.
      const { fanOut, messagesOut } = metrics;
      broker.onPublication((room, push) => {
        const started = performance.now();
        this.#receive(room, push);
        fanOut.observe((performance.now() - started) / 1000);
        if (push.type === 'message') messagesOut.inc(this.localCount(room));
      });
    }
    broker.onResync(() => {
      for (const local of this.#rooms.values()) local.order.resync();
    });
  }

  onRemoved(handler: RemovedHandler): void {
    this.#onRemoved = handler;
  }

  /**
   * An identified connection: from now on it receives its user's notices. The first one subscribes
   * this process to them; a notice published before that subscription is in place is missed, which
   * a client covers by reading `rooms` when it connects.
   */
  connect(member: Member): Promise<void> {
    let connections = this.#users.get(member.userId);
    if (connections === undefined) this.#users.set(member.userId, (connections = new Set()));
    connections.add(member);
    // A refused subscription is tried again by the next connection.
    return (this.#notices ??= this.#broker.subscribe(USER_NOTICES).catch((error: unknown) => {
      this.#notices = undefined;
      throw error;
    }));
  }

  disconnect(member: Member): void {
    const connections = this.#users.get(member.userId);
    if (connections?.delete(member) === true && connections.size === 0) this.#users.delete(member.userId);
  }

  /** Adds a member; resolves once the room's publications reach this process. */
  join(room: string, member: Member): Promise<void> {
    let local = this.#rooms.get(room);
    if (local === undefined) {
      const order = new RoomOrder({
        room,
        reader: this.#reader,
        log: this.#log,
        emit: (push) => this.#fanOut(room, push),
      });
      // The seq is read after subscribing, so every message above it reaches this process from
      // the broker or, if the broker drops it, from the store when a later seq shows the gap.
      const subscribed = this.#broker
        .subscribe(room)
        .then(() => this.#reader.roomSeq(room))
        .then((seq) => order.start(seq));
      local = { members: new Set(), order, subscribed };
      this.#rooms.set(room, local);
    }
    local.members.add(member);
    return local.subscribed;
  }

  async leave(room: string, member: Member): Promise<void> {
    const local = this.#rooms.get(room);
    if (local === undefined || !local.members.delete(member)) return;
    if (local.members.size === 0) {
      this.#rooms.delete(room);
      local.order.stop();
      await local.subscribed.catch(() => undefined);
      // A member may have arrived while we waited; its join made a fresh subscription.
      if (!this.#rooms.has(room)) await this.#broker.unsubscribe(room);
    }
  }

  /** Users with at least one connection on this process. */
  get userCount(): number {
    return this.#users.size;
  }

  /** Local connections in the room. */
  localCount(room: string): number {
    return this.#rooms.get(room)?.members.size ?? 0;
  }

  #receive(room: string, push: Push): void {
    if (room === USER_NOTICES) {
      if (push.type === 'invited' || push.type === 'read' || push.type === 'notice') this.#notify(push);
      else if (push.type === 'left') {
        // The user left on another connection: this process's connections of that user follow.
        this.#notify(push, push.conn);
        this.#remove(push.room, push.user, push.conn);
      } else if (push.type === 'directory') this.#announce(push);
      return;
    }
    const local = this.#rooms.get(room);
    if (local === undefined) return;
    if (push.type === 'message') local.order.accept(push);
    else this.#fanOut(room, push);
  }

  #fanOut(room: string, push: Push | MessagePush): void {
    const members = this.#rooms.get(room)?.members;
    if (members === undefined) return;
    const outgoing = new OutgoingPush(push);
    if (push.type === 'message') {
      // The hot loop: one call per member, nothing else.
      for (const member of members) member.deliver(room, outgoing);
      return;
    }
    // Typing and presence are news about a user for the others: none of that user's connections
    // hear it (a joiner learns the members from its join reply).
    const skipUser = push.type === 'presence' || push.type === 'typing' ? push.user.id : undefined;
    for (const member of members) {
      if (member.userId !== skipUser) member.deliver(room, outgoing);
    }
    // Every process that has the kicked user's connections takes them out; the push went first so
    // that they learn why.
    if (push.type === 'kicked') this.#remove(room, push.user);
  }

  #notify(push: UserNoticePush, skipConn?: string): void {
    const connections = this.#users.get(push.user);
    if (connections === undefined) return;
    const outgoing = new OutgoingPush(push);
    for (const member of connections) if (member.connId !== skipConn) member.notify(outgoing);
  }

  /**
   * A public room's change reaches every connection; a private room's, only those in it. A deleted
   * room's connections are then taken out of it, as a kick would.
   */
  #announce(push: DirectoryPush): void {
    const outgoing = new OutgoingPush(push);
    const members = this.#rooms.get(push.room)?.members;
    if (!push.private) {
      for (const connections of this.#users.values()) for (const member of connections) member.notify(outgoing);
    } else if (members !== undefined) {
      for (const member of members) member.notify(outgoing);
    }
    if (push.event !== 'deleted' || members === undefined) return;
    for (const userId of new Set([...members].map((member) => member.userId))) this.#remove(push.room, userId);
  }

  #remove(room: string, userId: string, skipConn?: string): void {
    const members = this.#rooms.get(room)?.members;
    if (members === undefined) return;
    for (const member of [...members]) {
      if (member.userId !== userId || member.connId === skipConn) continue;
      member.removed(room);
      this.leave(room, member).catch((error: unknown) => {
        this.#log.warn({ err: error, room }, 'unsubscribe after removal failed');
      });
      this.#onRemoved?.(room, member);
    }
  }
}
