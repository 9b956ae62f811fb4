// Hub: this process's rooms and the connections in them. It subscribes the broker to a room when
// the room's first local member arrives and unsubscribes when the last one leaves, and it delivers
// only what the broker hands back, so one process and many take the same path.
import type { Push } from '../../protocol/messages.js';
import type { Broker } from '../broker/broker.js';
import { OutgoingPush } from './outgoing.js';

/** A connection as the hub sees it. */
export interface Member {
  readonly userId: string;
  deliver(room: string, outgoing: OutgoingPush): void;
}

interface LocalRoom {
  members: Set<Member>;
  /** Settles when the broker subscription for the room is in place. */
  subscribed: Promise<void>;
}

export class Hub {
  readonly #broker: Broker;
  readonly #rooms = new Map<string, LocalRoom>();

  constructor(broker: Broker) {
    this.#broker = broker;
    broker.onPublication((room, push) => this.#deliver(room, push));
  }

  /** Adds a member; resolves once the room's publications reach this process. */
  join(room: string, member: Member): Promise<void> {
    let local = this.#rooms.get(room);
    if (local === undefined) {
      local = { members: new Set(), subscribed: this.#broker.subscribe(room) };
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
      await local.subscribed.catch(() => undefined);
      // A member may have arrived while we waited; its join made a fresh subscription.
      if (!this.#rooms.has(room)) await this.#broker.unsubscribe(room);
    }
  }

  /** Local connections in the room. */
  localCount(room: string): number {
    return this.#rooms.get(room)?.members.size ?? 0;
  }

  #deliver(room: string, push: Push): void {
    const members = this.#rooms.get(room)?.members;
    if (members === undefined) return;
    const outgoing = new OutgoingPush(push);
    // Typing and presence are news about a user for the others: none of that user's connections
    // hear it (a joiner learns the members from its join reply).
    const skipUser = push.type === 'message' ? undefined : push.user.id;
    for (const member of members) {
      if (member.userId !== skipUser) member.deliver(room, outgoing);
    }
  }
}
