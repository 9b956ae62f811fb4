// The SDK's transports in Node 20 against a real server: the HTTP fallback forced, WebSocket forced
// (never falling back), and the `auto` choice falling back by itself (a WebSocket handshake that
// fails; one that opens and then stays silent) and going back to WebSocket once a probe finds it
// working, with every message once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { until } from '../support/web-page.js';
import { createClient, httpSocketFactory, wsSocketFactory, type ChatMessage, type ParleyClient, type StateChange } from '../../src/client/node.js';
import type { SocketFactory } from '../../src/client/socket.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

function texts(client: ParleyClient, room: string): string[] {
  const seen: string[] = [];
  client.on('message', (message: ChatMessage) => {
    if (message.room === room) seen.push(message.text);
  });
  return seen;
}

/** WebSockets that go to `target()` instead of the client's URL (a refused or a silent endpoint), the real one when it returns undefined. */
function redirected(target: () => string | undefined): SocketFactory {
  return (url, protocol, events) => wsSocketFactory(target() ?? url, protocol, events);
}

test("transport: 'http' chats over the fallback with a WebSocket client, and says so", async () => {
  const states: StateChange[] = [];
  const ada = createClient(server.wsUrl, { nick: 'ada', transport: 'http' });
  ada.on('state', (change) => states.push(change));
  await ada.open();
  assert.equal(ada.transport, 'http');
  assert.equal(states.find((change) => change.state === 'open')?.transport, 'http');
  const seen = texts(ada, 'sdk-http');
  await ada.join('sdk-http');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room: 'sdk-http' });
  const ack = await ada.send('sdk-http', 'over http');
  assert.equal(ack.seq, 1);
  await bob.waitFor('message', 1, 'sdk-http');
  await bob.ok('send', { room: 'sdk-http', text: 'over ws', cid: 'b1' });
  await until('both messages', async () => seen.length === 2);
  assert.deepEqual(seen, ['over http', 'over ws']);
  ada.close();
  await bob.close();
});

test("transport: 'websocket' never falls back: while WebSocket is blocked it keeps trying WebSocket, and opens on it once it works", async () => {
  let blocked = true;
  let attempts = 0;
  const states: StateChange[] = [];
  const ada = createClient(server.wsUrl, {
    nick: 'ada-ws',
    socket: (url, protocol, events) => {
      attempts++;
      return wsSocketFactory(blocked ? 'ws://127.0.0.1:9/' : url, protocol, events);
    },
    transport: 'websocket',
    fallback: { probeMs: 100, firstFrameMs: 100 },
    backoff: { initialMs: 20, maxMs: 100 },
  });
  ada.on('state', (change) => states.push(change));
  const opened = ada.open();
  // Every attempt goes through the WebSocket factory; `auto` would have been on HTTP after the first.
  await until('three WebSocket attempts', async () => attempts >= 3);
  assert.equal(ada.transport, undefined, 'no socket: nothing fell back to HTTP');
  assert.ok(!states.some((change) => change.state === 'open'), 'never open while WebSocket is blocked');
  blocked = false;
  await opened;
  assert.equal(ada.transport, 'websocket');
  assert.equal(states.find((change) => change.state === 'open')?.transport, 'websocket');
  ada.close();
});

test('auto falls back when the WebSocket handshake fails, and goes back to WebSocket when a probe succeeds', async () => {
  let blocked = true;
  const ada = createClient(server.wsUrl, {
    nick: 'ada2',
    socket: redirected(() => (blocked ? 'ws://127.0.0.1:9/' : undefined)),
    transport: 'auto',
    fallback: { probeMs: 300 },
    backoff: { initialMs: 20, maxMs: 200 },
  });
  await ada.open();
  assert.equal(ada.transport, 'http');
  const seen = texts(ada, 'sdk-auto');
  await ada.join('sdk-auto');
  const bob = await TestClient.guest(server.wsUrl, 'bob2');
  await bob.ok('join', { room: 'sdk-auto' });
  await ada.send('sdk-auto', 'a1');
  await bob.ok('send', { room: 'sdk-auto', text: 'b1', cid: 'b1' });
  await until('two messages on the fallback', async () => seen.length === 2);

  blocked = false;
  await until('back on WebSocket', async () => ada.transport === 'websocket' && ada.state === 'open');
  await bob.ok('send', { room: 'sdk-auto', text: 'b2', cid: 'b2' });
  await ada.send('sdk-auto', 'a2');
  await until('four messages', async () => seen.length === 4);
  await bob.barrier();
  assert.deepEqual(seen, ['a1', 'b1', 'b2', 'a2'], 'every message once, in order, across the switch');
  ada.close();
  await bob.close();
});

test('auto falls back when the WebSocket opens but no frame arrives in time', async () => {
  // A WebSocket endpoint that accepts the upgrade and never answers (a proxy that holds frames).
  const silent = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => silent.once('listening', resolve));
  const port = (silent.address() as AddressInfo).port;
  try {
    const ada = createClient(server.wsUrl, {
      nick: 'ada3',
      socket: redirected(() => `ws://127.0.0.1:${port}/ws`),
      transport: 'auto',
      fallback: { firstFrameMs: 500, probeMs: 600_000 },
    });
    const ready = await ada.open();
    assert.equal(ready.user.name, 'ada3');
    assert.equal(ada.transport, 'http');
    await ada.join('sdk-silent');
    assert.equal((await ada.send('sdk-silent', 'still here')).seq, 1);
    ada.close();
  } finally {
    silent.close();
  }
});

test('auto stays on WebSocket across a server restart: when both transports fail, the next attempt tries WebSocket first', async () => {
  const own = await startTestServer();
  const port = own.port;
  const ada = createClient(own.wsUrl, { nick: 'ada4', backoff: { initialMs: 50, maxMs: 300 } });
  await ada.open();
  assert.equal(ada.transport, 'websocket');
  const states: StateChange[] = [];
  ada.on('state', (change) => states.push(change));
  await own.stop({ keepData: true });
  await until('the client to notice', async () => ada.state === 'reconnecting');
  // A few attempts fail on both transports while nothing listens.
  await new Promise((resolve) => setTimeout(resolve, 800));
  const again = await startTestServer({ port, dataDir: own.config.dataDir });
  try {
    await until('open again', async () => ada.state === 'open');
    assert.equal(ada.transport, 'websocket', 'back on WebSocket at once, not on the fallback until a probe');
    assert.equal(states.at(-1)?.transport, 'websocket');
    ada.close();
  } finally {
    await again.stop();
  }
});

test('the fallback socket closes a stream that goes silent past its heartbeats with 1006, which the client reconnects after', async () => {
  // A stream that opens and then never writes again: a proxy that holds it, say.
  const silent = createServer((request, response) => {
    if (request.url === '/fallback/stream') {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('event: stream\ndata: {"stream":"a.b","secret":"s","heartbeatMs":100}\n\n');
      return;
    }
    response.writeHead(202).end('{}');
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const port = (silent.address() as AddressInfo).port;
  const closes: { code: number; reason: string }[] = [];
  const socket = httpSocketFactory()(`ws://127.0.0.1:${port}/ws`, 'parley.v1', {
    open: () => undefined,
    message: () => undefined,
    close: (code, reason) => closes.push({ code, reason }),
  });
  try {
    await until('the silent stream closed', async () => closes.length === 1, 5000);
    assert.deepEqual(closes, [{ code: 1006, reason: 'fallback stream went silent' }]);
  } finally {
    socket.close();
    silent.closeAllConnections();
    silent.close();
  }
});
