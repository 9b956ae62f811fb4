// The SDK's accounts calls over the real HTTP API: register and login answer a session that
// `createClient(url, { token })` says hello with, from the same ws:// URL; refusals are
// RequestErrors with the server's code; an address with no Parley behind it is `unreachable`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startTestServer, type TestServer } from '../support/server.js';
import { apiUrl, connect, login, logout, register, RequestError } from '../../src/client/node.js';
import { freePort } from '../support/process.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('apiUrl: the http(s) address of a path, from the WebSocket URL or the web app one', () => {
  assert.equal(apiUrl('ws://h:1/ws', '/api/login'), 'http://h:1/api/login');
  assert.equal(apiUrl('wss://chat.example/ws', '/api/login'), 'https://chat.example/api/login');
  assert.equal(apiUrl('http://h:1/', '/api/logout'), 'http://h:1/api/logout');
  assert.throws(() => apiUrl('ftp://h', '/api/login'), { code: 'bad_url' });
});

test('register, login, hello with the token, logout', async () => {
  const credentials = { username: 'sdk-account', password: 'correct horse battery' };
  const registered = await register(server.wsUrl, credentials);
  assert.equal(registered.user.name, 'sdk-account');
  assert.ok(registered.expiresAt > Date.now());
  await assert.rejects(
    register(server.wsUrl, credentials),
    (error: unknown) => error instanceof RequestError && error.code === 'name_taken' && error.fromServer,
  );

  const session = await login(server.wsUrl, { username: 'SDK-Account', password: credentials.password });
  assert.deepEqual(session.user, registered.user);
  const client = await connect(server.wsUrl, { token: session.token });
  assert.deepEqual(client.user, registered.user);
  client.close();

  await logout(server.wsUrl, session.token);
  await assert.rejects(connect(server.wsUrl, { token: session.token }), { code: 'unauthorized' });
  await assert.rejects(login(server.url, { username: 'sdk-account', password: 'wrong password' }), { code: 'unauthorized', fromServer: true });
});

test('nothing listening, or something that is not Parley, is unreachable', async () => {
  const closedPort = await freePort();
  await assert.rejects(login(`ws://127.0.0.1:${closedPort}/ws`, { username: 'ada', password: 'whatever1' }), (error: unknown) => {
    assert.ok(error instanceof RequestError);
    assert.equal(error.code, 'unreachable');
    assert.equal(error.fromServer, false);
    assert.match(error.message, new RegExp(`^could not reach http://127\\.0\\.0\\.1:${closedPort}/api/login`));
    return true;
  });
  const other = createServer((_request, response) => response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>nope</h1>'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const address = other.address();
  assert.ok(address !== null && typeof address === 'object');
  try {
    await assert.rejects(login(`ws://127.0.0.1:${address.port}`, { username: 'ada', password: 'whatever1' }), {
      code: 'unreachable',
      message: `http://127.0.0.1:${address.port}/api/login answered HTTP 404, not a Parley reply`,
    });
  } finally {
    other.close();
  }
});
