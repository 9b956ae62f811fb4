// A small pool of its own beside PostgresStore's, for tables read and written off the message path
// (API keys, the admin console): the CLI opens one too, so opening migrates the schema first.
import pg from 'pg';
import { migrate } from './postgres-schema.js';
import { StoreError } from './store.js';

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export interface SidePoolOptions {
  connectionString: string;
  schema?: string;
}

/** Connects to `schema` (the same as PostgresStore's) and migrates it; `purpose` names it in errors. */
export async function openSidePool(options: SidePoolOptions, purpose: string): Promise<pg.Pool> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_PATTERN.test(schema)) throw new StoreError(`schema name "${schema}" must match ${SCHEMA_PATTERN.source}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: 2,
    options: `-c search_path=${schema}`,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
  });
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
    throw new StoreError(`could not open PostgreSQL for ${purpose}: ${(cause as Error).message}`, { cause });
  }
  return pool;
}

/** Runs `work` in one transaction on a client of `pool`. */
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
