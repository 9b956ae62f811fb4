// Every protocol rule broken once: each gets a clear error (or close code) and, where the rule says
// so, the connection stays usable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ maxFrameBytes: 8 * 1024 });
});
after(async () => {
  await server.stop();
});

async function stillUsable(client: TestClient): Promise<void> {
  const reply = await client.ok('rooms');
  assert.ok(Array.isArray(reply['rooms']));
}

test('any verb before hello gets hello_required, then hello works', async () => {
  const client = await TestClient.connect(server.wsUrl);
  const refused = await client.request('join', { room: 'early' });
  assert.equal(refused['type'], 'error');
  assert.equal(refused['code'], 'hello_required');
  await client.ok('hello', { nick: 'late' });
  await client.ok('join', { room: 'early' });
  const twice = await client.request('hello', { nick: 'again' });
  assert.equal(twice['code'], 'already_hello');
  await client.close();
});

test('a frame that is not JSON or not an object is bad_frame and the connection stays open', async () => {
  const client = await TestClient.guest(server.wsUrl, 'garbage');
  for (const raw of ['not json', '[1,2]', '"text"', '42', 'null', '{"id":1,']) {
    const reply = client.next((f) => f.type === 'error', raw);
    client.sendRaw(raw);
    const error = await reply;
    assert.equal(error['code'], 'bad_frame', raw);
    assert.equal(typeof error['message'], 'string');
  }
  const binary = client.next((f) => f.type === 'error', 'binary');
  client.sendRaw(Buffer.from('{"type":"rooms"}'), true);
  assert.equal((await binary)['code'], 'bad_frame');
  await stillUsable(client);
  await client.close();
});

test('an unknown verb is unknown_type; a missing type is bad_request', async () => {
  const client = await TestClient.guest(server.wsUrl, 'unknown');
  const unknown = await client.request('teleport', { room: 'x' });
  assert.equal(unknown['code'], 'unknown_type');
  const missing = client.next((f) => f['id'] === 'no-type', 'reply');
  client.sendRaw(JSON.stringify({ id: 'no-type', room: 'x' }));
  const reply = await missing;
  assert.equal(reply['code'], 'bad_request');
  assert.equal(reply['field'], 'type');
  await stillUsable(client);
  await client.close();
});

test('schema violations are bad_request naming the field', async () => {
  const client = await TestClient.guest(server.wsUrl, 'schema');
  await client.ok('join', { room: 'schema' });
  const cases: [string, Record<string, unknown>, string][] = [
    ['send', { room: 'schema', text: 'x' }, 'cid'],
    ['send', { room: 'schema', text: 42, cid: 'a' }, 'text'],
    ['send', { room: 'schema', text: '', cid: 'a' }, 'text'],
    ['send', { room: 'schema', text: 'x'.repeat(4001), cid: 'a' }, 'text'],
    ['join', { room: 'Upper' }, 'room'],
    ['join', { room: '-leading' }, 'room'],
    ['join', { room: 'a'.repeat(65) }, 'room'],
    ['join', { room: 'ok', since: -1 }, 'since'],
    ['join', { room: 'ok', since: 'x' }, 'since'],
    ['history', { room: 'schema', limit: 0 }, 'limit'],
    ['history', { room: 'schema', before: 1.5 }, 'before'],
    ['typing', {}, 'room'],
  ];
  for (const [verb, params, field] of cases) {
    const reply = await client.request(verb, params);
    assert.equal(reply['type'], 'error', `${verb} ${JSON.stringify(params)}`);
    assert.equal(reply['code'], 'bad_request', `${verb} ${JSON.stringify(params)}`);
    assert.equal(reply['field'], field, `${verb} ${JSON.stringify(params)}`);
    assert.match(String(reply['message']), new RegExp(`^${field}: `));
  }
  // Exactly 4000 characters is allowed.
  await client.ok('send', { room: 'schema', text: 'x'.repeat(4000), cid: 'max' });
  const history = await client.ok('history', { room: 'schema' });
  assert.equal((history['messages'] as unknown[]).length, 1, 'no refused message was stored');
  await client.close();
});

test('nick rules: 1 to 32 characters, no control characters, not blank', async () => {
  for (const nick of ['', 'x'.repeat(33), 'bell\u0007', 'line\nbreak', '   ']) {
    const client = await TestClient.connect(server.wsUrl);
    const reply = await client.request('hello', { nick });
    assert.equal(reply['code'], 'bad_request', JSON.stringify(nick));
    assert.equal(reply['field'], 'nick');
    await client.ok('hello', { nick: 'fine' });
    await client.close();
  }
  const unicode = await TestClient.connect(server.wsUrl);
  const ok = await unicode.ok('hello', { nick: 'Zoë 🚀' });
  assert.equal((ok['user'] as { name: string }).name, 'Zoë 🚀');
  await unicode.close();
});

test('request ids may be numbers or strings and come back unchanged; extra fields are ignored', async () => {
  const client = await TestClient.guest(server.wsUrl, 'ids');
  const reply = client.next((f) => f['id'] === 'req-7', 'string id');
  client.sendRaw(JSON.stringify({ id: 'req-7', type: 'rooms', extra: { nested: true } }));
  assert.equal((await reply)['type'], 'ok');
  await client.close();
});

test('sending or typing in a room not joined is not_member', async () => {
  const client = await TestClient.guest(server.wsUrl, 'outsider');
  const send = await client.request('send', { room: 'elsewhere', text: 'hi', cid: '1' });
  assert.equal(send['code'], 'not_member');
  const typing = await client.request('typing', { room: 'elsewhere' });
  assert.equal(typing['code'], 'not_member');
  await client.close();
});

test('a frame over the size limit closes the connection with 1009', async () => {
  const client = await TestClient.guest(server.wsUrl, 'big');
  client.sendRaw(JSON.stringify({ id: 1, type: 'send', room: 'big', text: 'x'.repeat(9000), cid: 'c' }));
  const closed = await client.closed;
  assert.equal(closed.code, 1009);
  // The server is fine and so are new connections.
  const next = await TestClient.guest(server.wsUrl, 'after-big');
  await stillUsable(next);
  await next.close();
});

test('a subprotocol other than parley.v1 is refused during the handshake', async () => {
  await assert.rejects(TestClient.connect(server.wsUrl, 'mqtt'), /400/);
});

test('upgrades on other paths are refused with 404', async () => {
  await assert.rejects(TestClient.connect(`${server.wsUrl.replace('/ws', '/elsewhere')}`), /404/);
});
