// The admin console's tables in the SQLite database file, on a connection of their own (as
// sqlite-api-keys.ts): `parley admin` writes them from another process while the server runs, and
// the server reads them on admin requests only. Each write is one statement synced before it returns.
import type Database from 'better-sqlite3';
import { openSideDatabase } from './sqlite-side-db.js';
import { likePattern } from './store.js';
import { syncPromise } from './sync-promise.js';
import * as shapes from './console-rows.js';
import type { AdminRecord, AuditEntry, ConsoleStore, ListQuery, NewAuditEntry, Restriction, RoomListing, UserListing } from './console-store.js';
import type { UserKind, UserRef } from '../../protocol/messages.js';

export class SqliteConsole implements ConsoleStore {
  readonly #db: Database.Database;
  readonly #statements;

  /** `file`: the database file of SqliteStore (migrated here too, so the CLI can run first). */
  constructor(file: string) {
    this.#db = openSideDatabase(file);
    const db = this.#db;
    this.#statements = {
      grant: db.prepare<[string, number, string]>('INSERT INTO server_admins (user_id, granted_at, granted_by) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      revoke: db.prepare<[string]>('DELETE FROM server_admins WHERE user_id = ?'),
      admins: db.prepare<[], shapes.AdminRow>(`${shapes.ADMIN_SELECT} ORDER BY a.granted_at, a.user_id`),
      isAdmin: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM server_admins WHERE user_id = ?'),
      resolve: db.prepare<[string, string], { id: string; name: string }>(
        'SELECT id, name FROM users WHERE username = lower(?) OR id = ? ORDER BY username IS NULL LIMIT 1',
      ),
      audit: db.prepare<[number, string, string, string, string | null, string | null, string | null]>(
        'INSERT INTO audit_log (at, actor_id, actor_name, action, room, target, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      auditLog: db.prepare<[number, number], shapes.AuditRow>(`${shapes.AUDIT_SELECT} WHERE id < ? ORDER BY id DESC LIMIT ?`),
      users: db.prepare<[string, string, string | null, string | null, number], shapes.UserRow>(
        `${shapes.USER_SELECT} WHERE (name LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\') AND (? IS NULL OR kind = ?) ORDER BY seen_at DESC, id LIMIT ?`,
      ),
      rooms: db.prepare<[string, number], shapes.RoomRow>(`${shapes.ROOM_SELECT} AND r.name LIKE ? ESCAPE '\\' ORDER BY r.active_at DESC, r.name LIMIT ?`),
      disable: db.prepare<[number | null, string]>("UPDATE users SET disabled_at = ? WHERE id = ? AND kind = 'account'"),
      disabled: db.prepare<[string], { disabled_at: number | null }>('SELECT disabled_at FROM users WHERE id = ?'),
      demoteOwner: db.prepare<[string, string]>("UPDATE room_members SET role = 'moderator' WHERE room = ? AND role = 'owner' AND user_id <> ?"),
      makeOwner: db.prepare<[string, number, string]>(
        `INSERT INTO room_members (room, user_id, role, since) SELECT name, ?, 'owner', ? FROM rooms WHERE name = ? AND kind <> 'dm'
         ON CONFLICT (room, user_id) DO UPDATE SET role = 'owner'`,
      ),
      restrictions: db.prepare<[string, string, number], { room: string; kind: 'ban' | 'mute'; at: number }>(
        `SELECT room, 'ban' AS kind, at FROM room_bans WHERE user_id = ?
         UNION ALL SELECT room, 'mute' AS kind, until AS at FROM room_mutes WHERE user_id = ? AND until > ? ORDER BY room, kind`,
      ),
      password: db.prepare<[string, string]>("UPDATE users SET password_hash = ? WHERE id = ? AND kind = 'account'"),
    };
  }

  grantAdmin(userId: string, by: string, now: number): Promise<boolean> {
    return syncPromise(() => this.#statements.grant.run(userId, now, by).changes === 1);
  }

  revokeAdmin(userId: string): Promise<boolean> {
    return syncPromise(() => this.#statements.revoke.run(userId).changes === 1);
  }

  listAdmins(): Promise<AdminRecord[]> {
    return syncPromise(() => this.#statements.admins.all().map(shapes.toAdmin));
  }

  isAdmin(userId: string): Promise<boolean> {
    return syncPromise(() => this.#statements.isAdmin.get(userId) !== undefined);
  }

  resolveUser(nameOrId: string): Promise<UserRef | undefined> {
    return syncPromise(() => this.#statements.resolve.get(nameOrId, nameOrId));
  }

  recordAudit(entry: NewAuditEntry): Promise<void> {
    return syncPromise(() => {
      this.#statements.audit.run(entry.at, entry.actor.id, entry.actor.name, entry.action, entry.room ?? null, entry.target ?? null, entry.detail ?? null);
    });
  }

  auditLog(options: { before?: number; limit: number }): Promise<AuditEntry[]> {
    return syncPromise(() =>
      this.#statements.auditLog.all(options.before ?? Number.MAX_SAFE_INTEGER, Math.min(options.limit, shapes.LIST_MAX)).map(shapes.toAudit),
    );
  }

  listUsers(query: ListQuery & { kind?: UserKind }): Promise<UserListing[]> {
    const pattern = likePattern(query.search ?? '');
    const kind = query.kind ?? null;
    return syncPromise(() => this.#statements.users.all(pattern, pattern, kind, kind, Math.min(query.limit, shapes.LIST_MAX)).map(shapes.toUserListing));
  }

  listRooms(query: ListQuery): Promise<RoomListing[]> {
    return syncPromise(() => this.#statements.rooms.all(likePattern(query.search ?? ''), Math.min(query.limit, shapes.LIST_MAX)).map(shapes.toRoomListing));
  }

  setDisabled(userId: string, at: number | null): Promise<boolean> {
    return syncPromise(() => this.#statements.disable.run(at, userId).changes === 1);
  }

  isDisabled(userId: string): Promise<boolean> {
    return syncPromise(() => (this.#statements.disabled.get(userId)?.disabled_at ?? null) !== null);
  }

  setOwner(room: string, userId: string, now: number): Promise<boolean> {
    return syncPromise(() =>
      this.#db.transaction(() => {
        const made = this.#statements.makeOwner.run(userId, now, room).changes === 1;
        if (made) this.#statements.demoteOwner.run(room, userId);
        return made;
      })(),
    );
  }

  restrictionsOf(userId: string, now: number): Promise<Restriction[]> {
    return syncPromise(() => this.#statements.restrictions.all(userId, userId, now));
  }

  setPasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    return syncPromise(() => this.#statements.password.run(passwordHash, userId).changes === 1);
  }

  close(): Promise<void> {
    return syncPromise(() => {
      this.#db.close();
    });
  }
}
