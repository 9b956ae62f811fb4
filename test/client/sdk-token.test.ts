// The SDK with accounts: `createClient(url, {token})` says hello with a session token; a token the
// server refuses closes the client for good (no reconnect loop) with `unauthorized`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { createClient } from '../../src/client/node.js';
import { api, register } from '../support/auth.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('a session token signs the SDK in as the account, across a reconnect', async () => {
  const { token, id } = await register(server.url, 'sdk-user');
  const client = createClient(server.wsUrl, { token });
  try {
    const ready = await client.open();
    assert.deepEqual(ready.user, { id, name: 'sdk-user' });
    await client.join('sdk-token-room');
    const sent = await client.send('sdk-token-room', 'hello as an account');
    assert.equal(sent.seq, 1);
    const again = new Promise<{ user: { id: string } }>((resolve) => client.on('ready', (event) => resolve(event)));
    client.reconnect();
    assert.equal((await again).user.id, id, 'the same user after a reconnect');
  } finally {
    client.close();
  }
});

test('a refused token closes the SDK client with unauthorized instead of retrying', async () => {
  const { token } = await register(server.url, 'sdk-logout');
  assert.equal((await api(server.url, '/api/logout', undefined, { authorization: `Bearer ${token}` })).status, 204);
  const client = createClient(server.wsUrl, { token });
  await assert.rejects(client.open(), { code: 'unauthorized' });
  assert.equal(client.state, 'closed');
});
