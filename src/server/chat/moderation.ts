// Moderation of a room (not a DM): invite, kick, ban and unban, mute, roles and the topic. Owners
// and moderators act within their role (roles.ts), server admins as an owner would; every act is
// audited and told to the room (or to the invited user) after it is stored.
import type { UserRef } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { USER_NOTICES } from '../hub/hub.js';
import type { RoomStore } from '../store/room-store.js';
import type { MembershipStore } from '../store/membership-store.js';
import type { JoinedRoomStore } from '../store/joined-room-store.js';
import { canGrantRoles, canModerate } from './roles.js';
import { archivedRoom, forbidden } from './room-checks.js';
import { ChatPart } from './chat-part.js';

export interface ModerationDeps {
  rooms: RoomStore;
  memberships: MembershipStore;
  joined: JoinedRoomStore;
}

export class Moderation extends ChatPart<ModerationDeps> {
  /** Makes `target` a member (what a private room needs to be joined). */
  invite(actor: UserRef, room: string, target: string): Promise<void> {
    return this.fx.request(async () => {
      const { standing } = await this.checks.moderatedRoom(actor, room);
      if (!canModerate(standing.role)) throw forbidden('only moderators and the owner invite');
      await this.checks.requireUser(target);
      const theirs = await this.deps.memberships.standing(room, target);
      if (theirs.banned) throw new ProtocolError(ErrorCode.Banned, 'that user is banned here; unban first', 'user');
      if (theirs.role !== undefined) return;
      await this.deps.memberships.setRole(room, target, 'member', this.fx.now());
      this.fx.audit(actor, 'room.invite', room, target);
      await this.fx.publish(USER_NOTICES, { type: 'invited', room, user: target, by: actor, dm: false });
    });
  }

  /** Removes `target`'s connections from the room now, and its membership. */
  kick(actor: UserRef, room: string, target: string): Promise<void> {
    return this.fx.request(async () => {
      await this.checks.actOn(actor, room, target);
      await this.deps.memberships.setRole(room, target, null, this.fx.now());
      await this.deps.joined.markLeft(room, target, this.fx.now());
      this.fx.audit(actor, 'room.kick', room, target);
      await this.fx.publish(room, { type: 'kicked', room, user: target, by: actor, reason: 'kick' });
    });
  }

  /** A kick that also refuses every later join and send until `unban`. */
  ban(actor: UserRef, room: string, target: string): Promise<void> {
    return this.fx.request(async () => {
      await this.checks.actOn(actor, room, target);
      await this.deps.memberships.setBan(room, target, true, this.fx.now());
      await this.deps.joined.markLeft(room, target, this.fx.now());
      this.fx.audit(actor, 'room.ban', room, target);
      await this.fx.publish(room, { type: 'kicked', room, user: target, by: actor, reason: 'ban' });
    });
  }

  unban(actor: UserRef, room: string, target: string): Promise<void> {
    return this.fx.request(async () => {
      const { standing } = await this.checks.moderatedRoom(actor, room);
      if (!canModerate(standing.role)) throw forbidden('only moderators and the owner unban');
      await this.deps.memberships.setBan(room, target, false, this.fx.now());
      this.fx.audit(actor, 'room.unban', room, target);
    });
  }

  /** Owners and moderators set the topic of a room (not a DM); every member is told. */
  setTopic(actor: UserRef, room: string, topic: string): Promise<void> {
    return this.fx.request(async () => {
      const { info, standing } = await this.checks.moderatedRoom(actor, room);
      if (!canModerate(standing.role)) throw forbidden('only moderators and the owner set the topic');
      if (info.archived === true) throw archivedRoom(room);
      await this.deps.rooms.setTopic(room, topic === '' ? null : topic);
      this.fx.audit(actor, 'room.topic', room, undefined, topic);
      await this.fx.publish(room, { type: 'topic', room, topic, by: actor });
    });
  }

  /** Mutes for `seconds` (0 lifts the mute); returns when the mute ends (0 when lifted). */
  mute(actor: UserRef, room: string, target: string, seconds: number): Promise<number> {
    return this.fx.request(async () => {
      await this.checks.actOn(actor, room, target);
      const until = seconds === 0 ? 0 : this.fx.now() + seconds * 1000;
      await this.deps.memberships.setMute(room, target, until);
      this.fx.audit(actor, seconds === 0 ? 'room.unmute' : 'room.mute', room, target, seconds === 0 ? undefined : `${seconds} s`);
      await this.fx.publish(room, { type: 'muted', room, user: target, until });
      return until;
    });
  }

  setRole(actor: UserRef, room: string, target: string, role: 'moderator' | 'member'): Promise<void> {
    return this.fx.request(async () => {
      const { standing } = await this.checks.moderatedRoom(actor, room);
      if (!canGrantRoles(standing.role)) throw forbidden('only the owner gives roles');
      if (target === actor.id) throw forbidden('the owner keeps the owner role');
      await this.checks.requireUser(target);
      const theirs = await this.deps.memberships.standing(room, target);
      if (theirs.banned) throw new ProtocolError(ErrorCode.Banned, 'that user is banned here; unban first', 'user');
      await this.deps.memberships.setRole(room, target, role, this.fx.now());
      this.fx.audit(actor, 'room.role', room, target, role);
    });
  }
}
