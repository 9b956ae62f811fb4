// Rows of api_keys and incoming_hooks as both databases return them (PostgreSQL's bigint arrives as
// a string), and the records they become.
import { parseScopes, type ApiKeyRecord, type HookRecord } from './api-keys.js';

export interface KeyRow {
  id: string;
  name: string;
  scopes: string;
  bot_id: string | null;
  bot_name: string | null;
  created_at: number | string;
  revoked_at: number | string | null;
}

export interface HookRow {
  id: string;
  room: string;
  bot_id: string;
  bot_name: string | null;
  created_at: number | string;
}

export const KEY_SELECT = `SELECT k.id, k.name, k.scopes, k.bot_id, u.name AS bot_name, k.created_at, k.revoked_at
                      FROM api_keys k LEFT JOIN users u ON u.id = k.bot_id`;
export const HOOK_SELECT = `SELECT h.id, h.room, h.bot_id, u.name AS bot_name, h.created_at
                       FROM incoming_hooks h LEFT JOIN users u ON u.id = h.bot_id`;

export function toKeyRecord(row: KeyRow): ApiKeyRecord {
  const record: ApiKeyRecord = { id: row.id, name: row.name, scopes: parseScopes(row.scopes), createdAt: Number(row.created_at) };
  if (row.bot_id !== null) record.bot = { id: row.bot_id, name: row.bot_name ?? row.bot_id };
  if (row.revoked_at !== null) record.revokedAt = Number(row.revoked_at);
  return record;
}

export function toHookRecord(row: HookRow): HookRecord {
  return { id: row.id, room: row.room, bot: { id: row.bot_id, name: row.bot_name ?? row.bot_id }, createdAt: Number(row.created_at) };
}
