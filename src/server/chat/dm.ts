// Direct-message rooms: one per pair of users, named from the pair so that both sides (on any
// process) arrive at the same room without a lookup. User ids may hold characters a room name may
// not, so the name is a hash of the sorted pair.
import { createHash } from 'node:crypto';
import { DM_PREFIX, isDmRoom } from '../../protocol/patterns.js';

export function dmRoomName(a: string, b: string): string {
  const [first, second] = a < b ? [a, b] : [b, a];
  // 40 hex digits (160 bits): collisions are out of reach, and `dm-` + 40 fits the 64-character limit.
  return DM_PREFIX + createHash('sha256').update(`${first}\n${second}`).digest('hex').slice(0, 40);
}

/** The protocol's rule (protocol/patterns.ts), under the name the chat service reads it by. */
export const isDmName = isDmRoom;
