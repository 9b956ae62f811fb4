// MembershipStore: where each user stands in each room (role, ban, mute), what roles.ts and the
// append's rules (refusal.ts) decide from.
import type { Role } from '../../protocol/messages.js';
import type { RoomInfo } from './room-store.js';

/** Where one user stands in one room. */
export interface Standing {
  /** Absent when the user has no membership (a visitor of a public room, or an outsider). */
  role?: Role;
  banned: boolean;
  /** Ms since the epoch until which the user may not send; 0 when not muted. */
  mutedUntil: number;
}

/**
 * Contract (test/contract/membership-store.contract.ts): moderation state is per room and user id;
 * a ban removes the membership. A ban or mute holds for the next append, in the same store.
 */
export interface MembershipStore {
  standing(room: string, userId: string): Promise<Standing>;
  /**
   * The room's settings and the user's standing in it, in one read (every verb's first step, and a
   * join's: one round trip instead of two); undefined when there is no such room.
   */
  standingIn(room: string, userId: string): Promise<{ info: RoomInfo; standing: Standing } | undefined>;
  /** Gives the user a role in the room (a new member since `now`), or removes its membership (null). */
  setRole(room: string, userId: string, role: Role | null, now: number): Promise<void>;
  /** Bans (and removes the membership) or lifts a ban. */
  setBan(room: string, userId: string, banned: boolean, now: number): Promise<void>;
  /** Mutes until `until` (ms since the epoch); 0 lifts the mute. */
  setMute(room: string, userId: string, until: number): Promise<void>;
}
