// A pg pool on Parley's schema, migrated before it is handed out, and one transaction on it: what
// the stores beside PostgresStore (API keys, webhooks) open their own small pools with.
import pg from 'pg';
import { migrate } from './postgres-schema.js';
import { StoreError } from './store.js';

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PoolOptions {
  connectionString: string;
  schema?: string;
}

/** Connects and migrates `schema` (so a CLI can run before any server); `what` names it in errors. */
export async function openMigratedPool(options: PoolOptions, max: number, what: string): Promise<pg.Pool> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_PATTERN.test(schema)) throw new StoreError(`schema name "${schema}" must match ${SCHEMA_PATTERN.source}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
  });
  // An idle connection the server drops is reported here; the pool replaces it on the next query.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migrate(client, schema);
    } finally {
      client.release();
    }
  } catch (cause) {
    await pool.end().catch(() => undefined);
    throw new StoreError(`could not open PostgreSQL for ${what}: ${(cause as Error).message}`, { cause });
  }
  return pool;
}

/** Runs `work` in one transaction on one pooled connection, rolled back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
