// API keys and incoming webhooks in the SQLite database file, on a connection of their own: they
// are written by `parley keys` / `parley hooks` (another process, while the server runs) and read
// by the server on a cache miss, never on the message path, so they need none of SqliteStore's
// batching. Each write is one transaction synced before it returns (synchronous FULL).
import type Database from 'better-sqlite3';
import { openSideDatabase } from './sqlite-side-db.js';
import { syncPromise } from './sync-promise.js';
import { HOOK_SELECT, KEY_SELECT, toHookRecord, toKeyRecord, type HookRow, type KeyRow } from './api-key-rows.js';
import type { ApiKeyRecord, ApiKeyStore, HookRecord, NewApiKey, NewHook } from './api-keys.js';

export class SqliteApiKeys implements ApiKeyStore {
  readonly #db: Database.Database;
  readonly #statements;

  /** `file`: the database file of SqliteStore (migrated here too, so the CLI can run first). */
  constructor(file: string) {
    this.#db = openSideDatabase(file);
    const db = this.#db;
    this.#statements = {
      recordBot: db.prepare<[string, string, number, number]>(
        `INSERT INTO users (id, name, kind, created_at, seen_at) VALUES (?, ?, 'bot', ?, ?) ON CONFLICT (id) DO NOTHING`,
      ),
      createKey: db.prepare<[string, string, string, string, string | null, number]>(
        'INSERT INTO api_keys (id, key_hash, name, scopes, bot_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      findKey: db.prepare<[string], KeyRow>(`${KEY_SELECT} WHERE k.key_hash = ? AND k.revoked_at IS NULL`),
      listKeys: db.prepare<[], KeyRow>(`${KEY_SELECT} ORDER BY k.created_at, k.id`),
      revokeKey: db.prepare<[number, string]>('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
      createHook: db.prepare<[string, string, string, string, number]>(
        'INSERT INTO incoming_hooks (id, secret_hash, room, bot_id, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      findHook: db.prepare<[string], HookRow>(`${HOOK_SELECT} WHERE h.secret_hash = ?`),
      listHooks: db.prepare<[], HookRow>(`${HOOK_SELECT} ORDER BY h.created_at, h.id`),
      deleteHook: db.prepare<[string]>('DELETE FROM incoming_hooks WHERE id = ?'),
      endSessions: db.prepare<[string], { token_hash: string }>('DELETE FROM auth_sessions WHERE user_id = ? RETURNING token_hash'),
    };
  }

  createKey(key: NewApiKey): Promise<void> {
    return syncPromise(() =>
      this.#db.transaction(() => {
        if (key.bot !== undefined) this.#statements.recordBot.run(key.bot.id, key.bot.name, key.createdAt, key.createdAt);
        this.#statements.createKey.run(key.id, key.keyHash, key.name, key.scopes.join(','), key.bot?.id ?? null, key.createdAt);
      })(),
    );
  }

  findKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    return syncPromise(() => {
      const row = this.#statements.findKey.get(keyHash);
      return row === undefined ? undefined : toKeyRecord(row);
    });
  }

  listKeys(): Promise<ApiKeyRecord[]> {
    return syncPromise(() => this.#statements.listKeys.all().map(toKeyRecord));
  }

  revokeKey(id: string, now: number): Promise<boolean> {
    return syncPromise(() => this.#statements.revokeKey.run(now, id).changes === 1);
  }

  createHook(hook: NewHook): Promise<void> {
    return syncPromise(() =>
      this.#db.transaction(() => {
        this.#statements.recordBot.run(hook.bot.id, hook.bot.name, hook.createdAt, hook.createdAt);
        this.#statements.createHook.run(hook.id, hook.secretHash, hook.room, hook.bot.id, hook.createdAt);
      })(),
    );
  }

  findHook(secretHash: string): Promise<HookRecord | undefined> {
    return syncPromise(() => {
      const row = this.#statements.findHook.get(secretHash);
      return row === undefined ? undefined : toHookRecord(row);
    });
  }

  listHooks(): Promise<HookRecord[]> {
    return syncPromise(() => this.#statements.listHooks.all().map(toHookRecord));
  }

  deleteHook(id: string): Promise<boolean> {
    return syncPromise(() => this.#statements.deleteHook.run(id).changes === 1);
  }

  endSessionsOf(userId: string): Promise<string[]> {
    return syncPromise(() => this.#statements.endSessions.all(userId).map((row) => row.token_hash));
  }

  close(): Promise<void> {
    this.#db.close();
    return Promise.resolve();
  }
}
