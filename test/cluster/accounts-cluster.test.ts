// Accounts across a cluster: wrong passwords spread over two nodes behind a load balancer count
// together (in Redis), so the tenth failure locks the account on every node, not the twentieth, and
// a success on one node clears the count for both; a logout on one node closes the session's
// connections on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../support/server.js';
import { api, register } from '../support/auth.js';
import { TestClient } from '../support/client.js';
import { sharedNodes } from '../support/cluster.js';
import { Redis } from 'ioredis';
import { REDIS_URL, uniqueName } from '../support/services.js';
import { redisFailureCounters, type FailureCounter } from '../../src/server/auth/failure-counter.js';

const { skip, nodes } = await sharedNodes('limits_cluster');

test('wrong passwords alternating between two nodes are throttled after ten in all, on both', { skip }, async () => {
  const [a, b] = nodes as [TestServer, TestServer];
  await register(a.url, 'sharedtarget', 'the real password');
  const statuses: number[] = [];
  for (let i = 0; i < 14; i++) {
    const node = i % 2 === 0 ? a : b;
    statuses.push((await api(node.url, '/api/login', { username: 'sharedtarget', password: `wrong guess ${i}` })).status);
  }
  assert.equal(statuses.indexOf(429), 10, `ten failures over both nodes, then throttled: ${statuses.join(',')}`);
  assert.ok(
    statuses.slice(10).every((status) => status === 429),
    'and throttled on both from then on',
  );
  for (const node of [a, b]) {
    const right = await api(node.url, '/api/login', { username: 'sharedtarget', password: 'the real password' });
    assert.equal(right.status, 429, 'the right password is refused too while throttled');
  }
});

test('a successful login on one node clears the failures counted on the other', { skip }, async () => {
  const [a, b] = nodes as [TestServer, TestServer];
  await register(a.url, 'forgetful', 'the real password');
  for (let i = 0; i < 9; i++) assert.equal((await api(b.url, '/api/login', { username: 'forgetful', password: `oops, wrong ${i}` })).status, 401);
  assert.equal((await api(a.url, '/api/login', { username: 'forgetful', password: 'the real password' })).status, 200);
  for (let i = 0; i < 9; i++) {
    assert.equal((await api(b.url, '/api/login', { username: 'forgetful', password: `again wrong ${i}` })).status, 401, `failure ${i} after the reset`);
  }
});

test("a logout on one node closes that session's connections on the other node (4401)", { skip, timeout: 10_000 }, async () => {
  const [a, b] = nodes as [TestServer, TestServer];
  const { token } = await register(a.url, 'roamer', 'the real password');
  const onB = await TestClient.connect(b.wsUrl);
  await onB.ok('hello', { token });
  const other = await TestClient.guest(b.wsUrl, 'bystander');
  assert.equal((await api(a.url, '/api/logout', undefined, { authorization: `Bearer ${token}` })).status, 204);
  const closed = await onB.closed;
  assert.equal(closed.code, 4401, 'closed as signed out');
  await other.ok('join', { room: 'still-here' });
  await other.close();
});

test("Redis counters: 300 concurrent reservations from two processes' connections take exactly the limit", { skip }, async () => {
  // Two connections stand for two processes: each reservation is one script run by Redis alone.
  const connections = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
  const prefix = `${uniqueName('reserve')}:`;
  const errors: Error[] = [];
  const [a, b] = connections.map((redis) => redisFailureCounters(redis, prefix, (error) => errors.push(error))('login-account', 10, 60_000)) as [
    FailureCounter,
    FailureCounter,
  ];
  try {
    const storm = async (count: number): Promise<number[]> =>
      (await Promise.all(Array.from({ length: count }, (_, i) => (i % 2 === 0 ? a : b).reserve('account:target')))).map((s) => s.retryAfterMs);
    const first = await storm(300);
    assert.equal(first.filter((wait) => wait === 0).length, 10, 'exactly ten slots');
    assert.ok(
      first.filter((wait) => wait > 0).every((wait) => wait <= 60_000),
      'the rest wait at most the window',
    );
    for (let i = 0; i < 4; i++) await (i % 2 === 0 ? a : b).refund('account:target');
    assert.equal((await storm(100)).filter((wait) => wait === 0).length, 4, 'four refunded slots, taken again exactly');
    await a.reset('account:target');
    for (let i = 0; i < 3; i++) await b.refund('account:target');
    assert.equal((await storm(100)).filter((wait) => wait === 0).length, 10, 'a refund on an empty key lends nothing');
    const ttl = await connections[0]?.pttl(`${prefix}fail:login-account:account:target`);
    assert.ok(ttl !== undefined && ttl > 0 && ttl <= 60_000, `the window is set once, by the first reservation (${ttl})`);
    assert.deepEqual(errors, []);
  } finally {
    const keys = await connections[0]?.keys(`${prefix}*`);
    if (keys !== undefined && keys.length > 0) await connections[0]?.del(...keys);
    for (const redis of connections) redis.disconnect();
  }
});
