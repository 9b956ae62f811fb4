// Browser connections are checked against an Origin allowlist at the handshake (and on the
// accounts API): by default only the server's own origin; clients that send no Origin pass.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { api, authConfig, handshake } from '../support/auth.js';

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

test('PARLEY_ORIGINS adds the listed origins to the server\'s own, which is never locked out', async () => {
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
