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
  assert.ok(statuses.slice(10).every((status) => status === 429), 'and throttled on both from then on');
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

test('a logout on one node closes that session\'s connections on the other node (4401)', { skip, timeout: 10_000 }, async () => {
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
