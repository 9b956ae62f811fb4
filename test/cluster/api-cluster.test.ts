// The server API on two in-process nodes sharing PostgreSQL and Redis: a key made once works on
// every node, a post on one reaches members on the other, a cid retried on another node is the
// same message, and a revoked key is refused by every node within a second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedNodes } from '../support/cluster.js';
import { TestClient } from '../support/client.js';
import { register } from '../support/auth.js';
import { call, makeKey, revokeKey } from '../support/api-v1.js';

const { skip, nodes } = await sharedNodes('api', 2);

function node(index: number): (typeof nodes)[number] {
  const found = nodes[index];
  if (found === undefined) throw new Error(`no node ${index}`);
  return found;
}

test('a key works on every node; a post on one reaches the other; a cid retried elsewhere is the same message', { skip }, async () => {
  const [a, b] = [node(0), node(1)];
  const { key } = await makeKey(a.config, 'cluster backend', ['publish'], 'cluster-bot');
  const member = await TestClient.guest(b.wsUrl, 'on-b');
  await member.ok('join', { room: 'shared' });
  const first = await call(a.url, 'POST', '/api/v1/rooms/shared/messages', { key, body: { text: 'from a', cid: 'c-1' } });
  assert.equal(first.status, 201, first.text);
  const [push] = await member.waitFor('message', 1, 'shared');
  assert.equal(push?.['text'], 'from a');
  assert.deepEqual(push?.['from'], { id: 'bot:cluster-bot', name: 'cluster-bot' });
  const retried = await call(b.url, 'POST', '/api/v1/rooms/shared/messages', { key, body: { text: 'from a', cid: 'c-1' } });
  assert.equal(retried.status, 200);
  assert.equal(retried.body['seq'], first.body['seq']);
  await member.close();
});

test('a revoked key is refused by every node within a second', { skip }, async () => {
  const [a, b] = [node(0), node(1)];
  const { key, id } = await makeKey(a.config, 'to revoke', ['read']);
  const owner = await TestClient.guest(a.wsUrl, 'room-maker');
  await owner.ok('join', { room: 'revoked-here' });
  // Both nodes have the key in their cache now.
  for (const server of [a, b]) assert.equal((await call(server.url, 'GET', '/api/v1/rooms/revoked-here', { key })).status, 200);
  assert.equal(await revokeKey(b.config, id), true);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const server of [a, b]) {
    const answer = await call(server.url, 'GET', '/api/v1/rooms/revoked-here', { key });
    assert.equal(answer.status, 401, server.url);
    assert.equal(answer.body['error'], 'unauthorized');
  }
  await owner.close();
});

test('a notice sent through one node reaches the user’s connections on the other', { skip }, async () => {
  const [a, b] = [node(0), node(1)];
  const { key } = await makeKey(a.config, 'noticer', ['publish']);
  const { token, id } = await register(a.url, 'cluster-noticed');
  const client = await TestClient.connect(b.wsUrl);
  await client.ok('hello', { token });
  await client.barrier();
  const answer = await call(a.url, 'POST', `/api/v1/users/${encodeURIComponent(id)}/notices`, { key, body: { text: 'across nodes' } });
  assert.equal(answer.status, 202, answer.text);
  const notice = await client.next((frame) => frame.type === 'notice', 'the notice');
  assert.equal(notice['text'], 'across nodes');
  await client.close();
});

test('disconnect and session revocation through one node close the user’s connections on the other', { skip }, async () => {
  const [a, b] = [node(0), node(1)];
  const { key } = await makeKey(a.config, 'cluster admin', ['admin']);
  const { token, id } = await register(a.url, 'cluster-kicked');
  const onB = await TestClient.connect(b.wsUrl);
  await onB.ok('hello', { token });
  const path = `/api/v1/users/${encodeURIComponent(id)}`;
  assert.equal((await call(a.url, 'POST', `${path}/disconnect`, { key })).status, 202);
  assert.equal((await onB.closed).code, 4001);
  const back = await TestClient.connect(b.wsUrl);
  await back.ok('hello', { token });
  assert.equal((await call(a.url, 'DELETE', `${path}/sessions`, { key })).body['revoked'], 1);
  assert.equal((await back.closed).code, 4401);
});
