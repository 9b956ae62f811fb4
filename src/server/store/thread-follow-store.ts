// ThreadFollowStore: the threads each user follows (it wrote the root or a reply) and how far the
// user has read each, the per-thread read marker that follows the user to every device.

import type { FollowedThread } from '../../protocol/messages.js';

export type { FollowedThread };

/** Contract: test/contract/thread-follow-store.contract.ts, on every implementation. */
export interface ThreadFollowStore {
  /** `userId` follows the thread (again: no change, its marker stays). */
  followThread(room: string, root: number, userId: string, now: number): Promise<void>;
  /**
   * Records that `userId` read the thread up to `seq` (capped at the room's seq; never moved back),
   * following it if it did not; resolves the marker as it now stands.
   */
  markThreadRead(room: string, root: number, userId: string, seq: number, now: number): Promise<number>;
  /** Up to `limit` followed threads, the most recently answered first. */
  followedThreads(userId: string, limit: number): Promise<FollowedThread[]>;
}

/** The followed-threads query of both engines (`$user`, `$limit`: the engine's placeholders). */
export function followedThreadsSql(user: string, limit: string): string {
  return `SELECT f.room, f.root, f.read_seq AS read,
      (SELECT count(*) FROM messages m WHERE m.room = f.room AND m.thread_root = f.root AND m.deleted_at IS NULL) AS replies,
      (SELECT count(*) FROM messages m WHERE m.room = f.room AND m.thread_root = f.root AND m.deleted_at IS NULL
          AND m.seq > f.read_seq AND m.user_id <> f.user_id) AS unread,
      COALESCE((SELECT max(m.seq) FROM messages m WHERE m.room = f.room AND m.thread_root = f.root), 0) AS last_seq
    FROM thread_follows f WHERE f.user_id = ${user} ORDER BY last_seq DESC, f.since DESC LIMIT ${limit}`;
}

export interface FollowedRow {
  room: string;
  root: number | string;
  read: number | string;
  replies: number | string;
  unread: number | string;
  last_seq: number | string;
}

export function toFollowed(row: FollowedRow): FollowedThread {
  return {
    room: row.room,
    root: Number(row.root),
    replies: Number(row.replies),
    unread: Number(row.unread),
    read: Number(row.read),
    lastSeq: Number(row.last_seq),
  };
}
