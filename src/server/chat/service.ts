// ChatService: the only path that stores and publishes. Sessions (WebSocket today, others later)
// and HTTP call it; it calls the Store first and the Broker second, never the other way round.
import type { ChatMessage, UserRef } from '../../protocol/messages.js';
import type { Broker } from '../broker/broker.js';
import type { Hub, Member } from '../hub/hub.js';
import type { Presence } from '../presence/presence.js';
import type { AppendResult, Store } from '../store/store.js';
import type { GuestIdentity, GuestIssuer } from '../auth/guest.js';
import type { Logger } from 'pino';

/** A connection as the chat service sees it. */
export interface Participant extends Member {
  readonly connId: string;
  readonly user: UserRef;
}

export interface JoinOutcome {
  seq: number;
  members: UserRef[];
  /** Every stored message after `since`, ascending; empty without `since`. */
  backlog: ChatMessage[];
  /** False when the gap after `since` was larger than the recovery limit, or `since` was ahead of the room. */
  recovered: boolean;
}

export interface ChatServiceDeps {
  store: Store;
  broker: Broker;
  presence: Presence;
  hub: Hub;
  guests: GuestIssuer;
  log: Logger;
  /** Most messages a join with `since` replays; a larger gap is left to `history`. */
  recoveryLimit: number;
}

export class ChatService {
  readonly #deps: ChatServiceDeps;

  constructor(deps: ChatServiceDeps) {
    this.#deps = deps;
    // Presence that changed elsewhere (a crashed process's users expiring) is announced like any other.
    deps.presence.onChange((room, user, event) => void this.#publish(room, { type: 'presence', room, user, event }));
  }

  /**
   * Synchronous, so that commands a client pipelines right behind its hello find it identified.
   * Recording the user is bookkeeping that no reply depends on.
   */
  hello(nick: string, resume: string | undefined): GuestIdentity {
    const identity = this.#deps.guests.issue(nick, resume);
    this.#deps.store.recordUser(identity.user, 'guest').catch((error: unknown) => {
      this.#deps.log.warn({ err: error }, 'could not record guest');
    });
    return identity;
  }

  members(room: string): Promise<UserRef[]> {
    return this.#deps.presence.members(room);
  }

  /**
   * Makes `who` a member of `room`. Live publications reach the participant from before the room's
   * seq is read, so together with the backlog nothing falls between the two; the caller drops live
   * messages at or below the last seq it delivered.
   */
  async join(who: Participant, room: string, since: number | undefined): Promise<JoinOutcome> {
    const { hub, store, presence, recoveryLimit } = this.#deps;
    await hub.join(room, who);
    const { seq } = await store.ensureRoom(room);
    if (await presence.add(room, who.connId, who.user)) {
      await this.#publish(room, { type: 'presence', room, user: who.user, event: 'join' });
    }
    const members = await presence.members(room);
    if (since === undefined || since === seq) return { seq, members, backlog: [], recovered: true };
    if (since > seq || seq - since > recoveryLimit) return { seq, members, backlog: [], recovered: false };
    return { seq, members, backlog: await store.after(room, since, seq - since), recovered: true };
  }

  async leave(who: Participant, room: string): Promise<void> {
    await this.#deps.hub.leave(room, who);
    if (await this.#deps.presence.remove(room, who.connId, who.user.id)) {
      await this.#publish(room, { type: 'presence', room, user: who.user, event: 'leave' });
    }
  }

  /** Stores first, then publishes. The result is what the sender is told. */
  async send(from: UserRef, room: string, text: string, cid: string): Promise<AppendResult> {
    const result = await this.#deps.store.append({ room, cid, from, text, ts: Date.now() });
    // A repeat is published again: its first attempt may have been stored by a commit whose reply
    // was lost (connection cut), and so never published. Members drop a seq they already have.
    await this.#publish(room, { type: 'message', ...result.message });
    return result;
  }

  history(room: string, before: number | undefined, limit: number): Promise<ChatMessage[]> {
    return this.#deps.store.history(room, before, limit);
  }

  async rooms(): Promise<{ room: string; seq: number; online: number }[]> {
    const rooms = await this.#deps.store.listRooms();
    const online = await this.#deps.presence.counts(rooms.map((summary) => summary.room));
    return rooms.map((summary, index) => ({ ...summary, online: online[index] ?? 0 }));
  }

  typing(user: UserRef, room: string): Promise<void> {
    return this.#publish(room, { type: 'typing', room, user });
  }

  // A failed publication is logged, not thrown: what it carried is stored (or, for presence and
  // typing, ephemeral), and members who missed a message recover it from the store by seq.
  async #publish(room: string, push: Parameters<Broker['publish']>[1]): Promise<void> {
    try {
      await this.#deps.broker.publish(room, push);
    } catch (error) {
      this.#deps.log.error({ err: error, room, push: push.type }, 'publish failed');
    }
  }
}
