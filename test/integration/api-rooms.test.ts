// The server API's reading and admin side over real HTTP against SQLite: room info, history and who
// is online; creating rooms for an owner and moderating them as an operator, with every member
// told as by a moderator; the generated OpenAPI document; Slack-style incoming webhooks; a bot DMed
// by a user, answering through its key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { register } from '../support/auth.js';
import { call, makeHook, makeKey } from '../support/api-v1.js';

let server: TestServer;
let admin: string;
let reader: string;
let publisher: string;

before(async () => {
  server = await startTestServer();
  admin = (await makeKey(server.config, 'ops', ['admin'])).key;
  reader = (await makeKey(server.config, 'dashboard', ['read'])).key;
  publisher = (await makeKey(server.config, 'notifier', ['publish'], 'notifier')).key;
});
after(async () => {
  await server.stop();
});

async function signedIn(username: string): Promise<{ client: TestClient; id: string }> {
  const { token, id } = await register(server.url, username);
  const client = await TestClient.connect(server.wsUrl);
  await client.ok('hello', { token });
  return { client, id };
}

test('read: room info, history pages and who is online; a publish key may not read', async () => {
  const { client, id } = await signedIn('reader-one');
  await client.ok('join', { room: 'readable' });
  for (const text of ['one', 'two', 'three']) await client.ok('send', { room: 'readable', text, cid: text });
  const info = await call(server.url, 'GET', '/api/v1/rooms/readable', { key: reader });
  assert.equal(info.status, 200, info.text);
  assert.deepEqual(info.body, { room: 'readable', seq: 3, private: false, dm: false, online: 1 });
  const page = await call(server.url, 'GET', '/api/v1/rooms/readable/messages?limit=2', { key: reader });
  assert.deepEqual(
    (page.body['messages'] as { text: string }[]).map((m) => m.text),
    ['two', 'three'],
  );
  const older = await call(server.url, 'GET', '/api/v1/rooms/readable/messages?before=2', { key: reader });
  assert.deepEqual(
    (older.body['messages'] as { text: string; from: { id: string } }[]).map((m) => [m.text, m.from.id]),
    [['one', id]],
  );
  const members = await call(server.url, 'GET', '/api/v1/rooms/readable/members', { key: reader });
  assert.deepEqual(members.body, { room: 'readable', members: [{ id, name: 'reader-one' }], online: 1 });
  const badLimit = await call(server.url, 'GET', '/api/v1/rooms/readable/messages?limit=1000', { key: reader });
  assert.equal(badLimit.status, 400);
  const notNumber = await call(server.url, 'GET', '/api/v1/rooms/readable/messages?before=abc', { key: reader });
  assert.equal(notNumber.status, 400);
  assert.equal((await call(server.url, 'GET', '/api/v1/rooms/absent', { key: reader })).status, 404);
  assert.equal((await call(server.url, 'GET', '/api/v1/rooms/readable', { key: publisher })).status, 403);
  assert.equal((await call(server.url, 'GET', '/api/v1/rooms/readable')).status, 401);
  await client.close();
});

test('admin: a private room with an owner; a bot invited to it can post, one not invited cannot', async () => {
  const { client: owner, id: ownerId } = await signedIn('room-owner');
  const created = await call(server.url, 'POST', '/api/v1/rooms', {
    key: admin,
    body: { room: 'support-4711', private: true, topic: 'Ticket 4711', owner: ownerId },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.body, { room: 'support-4711', private: true, topic: 'Ticket 4711', owner: ownerId });
  const joined = await owner.ok('join', { room: 'support-4711' });
  assert.equal(joined['role'], 'owner');
  const again = await call(server.url, 'POST', '/api/v1/rooms', { key: admin, body: { room: 'support-4711', owner: ownerId } });
  assert.equal(again.status, 409);
  assert.equal(again.body['error'], 'room_exists');
  const ghost = await call(server.url, 'POST', '/api/v1/rooms', { key: admin, body: { room: 'ghost-owned', owner: 'u_nobody' } });
  assert.equal(ghost.status, 404);

  const post = { key: publisher, body: { text: 'ticket updated' } };
  const outsider = await call(server.url, 'POST', '/api/v1/rooms/support-4711/messages', post);
  assert.equal(outsider.status, 403);
  assert.equal(outsider.body['error'], 'not_member');
  const invite = await call(server.url, 'POST', '/api/v1/rooms/support-4711/invites', { key: admin, body: { user: 'bot:notifier' } });
  assert.equal(invite.status, 200, invite.text);
  const inside = await call(server.url, 'POST', '/api/v1/rooms/support-4711/messages', post);
  assert.equal(inside.status, 201);
  const [push] = await owner.waitFor('message', 1, 'support-4711');
  assert.deepEqual(push?.['from'], { id: 'bot:notifier', name: 'notifier' });
  assert.equal(
    (await call(server.url, 'POST', '/api/v1/rooms/support-4711/invites', { key: publisher, body: { user: ownerId } })).status,
    403,
    'publish is not admin',
  );
  await owner.close();
});

test('admin: kick, ban, unban and mute reach members as a moderator’s acts do; the owner is out of reach', async () => {
  const { client: owner, id: ownerId } = await signedIn('mod-owner');
  const { client: member, id: memberId } = await signedIn('mod-member');
  assert.equal((await call(server.url, 'POST', '/api/v1/rooms', { key: admin, body: { room: 'moderated', owner: ownerId } })).status, 201);
  await owner.ok('join', { room: 'moderated' });
  await member.ok('join', { room: 'moderated' });
  const path = (act: string): string => `/api/v1/rooms/moderated/${act}`;

  const muted = await call(server.url, 'POST', path('mutes'), { key: admin, body: { user: memberId, seconds: 60 } });
  assert.equal(muted.status, 200, muted.text);
  assert.ok(Number(muted.body['until']) > Date.now());
  const mutePush = await owner.next((frame) => frame.type === 'muted');
  assert.equal(mutePush['user'], memberId);
  const refused = await member.request('send', { room: 'moderated', text: 'hello?', cid: 'm1' });
  assert.equal(refused['code'], 'muted');
  await call(server.url, 'POST', path('mutes'), { key: admin, body: { user: memberId, seconds: 0 } });

  const kicked = await call(server.url, 'POST', path('kicks'), { key: admin, body: { user: memberId } });
  assert.equal(kicked.status, 200);
  const kickPush = await owner.next((frame) => frame.type === 'kicked');
  assert.equal(kickPush['user'], memberId);
  assert.match(String((kickPush['by'] as { id: string }).id), /^api:k_/);

  const banned = await call(server.url, 'POST', path('bans'), { key: admin, body: { user: memberId } });
  assert.equal(banned.status, 200);
  assert.equal((await member.request('join', { room: 'moderated' }))['code'], 'banned');
  const unbanned = await call(server.url, 'DELETE', `/api/v1/rooms/moderated/bans/${encodeURIComponent(memberId)}`, { key: admin });
  assert.equal(unbanned.status, 200);
  assert.equal((await member.request('join', { room: 'moderated' }))['type'], 'ok');

  const onOwner = await call(server.url, 'POST', path('kicks'), { key: admin, body: { user: ownerId } });
  assert.equal(onOwner.status, 403, 'nobody acts on an equal role, the API included');
  assert.equal((await call(server.url, 'POST', path('bans'), { key: admin, body: { user: 'u_nobody' } })).status, 404);
  assert.equal((await call(server.url, 'POST', path('mutes'), { key: admin, body: { user: memberId, seconds: -1 } })).status, 400);
  await owner.close();
  await member.close();
});

test('/api/v1/openapi.json is OpenAPI 3.1, generated from the protocol schemas', async () => {
  const answer = await call(server.url, 'GET', '/api/v1/openapi.json');
  assert.equal(answer.status, 200);
  const doc = answer.body as { openapi: string; paths: Record<string, Record<string, Record<string, unknown>>> };
  assert.equal(doc.openapi, '3.1.0');
  for (const path of [
    '/rooms/{room}/messages',
    '/broadcast',
    '/users/{user}/notices',
    '/rooms/{room}',
    '/rooms/{room}/members',
    '/rooms',
    '/rooms/{room}/bans/{user}',
    '/rooms/{room}/mutes',
  ]) {
    assert.ok(doc.paths[path] !== undefined, `${path} is documented`);
  }
  const post = doc.paths['/rooms/{room}/messages']?.['post'] as {
    requestBody: { content: Record<string, { schema: { properties: Record<string, { maxLength?: number }> } }> };
  };
  const text = post.requestBody.content['application/json']?.schema.properties['text'];
  assert.equal(text?.maxLength, 4000, 'the same bound as the WebSocket send');
  assert.ok(!JSON.stringify(doc.paths).includes('/*'), 'catch-alls are hidden');
});

test('incoming webhook: Slack-style {text, username} posts to its room as its bot; unknown secrets are 404', async () => {
  const { client } = await signedIn('hook-watcher');
  await client.ok('join', { room: 'deploys' });
  const hook = await makeHook(server.config, 'deploys', 'ci-hook');
  assert.match(hook, /^\/hooks\/hk_[A-Za-z0-9_-]{43}$/);
  const posted = await call(server.url, 'POST', hook, { body: { text: 'deploy 812 done', username: 'Deploy Bot', icon_emoji: ':rocket:' } });
  assert.equal(posted.status, 200, posted.text);
  assert.equal(posted.text, 'ok');
  const [push] = await client.waitFor('message', 1, 'deploys');
  assert.equal(push?.['text'], 'deploy 812 done');
  assert.deepEqual(push?.['from'], { id: 'bot:ci-hook', name: 'Deploy Bot' });
  assert.equal((await call(server.url, 'POST', '/hooks/hk_nope', { body: { text: 'x' } })).status, 404);
  assert.equal((await call(server.url, 'POST', hook, { body: { text: '' } })).status, 400);
  assert.equal((await call(server.url, 'POST', hook, { body: { text: 'x', username: '\u0007' } })).status, 400);

  const { id: ownerId } = await signedIn('hook-owner');
  assert.equal((await call(server.url, 'POST', '/api/v1/rooms', { key: admin, body: { room: 'hooked-private', private: true, owner: ownerId } })).status, 201);
  const privateHook = await makeHook(server.config, 'hooked-private', 'private-hook');
  const outside = await call(server.url, 'POST', privateHook, { body: { text: 'x' } });
  assert.equal(outside.status, 403);
  assert.equal(outside.body['error'], 'not_member');
  assert.equal((await call(server.url, 'POST', '/api/v1/rooms/hooked-private/invites', { key: admin, body: { user: 'bot:private-hook' } })).status, 200);
  assert.equal((await call(server.url, 'POST', privateHook, { body: { text: 'inside now' } })).status, 200);
  const nowhere = await makeHook(server.config, 'never-created', 'lost-hook');
  assert.equal((await call(server.url, 'POST', nowhere, { body: { text: 'x' } })).status, 404);
  await client.close();
});

test('admin: disconnect closes every connection of a user with 4001; revoking its sessions kills its tokens (4401)', async () => {
  const { token, id } = await register(server.url, 'to-disconnect');
  const first = await TestClient.connect(server.wsUrl);
  await first.ok('hello', { token });
  const second = await TestClient.connect(server.wsUrl);
  await second.ok('hello', { token });
  const bystander = await TestClient.guest(server.wsUrl, 'stays');
  const disconnected = await call(server.url, 'POST', `/api/v1/users/${encodeURIComponent(id)}/disconnect`, { key: admin });
  assert.equal(disconnected.status, 202, disconnected.text);
  assert.equal((await first.closed).code, 4001);
  assert.equal((await second.closed).code, 4001);
  assert.equal((await bystander.ok('rooms'))['type'], 'ok', 'others stay connected');

  const again = await TestClient.connect(server.wsUrl);
  await again.ok('hello', { token });
  const revoked = await call(server.url, 'DELETE', `/api/v1/users/${encodeURIComponent(id)}/sessions`, { key: admin });
  assert.deepEqual(revoked.body, { user: id, revoked: 1 });
  assert.equal((await again.closed).code, 4401);
  const later = await TestClient.connect(server.wsUrl);
  assert.equal((await later.request('hello', { token }))['code'], 'unauthorized');
  assert.equal((await call(server.url, 'POST', '/api/v1/users/u_nobody/disconnect', { key: admin })).status, 404);
  assert.equal((await call(server.url, 'POST', `/api/v1/users/${encodeURIComponent(id)}/disconnect`, { key: reader })).status, 403);
  await bystander.close();
});

test('a bot can be DMed: a user opens a DM with it and the bot answers there through its key; another bot cannot get in', async () => {
  const { client, id } = await signedIn('dm-with-bot');
  const opened = await client.ok('dm', { user: 'bot:notifier' });
  const room = opened['room'] as string;
  assert.deepEqual(opened['user'], { id: 'bot:notifier', name: 'notifier' });
  await client.ok('join', { room });
  await client.ok('send', { room, text: 'hello bot', cid: 'dm-1' });
  const answered = await call(server.url, 'POST', `/api/v1/rooms/${room}/messages`, { key: publisher, body: { text: 'hello human' } });
  assert.equal(answered.status, 201, answered.text);
  const pushes = await client.waitFor('message', 2, room);
  assert.deepEqual(
    pushes.map((push) => [push['text'], (push['from'] as { id: string }).id]),
    [
      ['hello bot', id],
      ['hello human', 'bot:notifier'],
    ],
  );
  const other = (await makeKey(server.config, 'stranger', ['publish'], 'stranger')).key;
  const refused = await call(server.url, 'POST', `/api/v1/rooms/${room}/messages`, { key: other, body: { text: 'let me in' } });
  assert.equal(refused.status, 403, refused.text);
  assert.equal(refused.body['error'], 'not_member');
  await client.close();
});
