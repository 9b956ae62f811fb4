// Real Parley server processes for the multi-process suites: `node dist/src/cli/parley.js serve`
// on a free port, sharing one PostgreSQL schema and one Redis key prefix made for the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { DATABASE_URL, REDIS_URL, dropSchema, uniqueName } from './services.js';
import { tempDataDir } from './server.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = join(projectRoot, 'dist', 'src', 'cli', 'parley.js');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

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

export interface NodeProcess {
  port: number;
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output: string[];
  exited: Promise<number | null>;
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

export async function startNode(env: Record<string, string>, args: string[] = [], port?: number): Promise<NodeProcess> {
  const chosen = port ?? (await freePort());
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(chosen), '--host', '127.0.0.1', ...args], {
    env: { PATH: process.env['PATH'] ?? '', PARLEY_DATA_DIR: tempDataDir(), PARLEY_RATE_LIMITS: 'off', PARLEY_MAX_CONN_PER_IP: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 500) output.shift();
    if (process.env['PARLEY_TEST_LOG'] !== undefined) process.stderr.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${chosen}`;
  const node: NodeProcess = {
    port: chosen,
    url,
    wsUrl: `ws://127.0.0.1:${chosen}/ws`,
    child,
    output,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  const started = await Promise.race([
    waitForStatus(url, 200, 20_000).then(() => true),
    exited.then(() => false),
  ]);
  if (!started) throw new Error(`node on port ${chosen} exited during start:\n${output.join('')}`);
  return node;
}

/** Polls GET /readyz until it answers `status`; resolves with how long that took. */
export async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const got = await fetch(`${url}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (got === status) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${url}/readyz did not answer ${status} within ${timeoutMs} ms (last: ${got})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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
