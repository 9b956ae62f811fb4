// Starts a real Parley server in this process, on a free port, with its own data directory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig, type Config } from '../../src/server/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';

export interface TestServer extends RunningServer {
  wsUrl: string;
  config: Config;
  /** Closes the server; removes the data dir unless `keepData`. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export const TEST_LIMITS_OFF = { PARLEY_RATE_LIMITS: 'off', PARLEY_MAX_CONN_PER_IP: '0', PARLEY_MAX_HTTP_CONN_PER_IP: '0' } as const;
/**
 * The suites written before rooms were made only by `create` join names they never made: their
 * servers let a join create (PARLEY_JOIN_CREATES=on). Suites of explicit creation turn it off.
 */
export const TEST_JOIN_CREATES = { PARLEY_JOIN_CREATES: 'on' } as const;

export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'parley-test-'));
}

export async function startTestServer(overrides: Partial<Config> = {}, log?: Logger): Promise<TestServer> {
  const config: Config = {
    // Rate and per-address limits are off unless a test asks for them: most tests drive one
    // connection much faster than a person would, all from 127.0.0.1 (test/integration/limits.test.ts turns them on).
    ...loadConfig([], { ...TEST_LIMITS_OFF, ...TEST_JOIN_CREATES }),
    port: 0,
    host: '127.0.0.1',
    dataDir: tempDataDir(),
    logLevel: 'silent',
    ...overrides,
  };
  const server = await startServer(config, log ?? pino({ level: process.env['PARLEY_TEST_LOG'] ?? 'silent' }));
  const url = `http://127.0.0.1:${server.port}`;
  return {
    ...server,
    url,
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    config,
    async stop(options = {}) {
      await server.close();
      if (options.keepData !== true) rmSync(config.dataDir, { recursive: true, force: true });
    },
  };
}
