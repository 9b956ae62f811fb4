// A room's life: made with an owner (`create`) or as a DM (`dm`), archived and opened again,
// deleted with all it stored. Creation counts against the creator's room quota; each change of the
// directory is announced (see Hub: every connection for a public room).
import type { Logger } from 'pino';
import type { DirectoryPush, UserRef } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { USER_NOTICES } from '../hub/hub.js';
import type { RoomStore } from '../store/room-store.js';
import type { Creator, RoomQuota } from './room-quota.js';
import { dmRoomName, isDmName } from './dm.js';
import { ChatPart } from './chat-part.js';

export interface RoomLifecycleDeps {
  rooms: RoomStore;
  roomQuota: RoomQuota;
  log: Logger;
  /** Told after a room is deleted, so what lives beside it (its shared document) goes too. */
  onRoomDeleted?: ((room: string) => Promise<void>) | undefined;
}

export class RoomLifecycle extends ChatPart<RoomLifecycleDeps> {
  /** A room with an owner; the creator is the owner. */
  create(creator: Creator, room: string, options: { private: boolean; topic?: string }): Promise<void> {
    return this.fx.request(async () => {
      if (isDmName(room)) throw new ProtocolError(ErrorCode.Forbidden, 'names starting with dm- are for direct messages', 'room');
      const created = await this.#paidCreation(creator, () => this.deps.rooms.createRoom({ room, owner: creator.user.id, now: this.fx.now(), ...options }));
      if (!created) throw new ProtocolError(ErrorCode.RoomExists, `${room} exists already`, 'room');
      await this.#announce(room, 'created', options.private, creator.user);
    });
  }

  /**
   * Archives the room (read-only, out of the directory) or, with `archived: false`, opens it again.
   * The owner and the server's admins only; not a DM.
   */
  archive(actor: UserRef, room: string, archived: boolean): Promise<void> {
    return this.fx.request(async () => {
      const { info } = await this.checks.ownedRoom(actor, room, 'archives');
      if ((info.archived === true) === archived) return;
      await this.deps.rooms.setArchived(room, archived ? this.fx.now() : null);
      this.fx.audit(actor, archived ? 'room.archive' : 'room.unarchive', room);
      await this.#announce(room, archived ? 'archived' : 'unarchived', info.private, actor);
    });
  }

  /**
   * Deletes the room and all it stored; its connections are taken out of it. The owner and the
   * server's admins only; not a DM.
   */
  destroy(actor: UserRef, room: string): Promise<void> {
    return this.fx.request(async () => {
      const { info } = await this.checks.ownedRoom(actor, room, 'deletes');
      await this.deps.rooms.deleteRoom(room);
      await this.deps.onRoomDeleted?.(room).catch((error: unknown) => this.deps.log.error({ err: error, room }, 'could not delete the room’s document'));
      this.fx.audit(actor, 'room.delete', room);
      await this.#announce(room, 'deleted', info.private, actor);
    });
  }

  /** Tells connected clients that the directory changed (see Hub: everyone for a public room). */
  #announce(room: string, event: DirectoryPush['event'], isPrivate: boolean, by: UserRef): Promise<void> {
    return this.fx.publish(USER_NOTICES, { type: 'directory', room, event, private: isPrivate, by });
  }

  /** Runs a store write that may create a room under the creator's quota; refunded unless it created one. */
  async #paidCreation(creator: Creator, write: () => Promise<boolean>): Promise<boolean> {
    const refund = this.deps.roomQuota.reserve(creator);
    let created = false;
    try {
      created = await write();
      return created;
    } finally {
      if (!created) refund();
    }
  }

  /** The DM room of `actor` and `target`, made on first use with both as its only members. */
  dm(creator: Creator, target: string): Promise<{ room: string; user: UserRef }> {
    return this.fx.request(async () => {
      const actor = creator.user;
      if (target === actor.id) throw new ProtocolError(ErrorCode.BadRequest, 'a DM needs another user', 'user');
      const other = await this.checks.requireUser(target);
      const room = dmRoomName(actor.id, target);
      // Opening a DM that exists costs nothing: only its first opening creates a room.
      if ((await this.deps.rooms.roomInfo(room)) === undefined) {
        await this.#paidCreation(creator, () => this.deps.rooms.openDm(room, [actor.id, target], this.fx.now()));
      } else {
        await this.deps.rooms.openDm(room, [actor.id, target], this.fx.now());
      }
      // Every time, not only when the room is made: the other side may have closed the conversation.
      await this.fx.publish(USER_NOTICES, { type: 'invited', room, user: target, by: actor, dm: true });
      return { room, user: other };
    });
  }
}
