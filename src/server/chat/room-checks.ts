// Where a user stands in a room and what that lets it do, for every chat verb: the room's
// settings and the user's standing read together, the refusals in their one order (refusal.ts), who
// moderates (server admins as an owner would), who owns. The chat service and its parts
// (moderation.ts, room-lifecycle.ts) share one; nothing here writes.
import type { UserRef } from '../../protocol/messages.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import type { AppendRefused } from '../store/message-store.js';
import type { RoomInfo, RoomStore } from '../store/room-store.js';
import type { MembershipStore, Standing } from '../store/membership-store.js';
import type { UserStore } from '../store/user-store.js';
import { readRefusal, sendRefusal, type RoomRules } from '../store/refusal.js';
import type { AdminCheck } from '../auth/server-admins.js';
import { canActOn, canModerate } from './roles.js';
import { OPERATOR_STANDING, isOperator } from './operator.js';

export interface RoomChecksDeps {
  rooms: RoomStore;
  memberships: MembershipStore;
  users: UserStore;
  admins?: AdminCheck | undefined;
}

export class RoomChecks {
  readonly #deps: RoomChecksDeps;

  constructor(deps: RoomChecksDeps) {
    this.#deps = deps;
  }

  requireReader(info: RoomInfo, standing: Standing): void {
    const refused = readRefusal(rulesOf(info, standing));
    if (refused !== undefined) throw refusal(refused, info.room);
  }

  /** The room's settings and the user's standing in it; not_found when there is no such room. */
  async standingIn(user: UserRef, room: string): Promise<{ info: RoomInfo; standing: Standing }> {
    const found = await this.find(user, room);
    if (found === undefined) throw new ProtocolError(ErrorCode.NotFound, `no room ${room}`, 'room');
    return found;
  }

  /** The room's settings and the user's standing in it (one read), or undefined when there is no such room. */
  async find(user: UserRef, room: string): Promise<{ info: RoomInfo; standing: Standing } | undefined> {
    if (!isOperator(user)) return this.#deps.memberships.standingIn(room, user.id);
    const info = await this.#deps.rooms.roomInfo(room);
    return info === undefined ? undefined : { info, standing: { ...OPERATOR_STANDING } };
  }

  async reader(user: UserRef, room: string): Promise<{ info: RoomInfo; standing: Standing }> {
    const found = await this.standingIn(user, room);
    this.requireReader(found.info, found.standing);
    return found;
  }

  /** Where `user` stands in `room`; the server API's operator (chat/operator.ts) is an owner everywhere. */
  standing(room: string, user: UserRef): Promise<Standing> {
    return isOperator(user) ? Promise.resolve({ ...OPERATOR_STANDING }) : this.#deps.memberships.standing(room, user.id);
  }

  async requireWriter(user: UserRef, room: string, now: number): Promise<void> {
    const { info, standing } = await this.standingIn(user, room);
    const refused = sendRefusal(rulesOf(info, standing), now);
    if (refused !== undefined) throw refusal(refused, room);
  }

  /** A room that can be moderated: it exists and is not a DM (DMs have no moderators). */
  async moderatedRoom(actor: UserRef, room: string): Promise<{ info: RoomInfo; standing: Standing }> {
    const found = await this.standingIn(actor, room);
    // Server admins moderate every room as its owner would (from the console or any client).
    if (!found.info.dm && found.standing.role !== 'owner' && (await this.#deps.admins?.isAdmin(actor.id)) === true) {
      return { info: found.info, standing: { ...OPERATOR_STANDING } };
    }
    this.requireReader(found.info, found.standing);
    if (found.info.dm) throw forbidden('a DM has no moderators');
    return found;
  }

  async actOn(actor: UserRef, room: string, target: string): Promise<void> {
    const { standing } = await this.moderatedRoom(actor, room);
    if (!canModerate(standing.role)) throw forbidden('only moderators and the owner do that');
    await this.requireUser(target);
    const theirs = await this.#deps.memberships.standing(room, target);
    if (!canActOn(standing.role, theirs.role)) throw forbidden('nobody acts on an equal or higher role');
  }

  async requireUser(id: string): Promise<UserRef> {
    const user = await this.#deps.users.findUser(id);
    if (user === undefined) throw new ProtocolError(ErrorCode.NotFound, `no user ${id}`, 'user');
    return user;
  }

  async ownedRoom(actor: UserRef, room: string, verb: string): Promise<{ info: RoomInfo; standing: Standing }> {
    const found = await this.standingIn(actor, room);
    const admin = (await this.#deps.admins?.isAdmin(actor.id)) === true;
    if (!admin) this.requireReader(found.info, found.standing);
    if (found.info.dm) throw forbidden('a DM cannot be archived or deleted; close the conversation instead');
    if (found.standing.role !== 'owner' && !admin) throw forbidden(`only the owner ${verb} a room`);
    return found;
  }
}

export function forbidden(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.Forbidden, message);
}

export function archivedRoom(room: string): ProtocolError {
  return new ProtocolError(ErrorCode.Archived, `${room} is archived: it can be read, not written to`, 'room');
}

/** What the room's rules (refusal.ts) need from its settings and the user's standing. */
export function rulesOf(info: RoomInfo, standing: Standing): RoomRules {
  return {
    banned: standing.banned,
    private: info.private,
    member: standing.role !== undefined,
    mutedUntil: standing.mutedUntil,
    archived: info.archived === true,
  };
}

export function refusal(reason: AppendRefused['reason'], room: string): ProtocolError {
  switch (reason) {
    case 'banned':
      return new ProtocolError(ErrorCode.Banned, `you are banned from ${room}`, 'room');
    case 'muted':
      return new ProtocolError(ErrorCode.Muted, `you are muted in ${room}`, 'room');
    case 'not_member':
      return new ProtocolError(ErrorCode.NotMember, `${room} is private; ask for an invite`, 'room');
    case 'archived':
      return archivedRoom(room);
    case 'not_found':
      return new ProtocolError(ErrorCode.NotFound, `${room} was deleted`, 'room');
  }
}
