// MemoryPresence: presence for a single process.
import type { UserRef } from '../../protocol/messages.js';
import type { Presence } from './presence.js';

interface OnlineUser {
  user: UserRef;
  /**
   * The user's connections in the room: one id, or a set when there are several. Most users have
   * one, and a Set per member per room was a measurable share of each idle connection's memory.
   */
  conns: string | Set<string>;
}

export class MemoryPresence implements Presence {
  readonly #rooms = new Map<string, Map<string, OnlineUser>>();

  add(room: string, connId: string, user: UserRef): Promise<boolean> {
    let users = this.#rooms.get(room);
    if (users === undefined) {
      users = new Map();
      this.#rooms.set(room, users);
    }
    const online = users.get(user.id);
    if (online !== undefined) {
      if (typeof online.conns !== 'string') online.conns.add(connId);
      else if (online.conns !== connId) online.conns = new Set([online.conns, connId]);
      return Promise.resolve(false);
    }
    users.set(user.id, { user, conns: connId });
    return Promise.resolve(true);
  }

  remove(room: string, connId: string, userId: string): Promise<boolean> {
    const users = this.#rooms.get(room);
    const online = users?.get(userId);
    if (users === undefined || online === undefined) return Promise.resolve(false);
    if (typeof online.conns === 'string') {
      if (online.conns !== connId) return Promise.resolve(false);
    } else {
      if (!online.conns.delete(connId) || online.conns.size > 0) return Promise.resolve(false);
    }
    users.delete(userId);
    if (users.size === 0) this.#rooms.delete(room);
    return Promise.resolve(true);
  }

  members(room: string, limit: number): Promise<UserRef[]> {
    const found: UserRef[] = [];
    for (const online of this.#rooms.get(room)?.values() ?? []) {
      if (found.length >= limit) break;
      found.push(online.user);
    }
    return Promise.resolve(found);
  }

  counts(rooms: readonly string[]): Promise<number[]> {
    return Promise.resolve(rooms.map((room) => this.#rooms.get(room)?.size ?? 0));
  }

  /** One process: nothing changes behind its back. */
  onChange(): void {}

  close(): Promise<void> {
    this.#rooms.clear();
    return Promise.resolve();
  }
}
