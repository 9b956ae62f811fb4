// Pure pieces of identity: the failure limiter, the Origin policy, session tokens, password hashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FailureLimiter } from '../../src/server/auth/limiter.js';
import { PasswordPool } from '../../src/server/auth/password-pool.js';
import { OriginPolicy } from '../../src/server/auth/origin.js';
import { hashSessionToken, looksLikeJwt, newSessionToken } from '../../src/server/auth/session-token.js';
import { hashPassword, verifyPassword } from '../../src/server/auth/password.js';
import { loadConfig, ConfigError } from '../../src/server/config.js';

test('the limiter reserves up to the limit, then refuses until its window ends; refund and reset give slots back', () => {
  let clock = 1000;
  const limiter = new FailureLimiter(3, 60_000, () => clock);
  for (let i = 0; i < 3; i++) assert.equal(limiter.reserve('k').retryAfterMs, 0, `slot ${i + 1} of 3`);
  assert.equal(limiter.reserve('k').retryAfterMs, 60_000, 'the fourth is refused');
  assert.equal(limiter.reserve('other').retryAfterMs, 0, 'keys are independent');
  clock += 30_000;
  assert.equal(limiter.reserve('k').retryAfterMs, 30_000, 'a refused reservation takes nothing and does not extend the window');
  limiter.refund('k');
  assert.equal(limiter.reserve('k').retryAfterMs, 0, 'a refunded slot can be taken again');
  assert.equal(limiter.reserve('k').retryAfterMs, 30_000);
  clock += 30_000;
  assert.equal(limiter.reserve('k').retryAfterMs, 0, 'the window ended');
  limiter.reserve('k');
  limiter.reserve('k');
  limiter.reset('k');
  for (let i = 0; i < 3; i++) assert.equal(limiter.reserve('k').retryAfterMs, 0);
  limiter.reset('fresh');
  limiter.refund('fresh');
  for (let i = 0; i < 3; i++) assert.equal(limiter.reserve('fresh').retryAfterMs, 0, 'a refund on an empty key lends nothing');
  assert.ok(limiter.reserve('fresh').retryAfterMs > 0);
});

test('the password pool runs at most `concurrency` at once, queues `queue` more and refuses the rest', async () => {
  let running = 0;
  let peak = 0;
  const started: string[] = [];
  const busy: string[] = [];
  const pool = new PasswordPool({ concurrency: 2, queue: 3, onStart: (op) => started.push(op), onBusy: (op) => busy.push(op) });
  const gates: Array<() => void> = [];
  const job = (): Promise<number> =>
    pool.run('verify', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => gates.push(resolve));
      running--;
      return 1;
    });
  const outcomes = Array.from({ length: 8 }, () =>
    job().then(
      () => 'ok',
      (error: Error) => error.name,
    ),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(started.length, 2, 'two run');
  assert.equal(busy.length, 3, 'three past the queue were refused at once');
  while (gates.length > 0 || started.length < 5) {
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(await Promise.all(outcomes), ['ok', 'ok', 'ok', 'ok', 'ok', 'PasswordBusy', 'PasswordBusy', 'PasswordBusy']);
  assert.equal(peak, 2);
  assert.equal(started.length, 5);
  assert.equal(await pool.run('hash', () => Promise.resolve(7)), 7, 'the pool is free again');
});

test('the Origin policy: own host always, plus an exact list when configured, * for any', () => {
  const own = new OriginPolicy([]);
  assert.equal(own.allows(undefined, 'chat.example:8080'), true);
  assert.equal(own.allows('http://chat.example:8080', 'chat.example:8080'), true);
  assert.equal(own.allows('https://CHAT.example:8080', 'chat.example:8080'), true);
  assert.equal(own.allows('http://chat.example:8081', 'chat.example:8080'), false);
  assert.equal(own.allows('null', 'chat.example:8080'), false);
  assert.equal(own.allows('file://', 'chat.example'), false);
  assert.equal(own.allows('http://chat.example', undefined), false);
  const listed = new OriginPolicy(['https://a.example/', 'https://b.example']);
  assert.equal(listed.allows('https://a.example', 'anything'), true);
  assert.equal(listed.allows('https://b.example', 'anything'), true);
  assert.equal(listed.allows('http://b.example', 'c.example'), false, 'the scheme is part of a listed origin');
  assert.equal(listed.allows('http://b.example', 'b.example'), true, 'a page of this server itself is still allowed');
  assert.equal(listed.allows('https://parley.example:8080', 'parley.example:8080'), true, 'own origin beside a list');
  assert.equal(listed.allows('https://evil.example', 'parley.example:8080'), false);
  assert.equal(new OriginPolicy(['*']).allows('https://x.example', 'y'), true);
});

test('session tokens are random, hashed with SHA-256 and told apart from JWTs', () => {
  const a = newSessionToken();
  const b = newSessionToken();
  assert.notEqual(a.token, b.token);
  assert.equal(a.tokenHash, hashSessionToken(a.token));
  assert.notEqual(a.tokenHash, a.token);
  assert.equal(looksLikeJwt(a.token), false);
  assert.equal(looksLikeJwt('aaa.bbb.ccc'), true);
});

test('passwords are hashed with argon2id and verified', async () => {
  const hash = await hashPassword('correct horse');
  assert.match(hash, /^\$argon2id\$/);
  assert.equal(await verifyPassword(hash, 'correct horse'), true);
  assert.equal(await verifyPassword(hash, 'wrong horse'), false);
  assert.equal(await verifyPassword(undefined, 'correct horse'), false);
  assert.equal(await verifyPassword('not a hash', 'correct horse'), false);
});

test('auth config from the environment', () => {
  const defaults = loadConfig([], {}).auth;
  assert.equal(defaults.guests, true);
  assert.deepEqual(defaults.origins, []);
  assert.equal(defaults.jwtRoomsClaim, 'rooms');
  const set = loadConfig([], {
    PARLEY_GUESTS: 'off',
    PARLEY_ORIGINS: 'https://a.example, https://b.example,',
    PARLEY_JWT_SECRET: 'x'.repeat(32),
    PARLEY_JWT_ISSUER: 'iss',
    PARLEY_JWT_AUDIENCE: 'aud',
  }).auth;
  assert.equal(set.guests, false);
  assert.deepEqual(set.origins, ['https://a.example', 'https://b.example']);
  assert.equal(set.jwtIssuer, 'iss');
  assert.throws(() => loadConfig([], { PARLEY_JWT_SECRET: 'short' }), ConfigError);
  assert.throws(() => loadConfig([], { PARLEY_GUESTS: 'maybe' }), ConfigError);
});

test('password pool and ops settings from the environment', () => {
  const defaults = loadConfig([], {});
  assert.equal(defaults.auth.passwordConcurrency, 2);
  assert.equal(defaults.auth.passwordQueue, 64);
  assert.deepEqual(defaults.ops, { token: undefined, port: undefined, host: '127.0.0.1' });
  const set = loadConfig([], {
    PARLEY_PASSWORD_CONCURRENCY: '3',
    PARLEY_PASSWORD_QUEUE: '0',
    PARLEY_METRICS_TOKEN: 'a-long-enough-token',
    PARLEY_METRICS_PORT: '9464',
    PARLEY_METRICS_HOST: '10.0.0.5',
  });
  assert.equal(set.auth.passwordConcurrency, 3);
  assert.equal(set.auth.passwordQueue, 0);
  assert.deepEqual(set.ops, { token: 'a-long-enough-token', port: 9464, host: '10.0.0.5' });
  assert.throws(() => loadConfig([], { PARLEY_PASSWORD_CONCURRENCY: '0' }), ConfigError);
  assert.throws(() => loadConfig([], { PARLEY_METRICS_TOKEN: 'short' }), /at least 16/);
  assert.throws(() => loadConfig([], { PARLEY_METRICS_TOKEN: 'has a space in it somewhere' }), ConfigError);
  assert.throws(() => loadConfig([], { PARLEY_METRICS_PORT: '70000' }), ConfigError);
});
