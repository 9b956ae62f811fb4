// A small pg pool of its own for a store beside PostgresStore (API keys, files), on the same schema,
// migrated on open so that whichever opens first brings the schema up to date; and the one way
// those stores run a transaction.
import pg from 'pg';
import { migrate } from './postgres-schema.js';
import { StoreError } from './store.js';

const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openMigratedPool(options: { connectionString: string; schema?: string; poolSize?: number }, what: string): Promise<pg.Pool> {
  const schema = options.schema ?? 'public';
  if (!SCHEMA_PATTERN.test(schema)) throw new StoreError(`schema name "${schema}" must match ${SCHEMA_PATTERN.source}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 2,
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
    throw new StoreError(`could not open PostgreSQL for ${what}: ${(cause as Error).message}`, { cause });
  }
  return pool;
}

/** Runs `work` in one transaction on one connection of `pool`: committed if it resolves, else rolled back. */
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
