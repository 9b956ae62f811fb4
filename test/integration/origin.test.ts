// Browser connections are checked against an Origin allowlist at the handshake (and on the
// accounts API): by default only the server's own origin; clients that send no Origin pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.js';
import { api, authConfig, handshake } from '../support/auth.js';
import { OriginPolicy } from '../../src/server/auth/origin.js';

let server: TestServer;
let own: string;

before(async () => {
  server = await startTestServer();
  own = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await server.stop();
});

test('by default a page of the server itself connects; another site, a null origin and another port are refused with 403', async () => {
  assert.equal(await handshake(server.wsUrl, { origin: own }), 'open');
  assert.equal(await handshake(server.wsUrl, {}), 'open', 'no Origin: not a browser');
  assert.equal(await handshake(server.wsUrl, { origin: 'https://evil.example' }), 403);
  assert.equal(await handshake(server.wsUrl, { origin: 'null' }), 403);
  assert.equal(await handshake(server.wsUrl, { origin: `http://127.0.0.1:${server.port + 1}` }), 403);
  assert.equal(await handshake(server.wsUrl, { origin: 'https://evil.example' }, []), 403, 'plain clients too');
});

test('the accounts API refuses a foreign Origin with 403 before doing anything', async () => {
  const body = { username: 'origin-user', password: 'long enough password' };
  const foreign = await api(server.url, '/api/register', body, { origin: 'https://evil.example' });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.body['error'], 'forbidden');
  const login = await api(server.url, '/api/login', body, { origin: own });
  assert.equal(login.status, 401, 'the foreign register stored nothing');
  assert.equal((await api(server.url, '/api/register', body, { origin: own })).status, 201);
});

test("PARLEY_ORIGINS adds the listed origins to the server's own, which is never locked out", async () => {
  const listed = await startTestServer({ auth: authConfig({ origins: ['https://chat.example.com', 'http://localhost:5173'] }) });
  try {
    assert.equal(await handshake(listed.wsUrl, { origin: 'https://chat.example.com' }), 'open');
    assert.equal(await handshake(listed.wsUrl, { origin: 'http://localhost:5173' }), 'open');
    assert.equal(await handshake(listed.wsUrl, { origin: 'https://chat.example.com.evil.example' }), 403);
    assert.equal(await handshake(listed.wsUrl, { origin: 'https://evil.example' }), 403);
    assert.equal(await handshake(listed.wsUrl, { origin: `http://127.0.0.1:${listed.port}` }), 'open', "Parley's own web app");
    assert.equal(await handshake(listed.wsUrl, { origin: `http://127.0.0.1:${listed.port + 1}` }), 403, 'another port is another origin');
    const body = { username: 'listed-origin-user', password: 'long enough password' };
    const own = await api(listed.url, '/api/register', body, { origin: `http://127.0.0.1:${listed.port}` });
    assert.equal(own.status, 201, "the accounts API answers the server's own page too");
  } finally {
    await listed.stop();
  }
});

test('a refused origin is logged at the default level, once per origin, saying what to set', async () => {
  const lines: { level: number; msg: string; origin?: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  const logged = await startTestServer({}, pino({ level: 'info' }, sink));
  try {
    for (let i = 0; i < 3; i++) assert.equal(await handshake(logged.wsUrl, { origin: 'https://other.example' }), 403);
    assert.equal(await handshake(logged.wsUrl, { origin: 'https://third.example' }), 403);
    const body = { username: 'origin-logged', password: 'long enough password' };
    assert.equal((await api(logged.url, '/api/register', body, { origin: 'https://other.example' })).status, 403);
    // The handshakes were answered, so their log lines were written before the answers.
    const notes = lines.filter((line) => line.msg.includes('PARLEY_ORIGINS'));
    assert.deepEqual(
      notes.map((line) => [line.origin, line.level >= 40]),
      [
        ['https://other.example', true],
        ['https://third.example', true],
      ],
      'one warning per origin, however often it is refused, over WebSocket and the API alike',
    );
    assert.match(notes[0]?.msg ?? '', /add it to PARLEY_ORIGINS/);
  } finally {
    await logged.stop();
  }
});

test('refusal notes stay bounded whatever origins a client makes up', () => {
  const policy = new OriginPolicy([]);
  let said = 0;
  for (let i = 0; i < 1000; i++) if (policy.refusalNote(`https://o${i}.example`, 'websocket') !== null) said++;
  assert.equal(said, 257, '256 origins, then one line saying further ones are not logged');
  assert.match(policy.refusalNote(`https://${'x'.repeat(5000)}.example`, 'api') ?? 'none', /none/);
});
