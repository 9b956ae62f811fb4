// The server API on three real processes sharing PostgreSQL and Redis: a key made once (with
// `parley keys create` against the cluster's store) works on every process; a post through one
// reaches members on the other two, and a cid retried through another is the same message; a
// broadcast and a room's reads answer alike through any process; a private room made through one
// process, its bot invited through another, posts through the third; a key revoked with
// `parley keys revoke` is refused by every process within a second; a notice, a disconnect and a
// session revocation sent through one process reach the user's connections on the others.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { killAllServersAndWait, spawnServer, type ServerProcess } from '../support/process.js';
import { postgresSkip, redisSkip } from '../support/services.js';
import { TestClient } from '../support/client.js';
import { register } from '../support/auth.js';
import { call } from '../support/api-v1.js';
import { until } from './member.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../../src/cli/parley.js', import.meta.url));

const skip = (await postgresSkip()) ?? (await redisSkip());
const env = clusterEnv({ PARLEY_JOIN_CREATES: 'on' });
let nodes: ServerProcess[] = [];

before(async () => {
  if (skip !== undefined) return;
  nodes = await Promise.all([0, 1, 2].map(() => spawnServer({ env, startedWhen: 'ready' })));
});
after(async () => {
  await killAllServersAndWait();
  if (skip === undefined) await dropCluster(env);
});

function node(index: number): ServerProcess {
  const found = nodes[index];
  if (found === undefined) throw new Error(`no node ${index}`);
  return found;
}

/** `parley keys|hooks …` with the cluster's settings (PARLEY_STORE=postgres, its schema), as an operator runs it. */
async function parley(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Makes a key with the CLI; resolves the key and its id (from `parley keys list`). */
async function cliKey(name: string, scopes: string, bot?: string): Promise<{ key: string; id: string }> {
  const created = await parley(['keys', 'create', '--name', name, '--scopes', scopes, ...(bot === undefined ? [] : ['--bot', bot])]);
  assert.equal(created.code, 0, created.stderr);
  const listed = await parley(['keys', 'list']);
  const id = listed.stdout
    .split('\n')
    .find((line) => line.split('\t')[1] === name)
    ?.split('\t')[0];
  assert.ok(id !== undefined, listed.stdout);
  return { key: created.stdout.trim(), id };
}

test('a key works on every process; a post through each reaches members on all three; a cid retried elsewhere is the same message', { skip }, async () => {
  const { key } = await cliKey('cluster backend', 'publish', 'cluster-bot');
  const members = await Promise.all(nodes.map((server, i) => TestClient.guest(server.wsUrl, `on-${i}`)));
  for (const member of members) await member.ok('join', { room: 'shared' });
  const seqs: number[] = [];
  for (const [i, server] of nodes.entries()) {
    const posted = await call(server.url, 'POST', '/api/v1/rooms/shared/messages', { key, body: { text: `from ${i}`, cid: `c-${i}` } });
    assert.equal(posted.status, 201, posted.text);
    seqs.push(posted.body['seq'] as number);
  }
  for (const member of members) {
    const pushes = await member.waitFor('message', 3, 'shared');
    assert.deepEqual(
      pushes.map((push) => push['text']),
      ['from 0', 'from 1', 'from 2'],
    );
    assert.deepEqual(pushes[0]?.['from'], { id: 'bot:cluster-bot', name: 'cluster-bot' });
  }
  // The first post's cid, retried through the two other processes: the same message, stored once.
  for (const server of [node(1), node(2)]) {
    const retried = await call(server.url, 'POST', '/api/v1/rooms/shared/messages', { key, body: { text: 'from 0', cid: 'c-0' } });
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.body['seq'], seqs[0]);
  }
  for (const member of members) await member.barrier();
  for (const member of members) {
    assert.equal(member.frames.filter((frame) => frame.type === 'message' && frame['room'] === 'shared').length, 3, 'no retry was pushed again');
  }
  for (const member of members) await member.close();
});

test('a broadcast through one process reaches rooms whose members are on the others; reads answer alike on every process', { skip }, async () => {
  const { key } = await cliKey('cluster reader', 'publish,read');
  const onB = await TestClient.guest(node(1).wsUrl, 'reads-b');
  const onC = await TestClient.guest(node(2).wsUrl, 'reads-c');
  await onB.ok('join', { room: 'cast-b' });
  await onC.ok('join', { room: 'cast-c' });
  const cast = await call(node(0).url, 'POST', '/api/v1/broadcast', { key, body: { rooms: ['cast-b', 'cast-c'], text: 'to both', cid: 'cast-1' } });
  assert.equal(cast.status, 200, cast.text);
  assert.deepEqual(
    (cast.body['results'] as { room: string; seq: number }[]).map((result) => [result.room, result.seq]),
    [
      ['cast-b', 1],
      ['cast-c', 1],
    ],
  );
  assert.equal((await onB.waitFor('message', 1, 'cast-b'))[0]?.['text'], 'to both');
  assert.equal((await onC.waitFor('message', 1, 'cast-c'))[0]?.['text'], 'to both');
  for (const server of nodes) {
    const info = await call(server.url, 'GET', '/api/v1/rooms/cast-b', { key });
    assert.equal(info.body['seq'], 1, server.url);
    const history = await call(server.url, 'GET', '/api/v1/rooms/cast-b/messages', { key });
    assert.deepEqual(
      (history.body['messages'] as { text: string }[]).map((message) => message.text),
      ['to both'],
    );
    // Presence is shared through Redis: the member on process b is online in every process's answer.
    await until(async () => {
      const members = await call(server.url, 'GET', '/api/v1/rooms/cast-b/members', { key });
      return members.body['online'] === 1;
    }, `${server.url} to see the member online`);
  }
  await onB.close();
  await onC.close();
});

test('a private room made through one process, its bot invited through another, is posted to through the third', { skip }, async () => {
  const { key: admin } = await cliKey('cluster ops', 'admin');
  const { key: botKey } = await cliKey('cluster notifier', 'publish', 'cluster-notifier');
  const { token, id: ownerId } = await register(node(0).url, 'cluster-owner');
  const created = await call(node(0).url, 'POST', '/api/v1/rooms', { key: admin, body: { room: 'private-3', private: true, owner: ownerId } });
  assert.equal(created.status, 201, created.text);
  const owner = await TestClient.connect(node(0).wsUrl);
  await owner.ok('hello', { token });
  await owner.ok('join', { room: 'private-3' });
  const before = await call(node(2).url, 'POST', '/api/v1/rooms/private-3/messages', { key: botKey, body: { text: 'too early' } });
  assert.equal(before.status, 403, before.text);
  assert.equal(before.body['error'], 'not_member');
  const invited = await call(node(1).url, 'POST', '/api/v1/rooms/private-3/invites', { key: admin, body: { user: 'bot:cluster-notifier' } });
  assert.equal(invited.status, 200, invited.text);
  const posted = await call(node(2).url, 'POST', '/api/v1/rooms/private-3/messages', { key: botKey, body: { text: 'invited now' } });
  assert.equal(posted.status, 201, posted.text);
  const [push] = await owner.waitFor('message', 1, 'private-3');
  assert.deepEqual([push?.['text'], push?.['from']], ['invited now', { id: 'bot:cluster-notifier', name: 'cluster-notifier' }]);
  await owner.close();
});

test('a key revoked with `parley keys revoke` is refused by every process within a second', { skip }, async () => {
  const { key, id } = await cliKey('to revoke', 'read');
  const owner = await TestClient.guest(node(0).wsUrl, 'room-maker');
  await owner.ok('join', { room: 'revoked-here' });
  // Every process has the key in its cache now.
  for (const server of nodes) assert.equal((await call(server.url, 'GET', '/api/v1/rooms/revoked-here', { key })).status, 200);
  const revoked = await parley(['keys', 'revoke', id]);
  assert.equal(revoked.code, 0, revoked.stderr);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (const server of nodes) {
    const answer = await call(server.url, 'GET', '/api/v1/rooms/revoked-here', { key });
    assert.equal(answer.status, 401, server.url);
    assert.equal(answer.body['error'], 'unauthorized');
  }
  await owner.close();
});

test('a notice sent through one process reaches the user’s connections on the two others', { skip }, async () => {
  const { key } = await cliKey('noticer', 'publish');
  const { token, id } = await register(node(0).url, 'cluster-noticed');
  const connections = await Promise.all([node(1), node(2)].map((server) => TestClient.connect(server.wsUrl)));
  for (const connection of connections) {
    await connection.ok('hello', { token });
    await connection.barrier();
  }
  const answer = await call(node(0).url, 'POST', `/api/v1/users/${encodeURIComponent(id)}/notices`, { key, body: { text: 'across processes' } });
  assert.equal(answer.status, 202, answer.text);
  for (const connection of connections) {
    // waitFor reads the frames already in too: the notice may have reached this one while the other was awaited.
    const [notice] = await connection.waitFor('notice', 1);
    assert.equal(notice?.['text'], 'across processes');
    await connection.close();
  }
});

test('disconnect and session revocation through one process close the user’s connections on the two others', { skip }, async () => {
  const { key } = await cliKey('cluster admin', 'admin');
  const { token, id } = await register(node(0).url, 'cluster-kicked');
  const path = `/api/v1/users/${encodeURIComponent(id)}`;
  const first = await Promise.all([node(1), node(2)].map((server) => TestClient.connect(server.wsUrl)));
  for (const connection of first) await connection.ok('hello', { token });
  assert.equal((await call(node(0).url, 'POST', `${path}/disconnect`, { key })).status, 202);
  for (const connection of first) assert.equal((await connection.closed).code, 4001);
  const back = await Promise.all([node(1), node(2)].map((server) => TestClient.connect(server.wsUrl)));
  for (const connection of back) await connection.ok('hello', { token });
  assert.equal((await call(node(0).url, 'DELETE', `${path}/sessions`, { key })).body['revoked'], 1);
  for (const connection of back) assert.equal((await connection.closed).code, 4401);
});
