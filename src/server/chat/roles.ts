// Who may do what in a room (docs/decisions.md, "Room roles"). Pure functions over roles, so the
// rules read in one place and the chat service only asks.
import type { Role } from '../../protocol/messages.js';

const rank: Record<Role, number> = { owner: 3, moderator: 2, member: 1 };

export function rankOf(role: Role | undefined): number {
  return role === undefined ? 0 : rank[role];
}

/** Invite, unban, delete others' messages: moderators and the owner. */
export function canModerate(role: Role | undefined): boolean {
  return rankOf(role) >= rank.moderator;
}

/**
 * Kick, ban, mute: a moderator or the owner acting on someone of strictly lower rank. Nobody acts
 * on an equal or higher role, and so nobody on themselves.
 */
export function canActOn(actor: Role | undefined, target: Role | undefined): boolean {
  return canModerate(actor) && rankOf(actor) > rankOf(target);
}

/** Giving roles is the owner's alone. */
export function canGrantRoles(role: Role | undefined): boolean {
  return role === 'owner';
}
