// The server API's publishing side over real HTTP against SQLite: keys, scopes, every way to be
// refused, messages that reach WebSocket members exactly as a client's do, idempotent cids.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { register } from '../support/auth.js';
import { call, makeKey, revokeKey } from '../support/api-v1.js';

let server: TestServer;
let publisher: string;
let reader: string;
let botKey: string;

before(async () => {
  server = await startTestServer();
  publisher = (await makeKey(server.config, 'backend', ['publish'])).key;
  reader = (await makeKey(server.config, 'dashboard', ['read'])).key;
  botKey = (await makeKey(server.config, 'ci', ['publish'], 'ci')).key;
});
after(async () => {
  await server.stop();
});

/** A guest in `room` (which a join creates), ready to receive. */
async function member(room: string, nick = 'watcher'): Promise<TestClient> {
  const client = await TestClient.guest(server.wsUrl, nick);
  await client.ok('join', { room });
  return client;
}

test('a post is stored and pushed to members like a client message; the same cid again is 200 with the same seq', async () => {
  const client = await member('orders');
  const first = await call(server.url, 'POST', '/api/v1/rooms/orders/messages', { key: botKey, body: { text: 'order 4711 shipped', cid: 'o-4711' } });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.body['room'], 'orders');
  assert.equal(first.body['seq'], 1);
  assert.match(String(first.body['msgId']), /.+/);
  const [push] = await client.waitFor('message', 1, 'orders');
  assert.equal(push?.['text'], 'order 4711 shipped');
  assert.deepEqual(push?.['from'], { id: 'bot:ci', name: 'ci' });

  const again = await call(server.url, 'POST', '/api/v1/rooms/orders/messages', { key: botKey, body: { text: 'order 4711 shipped', cid: 'o-4711' } });
  assert.equal(again.status, 200);
  assert.equal(again.body['seq'], 1);
  assert.equal(again.body['msgId'], first.body['msgId']);

  const history = await client.ok('history', { room: 'orders' });
  assert.equal((history['messages'] as unknown[]).length, 1, 'stored once');
  await client.close();
});

test('the same cid in another room is another message', async () => {
  for (const room of ['cid-a', 'cid-b']) (await member(room, `m-${room}`)).ws.close();
  const a = await call(server.url, 'POST', '/api/v1/rooms/cid-a/messages', { key: publisher, body: { text: 'x', cid: 'same' } });
  const b = await call(server.url, 'POST', '/api/v1/rooms/cid-b/messages', { key: publisher, body: { text: 'x', cid: 'same' } });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(b.body['seq'], 1);
  assert.notEqual(a.body['msgId'], b.body['msgId']);
});

test('no key, a wrong key, a malformed header, a read-only key: refused before anything is stored', async () => {
  const client = await member('guarded', 'guard');
  const path = '/api/v1/rooms/guarded/messages';
  const body = { text: 'should never arrive' };
  const none = await call(server.url, 'POST', path, { body });
  assert.equal(none.status, 401);
  assert.equal(none.body['error'], 'unauthorized');
  assert.equal(none.headers.get('www-authenticate'), 'Bearer');
  const wrong = await call(server.url, 'POST', path, { body, key: `pk_${'A'.repeat(43)}` });
  assert.equal(wrong.status, 401);
  const session = await call(server.url, 'POST', path, { body, key: (await register(server.url, 'sessionuser')).token });
  assert.equal(session.status, 401, 'a session token is not an API key');
  const basic = await call(server.url, 'POST', path, { body, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  assert.equal(basic.status, 401);
  const scoped = await call(server.url, 'POST', path, { body, key: reader });
  assert.equal(scoped.status, 403);
  assert.equal(scoped.body['error'], 'forbidden');
  assert.match(String(scoped.body['message']), /publish/);
  // Barrier: a later request on the same connection answers, and nothing arrived before it.
  await client.barrier();
  assert.equal(client.frames.filter((frame) => frame.type === 'message').length, 0);
  await client.close();
});

test('a revoked key is refused within a second', async () => {
  const { key, id } = await makeKey(server.config, 'short-lived', ['publish']);
  (await member('revocation', 'rev')).ws.close();
  const path = '/api/v1/rooms/revocation/messages';
  assert.equal((await call(server.url, 'POST', path, { key, body: { text: 'before' } })).status, 201);
  assert.equal(await revokeKey(server.config, id), true);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = await call(server.url, 'POST', path, { key, body: { text: 'after' } });
  assert.equal(after.status, 401);
  assert.equal(await revokeKey(server.config, id), false, 'revoking twice finds nothing to revoke');
});

test('bad bodies: broken JSON, wrong types, too long, unknown room, bad room name, huge body', async () => {
  (await member('bodies', 'bod')).ws.close();
  const path = '/api/v1/rooms/bodies/messages';
  const broken = await call(server.url, 'POST', path, { key: publisher, body: '{"text": "unterminated' });
  assert.equal(broken.status, 400);
  assert.equal(broken.body['error'], 'bad_request');
  for (const body of [{}, { text: '' }, { text: 'x'.repeat(4001) }, { text: 'x', replyTo: 0 }, { text: 'x', cid: 'c'.repeat(65) }, { text: ['x'] }]) {
    const answer = await call(server.url, 'POST', path, { key: publisher, body });
    assert.equal(answer.status, 400, JSON.stringify(body).slice(0, 80));
    assert.equal(answer.body['error'], 'bad_request');
  }
  const future = await call(server.url, 'POST', path, { key: publisher, body: { text: 'x', replyTo: 99 } });
  assert.equal(future.status, 400, 'replyTo a message that does not exist yet');
  const unknown = await call(server.url, 'POST', '/api/v1/rooms/never-made/messages', { key: publisher, body: { text: 'x' } });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body['error'], 'not_found');
  const badName = await call(server.url, 'POST', '/api/v1/rooms/Not%20A%20Room/messages', { key: publisher, body: { text: 'x' } });
  assert.equal(badName.status, 400);
  const huge = await call(server.url, 'POST', path, { key: publisher, body: { text: 'x'.repeat(200_000) } });
  assert.equal(huge.status, 413);
  assert.equal(huge.body['error'], 'bad_request');
  const plain = await call(server.url, 'POST', path, { key: publisher, body: 'text', headers: { 'content-type': 'text/plain' } });
  assert.equal(plain.status, 400, 'a string is not the object the schema wants');
  const xml = await call(server.url, 'POST', path, { key: publisher, body: '<text/>', headers: { 'content-type': 'application/xml' } });
  assert.equal(xml.status, 415);
  assert.equal(xml.body['error'], 'bad_request');
  const nowhere = await call(server.url, 'GET', '/api/v1/nothing-here', { key: publisher });
  assert.equal(nowhere.status, 404);
  assert.equal(nowhere.body['error'], 'not_found');
});

test('`as` names a bot: any bot for a plain key, only its own for a bot key, never a person', async () => {
  const client = await member('as-room', 'asker');
  const path = '/api/v1/rooms/as-room/messages';
  const asBot = await call(server.url, 'POST', path, { key: publisher, body: { text: 'from the bot', as: 'bot:ci' } });
  assert.equal(asBot.status, 201);
  const [push] = await client.waitFor('message', 1, 'as-room');
  assert.deepEqual(push?.['from'], { id: 'bot:ci', name: 'ci' });
  const person = await register(server.url, 'realperson');
  const asPerson = await call(server.url, 'POST', path, { key: publisher, body: { text: 'spoof', as: person.id } });
  assert.equal(asPerson.status, 400);
  assert.equal(asPerson.body['error'], 'bad_request');
  const asGhost = await call(server.url, 'POST', path, { key: publisher, body: { text: 'x', as: 'bot:nobody' } });
  assert.equal(asGhost.status, 404);
  await makeKey(server.config, 'other bot', ['publish'], 'deploys');
  const otherBot = await call(server.url, 'POST', path, { key: botKey, body: { text: 'x', as: 'bot:deploys' } });
  assert.equal(otherBot.status, 403);
  const plain = await call(server.url, 'POST', path, { key: publisher, body: { text: 'from the key itself' } });
  assert.equal(plain.status, 201);
  const [, second] = await client.waitFor('message', 2, 'as-room');
  assert.match(String((second?.['from'] as { id: string }).id), /^api:k_/);
  await client.close();
});

test('broadcast: one message to many rooms, each answering on its own', async () => {
  const one = await member('bc-one', 'bc1');
  const two = await member('bc-two', 'bc2');
  const answer = await call(server.url, 'POST', '/api/v1/broadcast', {
    key: botKey,
    body: { rooms: ['bc-one', 'bc-two', 'bc-missing'], text: 'maintenance at 22:00', cid: 'maint-1' },
  });
  assert.equal(answer.status, 200, answer.text);
  const results = answer.body['results'] as Record<string, unknown>[];
  assert.deepEqual(
    results.map((result) => [result['room'], result['seq'] ?? result['error']]),
    [
      ['bc-one', 1],
      ['bc-two', 1],
      ['bc-missing', 'not_found'],
    ],
  );
  for (const [client, room] of [
    [one, 'bc-one'],
    [two, 'bc-two'],
  ] as const) {
    const [push] = await client.waitFor('message', 1, room);
    assert.equal(push?.['text'], 'maintenance at 22:00');
  }
  const retried = await call(server.url, 'POST', '/api/v1/broadcast', {
    key: botKey,
    body: { rooms: ['bc-one'], text: 'maintenance at 22:00', cid: 'maint-1' },
  });
  assert.deepEqual((retried.body['results'] as unknown[])[0], { room: 'bc-one', seq: 1, msgId: results[0]?.['msgId'], duplicate: true });
  const tooMany = await call(server.url, 'POST', '/api/v1/broadcast', {
    key: botKey,
    body: { rooms: Array.from({ length: 101 }, (_, i) => `r${i}`), text: 'x' },
  });
  assert.equal(tooMany.status, 400);
  const twice = await call(server.url, 'POST', '/api/v1/broadcast', { key: botKey, body: { rooms: ['bc-one', 'bc-one'], text: 'x' } });
  assert.equal(twice.status, 400, 'rooms must be unique');
  await one.close();
  await two.close();
});

test('a notice reaches every connection of one user, and nobody else', async () => {
  const { token, id } = await register(server.url, 'noticed');
  const phone = await TestClient.connect(server.wsUrl);
  await phone.ok('hello', { token });
  const laptop = await TestClient.connect(server.wsUrl);
  await laptop.ok('hello', { token });
  const bystander = await TestClient.guest(server.wsUrl, 'bystander');
  const answer = await call(server.url, 'POST', `/api/v1/users/${encodeURIComponent(id)}/notices`, { key: botKey, body: { text: 'your build passed' } });
  assert.equal(answer.status, 202, answer.text);
  for (const client of [phone, laptop]) {
    const notice = await client.next((frame) => frame.type === 'notice', 'the notice');
    assert.deepEqual(notice, { type: 'notice', user: id, text: 'your build passed', by: { id: 'bot:ci', name: 'ci' } });
  }
  await bystander.barrier();
  assert.equal(bystander.frames.filter((frame) => frame.type === 'notice').length, 0);
  const nobody = await call(server.url, 'POST', '/api/v1/users/u_nobody/notices', { key: botKey, body: { text: 'x' } });
  assert.equal(nobody.status, 404);
  for (const client of [phone, laptop, bystander]) await client.close();
});
