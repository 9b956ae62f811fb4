// Where the suites find PostgreSQL and Redis, and whether they are there. A suite whose service is
// absent is skipped with a visible message, except under CI=true, where absence is a failure.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';

export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** A name no other test run uses: for schemas, key prefixes and rooms. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

function absent(service: string, url: string, error: unknown): string {
  const reason = `${service} is not reachable at ${url} (${(error as Error).message})`;
  if (process.env['CI'] === 'true') throw new Error(`${reason}; CI=true requires it`);
  console.warn(`\n*** SKIPPING ${service} tests: ${reason} ***\n`);
  return `SKIPPED: ${reason}`;
}

/** Undefined when PostgreSQL answers; otherwise the skip message. */
export async function postgresSkip(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return absent('PostgreSQL', DATABASE_URL, error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Undefined when Redis answers; otherwise the skip message. */
export async function redisSkip(): Promise<string | undefined> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return absent('Redis', REDIS_URL, error);
  } finally {
    redis.disconnect();
  }
}

/** Drops a schema made by a test. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

/** Cuts every Redis connection whose client name is exactly `name` (as a crash or a network cut would). */
export async function killRedisClients(name: string, url = REDIS_URL): Promise<number> {
  const admin = new Redis(url, { maxRetriesPerRequest: 0 });
  try {
    const list = await admin.client('LIST');
    let killed = 0;
    for (const line of String(list).split('\n')) {
      const fields = new Map(line.split(' ').map((pair) => pair.split('=', 2) as [string, string]));
      if (fields.get('name') === name && fields.get('id') !== undefined) {
        killed += Number(await admin.client('KILL', 'ID', fields.get('id') as string));
      }
    }
    return killed;
  } finally {
    admin.disconnect();
  }
}
