// The order in which a room refuses someone, in one place: banned first, then not a member of a
// private room, then (for a send) an archived room, then muted. Both stores apply it inside the append's write, and the
// chat service before a read or any other write, so every path answers the same refusal.
import type { AppendRefusal } from './message-store.js';

/** What a room's rules need to know about one user. */
export interface RoomRules {
  banned: boolean;
  private: boolean;
  member: boolean;
  /** Ms since the epoch until which the user may not send; 0 when not muted. */
  mutedUntil: number;
  /** An archived room is read-only for everyone. */
  archived: boolean;
}

/** Why the user may not read the room (join it, read its history), or undefined when it may. */
export function readRefusal(rules: Omit<RoomRules, 'mutedUntil' | 'archived'>): Exclude<AppendRefusal, 'muted' | 'archived' | 'not_found'> | undefined {
  if (rules.banned) return 'banned';
  if (rules.private && !rules.member) return 'not_member';
  return undefined;
}

/** Why the user may not send to the room at `at`, or undefined when it may. */
export function sendRefusal(rules: RoomRules, at: number): AppendRefusal | undefined {
  return readRefusal(rules) ?? (rules.archived ? 'archived' : rules.mutedUntil > at ? 'muted' : undefined);
}
