// Deployment settings: the store and broker are chosen by environment, and combinations that would
// run but lose or hide messages are refused at start with a message that says what to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../src/server/config.js';

const pgEnv = { PARLEY_STORE: 'postgres', DATABASE_URL: 'postgres://db/parley' };
const redisEnv = { PARLEY_BROKER: 'redis', REDIS_URL: 'redis://cache:6379' };

test('defaults are one process on SQLite with the memory broker', () => {
  const config = loadConfig([], {});
  assert.equal(config.store, 'sqlite');
  assert.equal(config.broker, 'memory');
  assert.equal(config.workers, 1);
});

test('PostgreSQL and Redis together, with several workers, are accepted', () => {
  const config = loadConfig(['--workers', '4'], { ...pgEnv, ...redisEnv, PARLEY_PRESENCE_TTL_MS: '6000', PARLEY_PRESENCE_REFRESH_MS: '2000' });
  assert.equal(config.store, 'postgres');
  assert.equal(config.databaseUrl, 'postgres://db/parley');
  assert.equal(config.broker, 'redis');
  assert.equal(config.redisUrl, 'redis://cache:6379');
  assert.equal(config.workers, 4);
  assert.equal(config.presenceTtlMs, 6000);
});

test('PostgreSQL with the memory broker is accepted for one process', () => {
  assert.equal(loadConfig([], pgEnv).store, 'postgres');
});

test('unsafe or incomplete mixes are refused with a clear message', () => {
  const refused = (argv: string[], env: Record<string, string>, pattern: RegExp): void => {
    assert.throws(
      () => loadConfig(argv, env),
      (error: unknown) => error instanceof ConfigError && pattern.test(error.message),
    );
  };
  refused([], { ...redisEnv }, /PARLEY_BROKER=redis with PARLEY_STORE=sqlite is unsafe/);
  refused(['--workers', '2'], {}, /--workers 2 with PARLEY_BROKER=memory is unsafe/);
  refused(['--workers', '2'], pgEnv, /--workers 2 with PARLEY_BROKER=memory is unsafe/);
  refused([], { PARLEY_STORE: 'postgres' }, /needs DATABASE_URL/);
  refused([], { ...pgEnv, PARLEY_BROKER: 'redis' }, /needs REDIS_URL/);
  refused([], { PARLEY_STORE: 'mysql' }, /PARLEY_STORE must be sqlite or postgres/);
  refused([], { ...pgEnv, ...redisEnv, PARLEY_PRESENCE_TTL_MS: '1000', PARLEY_PRESENCE_REFRESH_MS: '800' }, /at least twice/);
  refused([], { PARLEY_SECRET: 'short' }, /PARLEY_SECRET/);
});

test('PARLEY_TRUST_PROXY: off by default, true trusts the direct peer, a list is checked at start', () => {
  assert.equal(loadConfig([], {}).trustProxy, false);
  assert.equal(loadConfig([], { PARLEY_TRUST_PROXY: 'off' }).trustProxy, false);
  assert.equal(loadConfig([], { PARLEY_TRUST_PROXY: 'true' }).trustProxy, 'peer');
  assert.deepEqual(loadConfig([], { PARLEY_TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8 ,::1,loopback' }).trustProxy, ['127.0.0.1', '10.0.0.0/8', '::1', 'loopback']);
  for (const bad of ['10.0.0.0/33', 'nginx', '127.0.0.1,,300.1.1.1']) {
    assert.throws(
      () => loadConfig([], { PARLEY_TRUST_PROXY: bad }),
      (error: unknown) => error instanceof ConfigError && /PARLEY_TRUST_PROXY must be off, true, or a comma-separated list/.test(error.message),
      bad,
    );
  }
});

test('burst limits: the replay budget follows the outbox limit and may not pass half of it; quotas are 0 (off) or at least 64 KiB', () => {
  const defaults = loadConfig([], {});
  assert.equal(defaults.recoveryBytes, 2 * 1024 * 1024);
  assert.equal(defaults.maxInFlight, 32);
  assert.deepEqual(defaults.quotas, { ipBytesPerHour: 64 * 1024 * 1024, userBytesPerHour: 16 * 1024 * 1024 });
  assert.equal(loadConfig([], { PARLEY_OUTBOX_LIMIT: String(1024 * 1024) }).recoveryBytes, 512 * 1024);
  assert.throws(() => loadConfig([], { PARLEY_OUTBOX_LIMIT: String(1024 * 1024), PARLEY_RECOVERY_BYTES: String(600 * 1024) }), ConfigError);
  assert.throws(() => loadConfig([], { PARLEY_QUOTA_IP_BYTES_PER_HOUR: '1000' }), /0 \(off\) or at least 65536/);
  assert.equal(loadConfig([], { PARLEY_QUOTA_USER_BYTES_PER_HOUR: '0' }).quotas.userBytesPerHour, 0);
  // Benchmarks and trusted clients turn every bucket off at once, the byte buckets included.
  assert.deepEqual(loadConfig([], { PARLEY_RATE_LIMITS: 'off' }).quotas, { ipBytesPerHour: 0, userBytesPerHour: 0 });
  assert.equal(loadConfig([], { PARLEY_RATE_LIMITS: 'off' }).rateLimits.ipSend, null);
  assert.deepEqual(loadConfig([], {}).rateLimits.ipSend, { perSecond: 100, burst: 500 });
});
