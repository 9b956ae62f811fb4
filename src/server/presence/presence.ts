// Presence: who is online in each room, counted per user across all of that user's connections
// (and, with a shared implementation, across all server processes).
import type { UserRef } from '../../protocol/messages.js';

/**
 * A change that no add or remove on this process caused: the users of a crashed process expiring,
 * or this process's users coming back after it had been taken for dead. The chat service publishes it.
 */
export type PresenceListener = (room: string, user: UserRef, event: 'join' | 'leave') => void;

export interface Presence {
  /** Records a connection in a room; true when it is the user's first connection there. */
  add(room: string, connId: string, user: UserRef): Promise<boolean>;
  /** Forgets a connection; true when it was the user's last connection in the room. */
  remove(room: string, connId: string, userId: string): Promise<boolean>;
  /**
   * Up to `limit` distinct users online in the room, in no promised order (a big room's full list
   * is what a capped reply avoids building).
   */
  members(room: string, limit: number): Promise<UserRef[]>;
  /** Online user counts for the given rooms, in the same order. */
  counts(rooms: readonly string[]): Promise<number[]>;
  onChange(listener: PresenceListener): void;
  close(): Promise<void>;
}
