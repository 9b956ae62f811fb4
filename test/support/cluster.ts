// Settings and cleanup for the multi-process suites: every test cluster gets its own PostgreSQL
// schema and Redis key prefix, so suites (and runs) never see each other's rooms. The processes
// themselves are started with spawnServer (test/support/process.ts).
import { Redis } from 'ioredis';
import { DATABASE_URL, REDIS_URL, dropSchema, uniqueName } from './services.js';

/** Settings for nodes of one test cluster: its own schema and key prefix, and short presence timing. */
export function clusterEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PARLEY_STORE: 'postgres',
    DATABASE_URL,
    PARLEY_PG_SCHEMA: uniqueName('cluster'),
    PARLEY_BROKER: 'redis',
    REDIS_URL,
    PARLEY_REDIS_PREFIX: `${uniqueName('cluster')}:`,
    PARLEY_SECRET: 'a-test-secret-shared-by-every-node-0123456789',
    PARLEY_PRESENCE_TTL_MS: '2000',
    PARLEY_PRESENCE_REFRESH_MS: '500',
    PARLEY_LOG_LEVEL: process.env['PARLEY_TEST_LOG'] ?? 'warn',
    ...overrides,
  };
}

/** Removes what a test cluster left: its PostgreSQL schema and its Redis keys. */
export async function dropCluster(env: Record<string, string>): Promise<void> {
  await dropSchema(env['PARLEY_PG_SCHEMA'] as string);
  const redis = new Redis(env['REDIS_URL'] as string, { maxRetriesPerRequest: 0 });
  try {
    const keys = await redis.keys(`${env['PARLEY_REDIS_PREFIX'] as string}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
