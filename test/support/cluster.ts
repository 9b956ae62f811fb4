// Settings and cleanup for the multi-process suites: every test cluster gets its own PostgreSQL
// schema and Redis key prefix, so suites (and runs) never see each other's rooms. Separate processes
// are started with spawnServer (test/support/process.ts); sharedNodes runs the nodes in-process.
import { before, after } from 'node:test';
import { Redis } from 'ioredis';
import { DATABASE_URL, REDIS_URL, dropSchema, postgresSkip, redisSkip, uniqueName } from './services.js';
import { startTestServer, type TestServer } from './server.js';
import type { Config } from '../../src/server/config.js';
import { killAllServersAndWait, spawnServer, type ServerProcess } from './process.js';

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

/**
 * In-process servers sharing one PostgreSQL schema and one Redis prefix, started before the file's
 * tests and stopped (schema dropped) after them. `skip` says why they cannot run here, if so.
 */
export async function sharedNodes(name: string, count = 2, overrides: Partial<Config> = {}): Promise<{ skip: string | undefined; nodes: TestServer[] }> {
  const skip = (await postgresSkip()) ?? (await redisSkip());
  const schema = uniqueName(name);
  const prefix = `${uniqueName(name)}:`;
  const nodes: TestServer[] = [];
  before(async () => {
    if (skip !== undefined) return;
    for (let i = 0; i < count; i++) {
      nodes.push(
        await startTestServer({
          store: 'postgres',
          databaseUrl: DATABASE_URL,
          pgSchema: schema,
          broker: 'redis',
          redisUrl: REDIS_URL,
          redisPrefix: prefix,
          secret: 'a-test-secret-shared-by-both-nodes-0123456789',
          ...overrides,
        }),
      );
    }
  });
  after(async () => {
    if (skip !== undefined) return;
    for (const node of nodes) await node.stop();
    await dropSchema(schema);
  });
  return { skip, nodes };
}

/**
 * Two server processes (children, as deployed) sharing one PostgreSQL schema and Redis, started
 * before the file's tests and killed (schema dropped) after them; `skip` says why not when a service
 * is missing. `node(i)` is the i-th process once started.
 */
export async function twoProcessCluster(
  overrides: Record<string, string> = {},
): Promise<{ skip: string | undefined; env: Record<string, string>; node: (index: number) => ServerProcess }> {
  const skip = (await postgresSkip()) ?? (await redisSkip());
  const env = clusterEnv({ PARLEY_LOG_LEVEL: 'warn', ...overrides });
  const processes: ServerProcess[] = [];
  before(async () => {
    if (skip !== undefined) return;
    processes.push(...(await Promise.all([spawnServer({ env, startedWhen: 'ready' }), spawnServer({ env, startedWhen: 'ready' })])));
  });
  after(async () => {
    await killAllServersAndWait();
    if (skip === undefined) await dropCluster(env);
  });
  const node = (index: number): ServerProcess => {
    const found = processes[index];
    if (found === undefined) throw new Error(`no process ${index}`);
    return found;
  };
  return { skip, env, node };
}
