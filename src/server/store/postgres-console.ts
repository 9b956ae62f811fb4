// The admin console's tables in PostgreSQL, on a small pool of their own (postgres-pool.ts):
// written by `parley admin` and by admin requests, read on admin requests, never on the message path.
import type pg from 'pg';
import { inTransaction, openMigratedPool, type PoolOptions } from './postgres-pool.js';
import { likePattern } from './store.js';
import * as shapes from './console-rows.js';
import type { AdminRecord, AuditEntry, ConsoleStore, ListQuery, NewAuditEntry, Restriction, RoomListing, UserListing } from './console-store.js';
import type { UserKind, UserRef } from '../../protocol/messages.js';

export class PostgresConsole implements ConsoleStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  static async open(options: PoolOptions): Promise<PostgresConsole> {
    return new PostgresConsole(await openMigratedPool(options, 2, 'the admin console'));
  }

  async grantAdmin(userId: string, by: string, now: number): Promise<boolean> {
    const result = await this.#pool.query('INSERT INTO server_admins (user_id, granted_at, granted_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
      userId,
      now,
      by,
    ]);
    return result.rowCount === 1;
  }

  async revokeAdmin(userId: string): Promise<boolean> {
    const result = await this.#pool.query('DELETE FROM server_admins WHERE user_id = $1', [userId]);
    return result.rowCount === 1;
  }

  async listAdmins(): Promise<AdminRecord[]> {
    const { rows } = await this.#pool.query<shapes.AdminRow>(`${shapes.ADMIN_SELECT} ORDER BY a.granted_at, a.user_id`);
    return rows.map(shapes.toAdmin);
  }

  async isAdmin(userId: string): Promise<boolean> {
    const { rows } = await this.#pool.query('SELECT 1 FROM server_admins WHERE user_id = $1', [userId]);
    return rows.length > 0;
  }

  async resolveUser(nameOrId: string): Promise<UserRef | undefined> {
    const { rows } = await this.#pool.query<{ id: string; name: string }>(
      'SELECT id, name FROM users WHERE username = lower($1) OR id = $1 ORDER BY username IS NULL LIMIT 1',
      [nameOrId],
    );
    return rows[0];
  }

  async recordAudit(entry: NewAuditEntry): Promise<void> {
    await this.#pool.query('INSERT INTO audit_log (at, actor_id, actor_name, action, room, target, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      entry.at,
      entry.actor.id,
      entry.actor.name,
      entry.action,
      entry.room ?? null,
      entry.target ?? null,
      entry.detail ?? null,
    ]);
  }

  async auditLog(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
    const { rows } = await this.#pool.query<shapes.AuditRow>(`${shapes.AUDIT_SELECT} WHERE id < $1 ORDER BY id DESC LIMIT $2`, [
      options.before ?? Number.MAX_SAFE_INTEGER,
      Math.min(options.limit, shapes.LIST_MAX),
    ]);
    return rows.map(shapes.toAudit);
  }

  async listUsers(query: ListQuery & { kind?: UserKind }): Promise<UserListing[]> {
    const pattern = likePattern(query.search ?? '');
    const { rows } = await this.#pool.query<shapes.UserRow>(
      `${shapes.USER_SELECT} WHERE (name ILIKE $1 ESCAPE '\\' OR id ILIKE $1 ESCAPE '\\') AND ($2::text IS NULL OR kind = $2) ORDER BY seen_at DESC, id LIMIT $3`,
      [pattern, query.kind ?? null, Math.min(query.limit, shapes.LIST_MAX)],
    );
    return rows.map(shapes.toUserListing);
  }

  async listRooms(query: ListQuery): Promise<RoomListing[]> {
    const { rows } = await this.#pool.query<shapes.RoomRow>(
      `${shapes.ROOM_SELECT} AND r.name ILIKE $1 ESCAPE '\\' ORDER BY r.active_at DESC, r.name LIMIT $2`,
      [likePattern(query.search ?? ''), Math.min(query.limit, shapes.LIST_MAX)],
    );
    return rows.map(shapes.toRoomListing);
  }

  async setDisabled(userId: string, at: number | null): Promise<boolean> {
    const result = await this.#pool.query("UPDATE users SET disabled_at = $1 WHERE id = $2 AND kind = 'account'", [at, userId]);
    return result.rowCount === 1;
  }

  async isDisabled(userId: string): Promise<boolean> {
    const { rows } = await this.#pool.query<{ disabled_at: string | null }>('SELECT disabled_at FROM users WHERE id = $1', [userId]);
    return (rows[0]?.disabled_at ?? null) !== null;
  }

  setOwner(room: string, userId: string, now: number): Promise<boolean> {
    return inTransaction(this.#pool, async (client) => {
      const made = await client.query(
        `INSERT INTO room_members (room, user_id, role, since) SELECT name, $1, 'owner', $2 FROM rooms WHERE name = $3 AND kind <> 'dm'
         ON CONFLICT (room, user_id) DO UPDATE SET role = 'owner'`,
        [userId, now, room],
      );
      if (made.rowCount !== 1) return false;
      await client.query("UPDATE room_members SET role = 'moderator' WHERE room = $1 AND role = 'owner' AND user_id <> $2", [room, userId]);
      return true;
    });
  }

  async restrictionsOf(userId: string, now: number): Promise<Restriction[]> {
    const { rows } = await this.#pool.query<{ room: string; kind: 'ban' | 'mute'; at: string }>(
      `SELECT room, 'ban' AS kind, at FROM room_bans WHERE user_id = $1
       UNION ALL SELECT room, 'mute' AS kind, until AS at FROM room_mutes WHERE user_id = $1 AND until > $2 ORDER BY room, kind`,
      [userId, now],
    );
    return rows.map((row) => ({ room: row.room, kind: row.kind, at: Number(row.at) }));
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    const result = await this.#pool.query("UPDATE users SET password_hash = $1 WHERE id = $2 AND kind = 'account'", [passwordHash, userId]);
    return result.rowCount === 1;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
