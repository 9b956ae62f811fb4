// Accounts over real HTTP and real sockets: register, login, logout, hello with a session token,
// and every way to break the rules — each refused with the documented error, nothing stored or
// delivered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { PROTOCOL } from '../../src/protocol/messages.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient, settle } from '../support/client.js';
import { api, authConfig, handshake, register } from '../support/auth.js';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('register answers 201 with the user and a session token that hello accepts', async () => {
  const reply = await api(server.url, '/api/register', { username: 'Ada', password: 'correct horse battery' });
  assert.equal(reply.status, 201);
  const user = reply.body['user'] as { id: string; name: string };
  assert.equal(user.name, 'ada', 'usernames are stored lower-case');
  assert.match(user.id, /^u_/);
  const token = reply.body['token'] as string;
  assert.match(token, /^pst_[A-Za-z0-9_-]{43}$/);
  assert.equal(reply.headers.get('cache-control'), 'no-store');

  const client = await TestClient.connect(server.wsUrl);
  const hello = await client.ok('hello', { token });
  assert.deepEqual(hello['user'], user);
  assert.equal(hello['kind'], 'account');
  assert.equal(hello['resume'], undefined, 'accounts need no resume token');
  await client.close();
});

test('a username is unique case-insensitively; bad bodies are bad_request', async () => {
  await register(server.url, 'grace');
  const twin = await api(server.url, '/api/register', { username: 'GRACE', password: 'another password' });
  assert.equal(twin.status, 409);
  assert.equal(twin.body['error'], 'name_taken');
  for (const body of [
    { username: 'ab', password: 'long enough password' },
    { username: 'has space', password: 'long enough password' },
    { username: 'a'.repeat(33), password: 'long enough password' },
    { username: 'short-pass', password: 'seven77' },
    { username: 'no-password' },
  ]) {
    const reply = await api(server.url, '/api/register', body);
    assert.equal(reply.status, 400, JSON.stringify(body));
    assert.equal(reply.body['error'], 'bad_request');
  }
});

test('login answers 200 with a new token; wrong password and unknown user are 401', async () => {
  const { id } = await register(server.url, 'hopper', 'the right password');
  const good = await api(server.url, '/api/login', { username: 'HOPPER', password: 'the right password' });
  assert.equal(good.status, 200);
  assert.deepEqual(good.body['user'], { id, name: 'hopper' });
  const wrong = await api(server.url, '/api/login', { username: 'hopper', password: 'the wrong password' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body['error'], 'unauthorized');
  assert.equal(wrong.body['token'], undefined);
  const unknown = await api(server.url, '/api/login', { username: 'nobody', password: 'the right password' });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.body['message'], wrong.body['message'], 'unknown user and wrong password look the same');
});

test('logout kills the token at once: a new hello with it is refused with unauthorized and 4401', async () => {
  const { token } = await register(server.url, 'lovelace');
  const noBearer = await api(server.url, '/api/logout');
  assert.equal(noBearer.status, 401);
  const out = await api(server.url, '/api/logout', undefined, { authorization: `Bearer ${token}` });
  assert.equal(out.status, 204);

  const watcher = await TestClient.guest(server.wsUrl, 'watcher');
  await watcher.ok('join', { room: 'after-logout' });
  const client = await TestClient.connect(server.wsUrl);
  // The hello and what a client pipelines behind it: nothing of it may take effect.
  client.sendRaw(JSON.stringify({ id: 1, type: 'hello', token }));
  client.sendRaw(JSON.stringify({ id: 2, type: 'join', room: 'after-logout' }));
  client.sendRaw(JSON.stringify({ id: 3, type: 'send', room: 'after-logout', text: 'ghost', cid: 'g1' }));
  const closed = await client.closed;
  assert.equal(closed.code, 4401);
  const error = client.frames.find((frame) => frame['id'] === 1);
  assert.equal(error?.type, 'error');
  assert.equal(error?.['code'], 'unauthorized');
  assert.equal(client.frames.filter((frame) => frame.type === 'ok').length, 0, 'nothing after the refused hello ran');
  // The connection closed in its hello's handler, before the commands held behind the hello were
  // released (they are then dropped, unrun): nothing of them can come after the close.
  await watcher.barrier();
  assert.deepEqual(watcher.pushes('message'), []);
  assert.deepEqual(watcher.pushes('presence'), []);
  const history = await watcher.ok('history', { room: 'after-logout' });
  assert.deepEqual(history['messages'], []);
  await watcher.close();
});

test('logout closes the open connections of that session (4401) and only those', async () => {
  const { token } = await register(server.url, 'two-devices', 'the right password');
  const other = (await api(server.url, '/api/login', { username: 'two-devices', password: 'the right password' })).body['token'] as string;
  const phone = await TestClient.connect(server.wsUrl);
  await phone.ok('hello', { token });
  await phone.ok('join', { room: 'devices' });
  const laptop = await TestClient.connect(server.wsUrl);
  await laptop.ok('hello', { token: other });
  await laptop.ok('join', { room: 'devices' });
  assert.equal((await api(server.url, '/api/logout', undefined, { authorization: `Bearer ${token}` })).status, 204);
  assert.equal((await phone.closed).code, 4401);
  const sent = await laptop.ok('send', { room: 'devices', text: 'still here', cid: 'd1' });
  assert.equal(sent['seq'], 1, 'the other session is untouched');
  await laptop.close();
});

test('a made-up session token is refused with unauthorized and 4401', async () => {
  const client = await TestClient.connect(server.wsUrl);
  const reply = await client.request('hello', { token: `pst_${'A'.repeat(43)}` });
  assert.equal(reply['code'], 'unauthorized');
  assert.equal((await client.closed).code, 4401);
});

test('commands pipelined behind a token hello run after it, in order', async () => {
  const { token, id } = await register(server.url, 'pipeliner');
  const client = await TestClient.connect(server.wsUrl);
  client.sendRaw(JSON.stringify({ id: 1, type: 'hello', token }));
  client.sendRaw(JSON.stringify({ id: 2, type: 'join', room: 'piped' }));
  client.sendRaw(JSON.stringify({ id: 3, type: 'typing', room: 'piped' }));
  const typed = await client.next((frame) => frame['id'] === 3, 'typing ok');
  assert.equal(typed.type, 'ok', 'typing found the join, so it ran after it');
  // Replies to different requests may come in any order.
  await client.waitFor('ok', 3);
  assert.deepEqual(
    client.frames
      .filter((frame) => frame['id'] !== undefined)
      .map((frame) => `${String(frame['id'])} ${frame.type}`)
      .sort(),
    ['1 ok', '2 ok', '3 ok'],
  );
  await client.ok('send', { room: 'piped', text: 'first', cid: 'p1' });
  const [message] = await client.waitFor('message', 1, 'piped');
  assert.deepEqual((message?.['from'] as { id: string }).id, id);
  await client.close();
});

test('a user cannot send as another: the stored from is always the authenticated user', async () => {
  const ada = await register(server.url, 'sender-ada');
  const bob = await register(server.url, 'sender-bob');
  const bobClient = await TestClient.connect(server.wsUrl);
  await bobClient.ok('hello', { token: bob.token });
  await bobClient.ok('join', { room: 'spoof' });
  const adaClient = await TestClient.connect(server.wsUrl);
  await adaClient.ok('hello', { token: ada.token });
  await adaClient.ok('join', { room: 'spoof' });
  await adaClient.ok('send', { room: 'spoof', text: 'I am bob', cid: 's1', from: { id: bob.id, name: 'sender-bob' }, user: bob.id });
  const [seen] = await bobClient.waitFor('message', 1, 'spoof');
  assert.deepEqual(seen?.['from'], { id: ada.id, name: 'sender-ada' });
  const history = await bobClient.ok('history', { room: 'spoof' });
  assert.deepEqual(
    (history['messages'] as { from: unknown }[]).map((m) => m.from),
    [{ id: ada.id, name: 'sender-ada' }],
  );
  // A hello that tries to be both a guest and a token user is malformed.
  const both = await TestClient.connect(server.wsUrl);
  const reply = await both.request('hello', { nick: 'sender-bob', token: bob.token });
  assert.equal(reply['code'], 'bad_request');
  await Promise.all([adaClient.close(), bobClient.close(), both.close()]);
});

test('a guest cannot take an account name, in any case; the connection may pick another', async () => {
  await register(server.url, 'turing');
  const client = await TestClient.connect(server.wsUrl);
  for (const nick of ['turing', 'Turing', ' TURING ']) {
    const reply = await client.request('hello', { nick });
    assert.equal(reply.type, 'error', nick);
    assert.equal(reply['code'], 'name_taken');
    assert.equal(reply['field'], 'nick');
  }
  const notYet = await client.request('join', { room: 'lobby' });
  assert.equal(notYet['code'], 'hello_required');
  const hello = await client.ok('hello', { nick: 'turing2' });
  assert.equal((hello['user'] as { name: string }).name, 'turing2');
  assert.equal(hello['kind'], 'guest');
  await client.close();

  // A plain client (no subprotocol) is a guest too.
  const { WebSocket } = await import('ws');
  const plain = new WebSocket(`${server.wsUrl}?nick=Turing`);
  const texts: string[] = [];
  plain.on('message', (data) => texts.push((data as Buffer).toString()));
  const code = await new Promise<number>((resolve) => plain.once('close', (c) => resolve(c)));
  assert.equal(code, 1008);
  assert.match(texts[0] ?? '', /^error: .*registered account/);
});

test('50 wrong passwords in a row are throttled with 429 and Retry-After, and so is the right one then', async () => {
  await register(server.url, 'target', 'the real password');
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 50; i++) {
    const reply = await api(server.url, '/api/login', { username: 'target', password: `guess number ${i}` });
    statuses.push(reply.status);
    if (reply.status === 429) {
      retryAfter = reply.headers.get('retry-after');
      assert.equal(reply.body['error'], 'throttled');
      assert.equal(reply.body['token'], undefined);
    }
  }
  assert.ok(
    statuses.every((status) => status === 401 || status === 429),
    statuses.join(','),
  );
  const firstThrottled = statuses.indexOf(429);
  assert.equal(firstThrottled, 10, 'ten failures per account, then throttled');
  assert.ok(
    statuses.slice(firstThrottled).every((status) => status === 429),
    'and throttled from then on',
  );
  assert.ok(Number(retryAfter) > 0, `Retry-After ${retryAfter}`);
  const right = await api(server.url, '/api/login', { username: 'target', password: 'the real password' });
  assert.equal(right.status, 429, 'a throttled account does not even check the right password');
});

test('wrong passwords for many accounts from one IP are throttled per IP', async () => {
  const fresh = await startTestServer();
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      statuses.push((await api(fresh.url, '/api/login', { username: `someone${i}`, password: 'not the password' })).status);
    }
    assert.equal(statuses.indexOf(429), 30, 'thirty failures per IP, then throttled');
    assert.ok(statuses.slice(30).every((status) => status === 429));
  } finally {
    await fresh.stop();
  }
});

test('with PARLEY_GUESTS=off a guest hello is unauthorized (4401) and plain clients are refused', async () => {
  const closed = await startTestServer({ auth: authConfig({ guests: false }) });
  try {
    const guest = await TestClient.connect(closed.wsUrl);
    const reply = await guest.request('hello', { nick: 'visitor' });
    assert.equal(reply['code'], 'unauthorized');
    assert.equal((await guest.closed).code, 4401);
    assert.equal(await handshake(closed.wsUrl, {}, []), 401);
    const { token } = await register(closed.url, 'member');
    const member = await TestClient.connect(closed.wsUrl);
    await member.ok('hello', { token });
    await member.close();
  } finally {
    await closed.stop();
  }
});

test('a session token expires', async () => {
  const short = await startTestServer({ auth: authConfig({ sessionTtlMs: 1000 }) });
  try {
    const { token } = await register(short.url, 'brief');
    const early = await TestClient.connect(short.wsUrl);
    await early.ok('hello', { token });
    await early.close();
    await settle(1300);
    const late = await TestClient.connect(short.wsUrl);
    const reply = await late.request('hello', { token });
    assert.equal(reply['code'], 'unauthorized');
    assert.equal((await late.closed).code, 4401);
  } finally {
    await short.stop();
  }
});

test('tokens in the WebSocket URL are refused at the handshake', async () => {
  const { token } = await register(server.url, 'urlish');
  assert.equal(await handshake(`${server.wsUrl}?token=${token}`), 400);
  assert.equal(await handshake(`${server.wsUrl}?access_token=${token}`, {}, []), 400);
});

test('neither passwords nor tokens reach the log, even at trace level', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logged = await startTestServer({}, pino({ level: 'trace' }, sink));
  try {
    const password = 'secret-password-for-logs';
    const { token } = await register(logged.url, 'logged', password);
    await api(logged.url, '/api/login', { username: 'logged', password: 'wrong-password-for-logs' });
    const login = await api(logged.url, '/api/login', { username: 'logged', password });
    const second = login.body['token'] as string;
    const client = await TestClient.connect(logged.wsUrl);
    await client.ok('hello', { token });
    await client.close();
    await api(logged.url, '/api/logout', undefined, { authorization: `Bearer ${second}` });
    const refused = await TestClient.connect(logged.wsUrl);
    await refused.request('hello', { token: second });
    await refused.closed;
    await settle(50);
    const all = lines.join('');
    assert.ok(lines.length > 0, 'the server logged something');
    for (const secret of [password, 'wrong-password-for-logs', token, second, token.slice(4), second.slice(4)]) {
      assert.ok(!all.includes(secret), `a secret reached the log`);
    }
  } finally {
    await logged.stop();
  }
});

test('the hello schema accepts a token only as a string of bounded length', async () => {
  const client = await TestClient.connect(server.wsUrl, PROTOCOL);
  const reply = await client.request('hello', { token: 42 });
  assert.equal(reply['code'], 'bad_request');
  assert.equal(reply['field'], 'token');
  const long = await client.request('hello', { token: 'x'.repeat(9000) });
  assert.equal(long['code'], 'bad_request');
  await client.close();
});
