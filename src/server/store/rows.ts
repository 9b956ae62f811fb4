// Rows as the two engines return them, mapped to Parley's types once. SQLite hands back numbers and
// 0/1 flags, pg hands back BIGINTs as strings and real booleans: each row type takes both, and each
// mapper turns either into the same value, so that every read reads identically on each engine.
import type { ChatMessage, Role, UserRef } from '../../protocol/messages.js';
import type { Account } from './account-store.js';
import type { Standing } from './membership-store.js';
import type { RoomRules } from './refusal.js';
import type { RoomInfo } from './room-store.js';
import { withState } from './message-state.js';

/** A BIGINT column: a number from SQLite, a string from pg. */
type Int = number | string;
/** A boolean column: 0/1 from SQLite, a boolean from pg. */
type Flag = number | boolean;

export interface MessageRow<N extends Int = Int> {
  room: string;
  seq: N;
  msg_id: string;
  user_id: string;
  user_name: string;
  cid: string;
  text: string;
  ts: N;
  edited_at: N | null;
  deleted_at: N | null;
  reply_to: N | null;
  files: string | null;
  thread_root: N | null;
  also_in_room: Flag;
}

export interface RoomRow<N extends Int = Int, F extends Flag = Flag> {
  name: string;
  seq: N;
  private: F;
  kind: string;
  topic: string | null;
  archived_at: N | null;
}

/** The rules an append must pass, as the append's own transaction reads them. */
export interface RulesRow<N extends Int = Int, F extends Flag = Flag> {
  private: F;
  archived: F;
  member: F;
  banned: F;
  muted_until: N;
}

/** One user's standing in one room: a role (null without a membership), a ban, a mute. */
export interface StandingRow<N extends Int = Int, F extends Flag = Flag> {
  role: string | null;
  banned: F;
  muted_until: N;
}

/**
 * The columns of a StandingRow, as SQL both engines run: `room` and `user` are the expressions (a
 * placeholder, or a column of the outer query) the three lookups are keyed by.
 */
export function standingColumns(room: string, user: string): string {
  return `(SELECT role FROM room_members WHERE room = ${room} AND user_id = ${user}) AS role,
          EXISTS (SELECT 1 FROM room_bans WHERE room = ${room} AND user_id = ${user}) AS banned,
          COALESCE((SELECT until FROM room_mutes WHERE room = ${room} AND user_id = ${user}), 0) AS muted_until`;
}

export interface AccountRow {
  id: string;
  name: string;
  username: string;
  password_hash: string;
}

const flag = (value: Flag): boolean => value === true || value === 1;

export function toMessage(row: MessageRow): ChatMessage {
  return withState(
    {
      room: row.room,
      seq: Number(row.seq),
      msgId: row.msg_id,
      cid: row.cid,
      from: { id: row.user_id, name: row.user_name },
      text: row.text,
      ts: Number(row.ts),
    },
    row,
  );
}

export function toRoomInfo(row: RoomRow): RoomInfo {
  const info: RoomInfo = { room: row.name, seq: Number(row.seq), private: flag(row.private), dm: row.kind === 'dm' };
  if (row.topic !== null) info.topic = row.topic;
  if (row.archived_at !== null) info.archived = true;
  return info;
}

export function toRoomRules(row: RulesRow): RoomRules {
  return {
    banned: flag(row.banned),
    private: flag(row.private),
    member: flag(row.member),
    mutedUntil: Number(row.muted_until),
    archived: flag(row.archived),
  };
}

/** A missing row (no such query result) stands for no membership, no ban, no mute. */
export function toStanding(row: StandingRow | undefined): Standing {
  const standing: Standing = { banned: row !== undefined && flag(row.banned), mutedUntil: Number(row?.muted_until ?? 0) };
  // Roles are written only by setRole, createRoom and openDm, always a Role.
  if (row !== undefined && row.role !== null) standing.role = row.role as Role;
  return standing;
}

export function toUser(row: { id: string; name: string }): UserRef {
  return { id: row.id, name: row.name };
}

export function toAccount(row: AccountRow): Account {
  return { user: toUser(row), username: row.username, passwordHash: row.password_hash };
}
