// Rows of the console tables as both engines return them, and their records (console-store.ts).
import type { UserKind } from '../../protocol/messages.js';
import type { AdminRecord, AuditEntry, RoomListing, UserListing } from './console-store.js';

/** Counts and times arrive as numbers from SQLite and as strings (bigint) from PostgreSQL. */
type Int = number | string;
type Flag = number | boolean;

export interface AdminRow {
  user_id: string;
  name: string | null;
  granted_at: Int;
  granted_by: string;
}
export interface AuditRow {
  id: Int;
  at: Int;
  actor_id: string;
  actor_name: string;
  action: string;
  room: string | null;
  target: string | null;
  detail: string | null;
}
export interface UserRow {
  id: string;
  name: string;
  kind: string;
  created_at: Int;
  seen_at: Int;
  disabled_at: Int | null;
}
export interface RoomRow {
  name: string;
  private: Flag;
  archived_at: Int | null;
  seq: Int;
  joined: Int;
  owner: string | null;
  created_at: Int;
  active_at: Int;
}

export const ADMIN_SELECT = 'SELECT a.user_id, u.name, a.granted_at, a.granted_by FROM server_admins a LEFT JOIN users u ON u.id = a.user_id';
export const AUDIT_SELECT = 'SELECT id, at, actor_id, actor_name, action, room, target, detail FROM audit_log';
export const USER_SELECT = 'SELECT id, name, kind, created_at, seen_at, disabled_at FROM users';
// Joined counts and the owner per listed room only: the LIMIT applies before these run.
export const ROOM_SELECT = `SELECT r.name, r.private, r.archived_at, r.seq, r.created_at, r.active_at,
    (SELECT count(*) FROM joined_rooms j WHERE j.room = r.name) AS joined,
    (SELECT m.user_id FROM room_members m WHERE m.room = r.name AND m.role = 'owner' LIMIT 1) AS owner
  FROM rooms r WHERE r.kind <> 'dm'`;

export function toAdmin(row: AdminRow): AdminRecord {
  return { user: { id: row.user_id, name: row.name ?? row.user_id }, grantedAt: Number(row.granted_at), grantedBy: row.granted_by };
}

export function toAudit(row: AuditRow): AuditEntry {
  return {
    id: Number(row.id),
    at: Number(row.at),
    actor: { id: row.actor_id, name: row.actor_name },
    action: row.action,
    ...(row.room === null ? {} : { room: row.room }),
    ...(row.target === null ? {} : { target: row.target }),
    ...(row.detail === null ? {} : { detail: row.detail }),
  };
}

export function toUserListing(row: UserRow): UserListing {
  return {
    user: { id: row.id, name: row.name },
    kind: row.kind as UserKind,
    createdAt: Number(row.created_at),
    seenAt: Number(row.seen_at),
    ...(row.disabled_at === null ? {} : { disabledAt: Number(row.disabled_at) }),
  };
}

export function toRoomListing(row: RoomRow): RoomListing {
  return {
    room: row.name,
    private: row.private === 1 || row.private === true,
    archived: row.archived_at !== null,
    seq: Number(row.seq),
    joined: Number(row.joined),
    ...(row.owner === null ? {} : { owner: row.owner }),
    createdAt: Number(row.created_at),
    activeAt: Number(row.active_at),
  };
}

/** At most this many rows per list request, whatever is asked. */
export const LIST_MAX = 200;
