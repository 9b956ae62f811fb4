// API keys and incoming webhooks in PostgreSQL, on a small pool of their own: they are read on a
// cache miss and written by the CLI, never on the message path.
import pg from 'pg';
import { inTransaction, openMigratedPool } from './postgres-pool.js';
import { HOOK_SELECT, KEY_SELECT, toHookRecord, toKeyRecord, type HookRow, type KeyRow } from './api-key-rows.js';
import type { ApiKeyRecord, ApiKeyStore, HookRecord, NewApiKey, NewHook } from './api-keys.js';

const RECORD_BOT = `INSERT INTO users (id, name, kind, created_at, seen_at) VALUES ($1, $2, 'bot', $3, $3) ON CONFLICT (id) DO NOTHING`;

export class PostgresApiKeys implements ApiKeyStore {
  readonly #pool: pg.Pool;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  /** Connects and migrates `schema` (the same as PostgresStore's), so the CLI can run first. */
  static async open(options: { connectionString: string; schema?: string }): Promise<PostgresApiKeys> {
    return new PostgresApiKeys(await openMigratedPool(options, 'API keys'));
  }

  async createKey(key: NewApiKey): Promise<void> {
    await this.#transaction(async (client) => {
      if (key.bot !== undefined) await client.query(RECORD_BOT, [key.bot.id, key.bot.name, key.createdAt]);
      await client.query('INSERT INTO api_keys (id, key_hash, name, scopes, bot_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        key.id,
        key.keyHash,
        key.name,
        key.scopes.join(','),
        key.bot?.id ?? null,
        key.createdAt,
      ]);
    });
  }

  async findKey(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.#pool.query<KeyRow>(`${KEY_SELECT} WHERE k.key_hash = $1 AND k.revoked_at IS NULL`, [keyHash]);
    return rows[0] === undefined ? undefined : toKeyRecord(rows[0]);
  }

  async listKeys(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.#pool.query<KeyRow>(`${KEY_SELECT} ORDER BY k.created_at, k.id`);
    return rows.map(toKeyRecord);
  }

  async revokeKey(id: string, now: number): Promise<boolean> {
    const result = await this.#pool.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [now, id]);
    return result.rowCount === 1;
  }

  async createHook(hook: NewHook): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(RECORD_BOT, [hook.bot.id, hook.bot.name, hook.createdAt]);
      await client.query('INSERT INTO incoming_hooks (id, secret_hash, room, bot_id, created_at) VALUES ($1, $2, $3, $4, $5)', [
        hook.id,
        hook.secretHash,
        hook.room,
        hook.bot.id,
        hook.createdAt,
      ]);
    });
  }

  async findHook(secretHash: string): Promise<HookRecord | undefined> {
    const { rows } = await this.#pool.query<HookRow>(`${HOOK_SELECT} WHERE h.secret_hash = $1`, [secretHash]);
    return rows[0] === undefined ? undefined : toHookRecord(rows[0]);
  }

  async listHooks(): Promise<HookRecord[]> {
    const { rows } = await this.#pool.query<HookRow>(`${HOOK_SELECT} ORDER BY h.created_at, h.id`);
    return rows.map(toHookRecord);
  }

  async deleteHook(id: string): Promise<boolean> {
    const result = await this.#pool.query('DELETE FROM incoming_hooks WHERE id = $1', [id]);
    return result.rowCount === 1;
  }

  async endSessionsOf(userId: string): Promise<string[]> {
    const { rows } = await this.#pool.query<{ token_hash: string }>('DELETE FROM auth_sessions WHERE user_id = $1 RETURNING token_hash', [userId]);
    return rows.map((row) => row.token_hash);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  #transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    return inTransaction(this.#pool, work);
  }
}
