// Settings, from (in order of precedence) command-line flags, environment variables and defaults.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** Largest WebSocket frame accepted, in bytes. */
  maxFrameBytes: number;
  heartbeatMs: number;
  /** Bytes a connection may have waiting to be sent before it is closed as a slow consumer. */
  outboxLimitBytes: number;
  /** Most missed messages a `join` with `since` replays. */
  recoveryLimit: number;
  sqliteSynchronous: 'full' | 'normal';
  logLevel: string;
  /** Directory of the built web app, served at `/`. */
  webRoot: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const flags = {
  port: { type: 'string', short: 'p' },
  host: { type: 'string' },
  'data-dir': { type: 'string' },
  'max-frame': { type: 'string' },
  'log-level': { type: 'string' },
} as const;

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const { values } = parseArgs({ args: [...argv], options: flags, strict: true, allowPositionals: false });
  const sync = (env['PARLEY_SQLITE_SYNC'] ?? 'full').toLowerCase();
  if (sync !== 'full' && sync !== 'normal') throw new ConfigError('PARLEY_SQLITE_SYNC must be full or normal');
  return {
    port: integer('PORT', values.port ?? env['PORT'], 8080, 0, 65535),
    host: values.host ?? env['HOST'] ?? '0.0.0.0',
    dataDir: resolve(values['data-dir'] ?? env['PARLEY_DATA_DIR'] ?? './data'),
    maxFrameBytes: integer('PARLEY_MAX_FRAME', values['max-frame'] ?? env['PARLEY_MAX_FRAME'], 64 * 1024, 1024, 16 * 1024 * 1024),
    heartbeatMs: integer('PARLEY_HEARTBEAT_MS', env['PARLEY_HEARTBEAT_MS'], 30_000, 100, 3_600_000),
    outboxLimitBytes: integer('PARLEY_OUTBOX_LIMIT', env['PARLEY_OUTBOX_LIMIT'], 4 * 1024 * 1024, 64 * 1024, 1024 ** 3),
    recoveryLimit: integer('PARLEY_RECOVERY_LIMIT', env['PARLEY_RECOVERY_LIMIT'], 5000, 0, 1_000_000),
    sqliteSynchronous: sync,
    logLevel: values['log-level'] ?? env['PARLEY_LOG_LEVEL'] ?? 'info',
    webRoot: env['PARLEY_WEB_ROOT'],
  };
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
