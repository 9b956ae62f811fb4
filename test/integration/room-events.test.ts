// GET /api/v1/rooms/{room}/events read by a stock EventSource (the `eventsource` package): each
// message's event id is its seq, Last-Event-ID resumes exactly after a disconnect (no gap, nothing
// twice), and only readers the room lets read may follow it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventSource } from 'eventsource';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { until } from '../support/web-page.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { makeKey } from '../support/api-v1.js';
import { authConfig, register } from '../support/auth.js';
import { followRoom as follow } from '../support/event-source.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ auth: authConfig() });
});
after(async () => {
  await server.stop();
});

test('a stock EventSource follows a room from lastEventId and resumes after a disconnect with no gap and nothing twice', { timeout: 60_000 }, async () => {
  const { key } = await makeKey(server.config, 'reader', ['read']);
  const room = 'followed';
  const writer = await TestClient.guest(server.wsUrl, 'writer');
  await writer.ok('join', { room });
  for (let i = 1; i <= 3; i++) await writer.ok('send', { room, text: `m${i}`, cid: `c${i}` });

  const proxy = await TcpProxy.start({ host: '127.0.0.1', port: server.port });
  const followed = follow(`http://127.0.0.1:${proxy.port}/api/v1/rooms/${room}/events?lastEventId=1`, key);
  await until('the backlog after seq 1', async () => followed.texts.length === 2);
  await writer.ok('send', { room, text: 'm4', cid: 'c4' });
  await until('the live message', async () => followed.texts.length === 3);

  await proxy.cut();
  for (let i = 5; i <= 9; i++) await writer.ok('send', { room, text: `m${i}`, cid: `c${i}` });
  await proxy.restore();
  await until('what was sent while cut off, after the reconnect', async () => followed.texts.length === 8);
  await writer.ok('send', { room, text: 'm10', cid: 'c10' });
  await until('live again', async () => followed.texts.length === 9);
  assert.deepEqual(followed.texts, ['m2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10']);
  assert.deepEqual(followed.ids, ['2', '3', '4', '5', '6', '7', '8', '9', '10']);
  followed.source.close();
  await proxy.cut();
  await writer.close();
});

test('the events endpoint refuses no credentials, a key without the read scope, tokens in the URL, bad ids, private rooms to non-members and banned users', async () => {
  const base = `${server.url}/api/v1/rooms`;
  const owner = await register(server.url, 'owner1');
  const outsider = await register(server.url, 'outsider1');
  const ownerWs = await TestClient.connect(server.wsUrl);
  await ownerWs.ok('hello', { token: owner.token });
  await ownerWs.ok('create', { room: 'secret', private: true });
  await ownerWs.ok('create', { room: 'open-room' });
  await ownerWs.ok('join', { room: 'open-room' });

  assert.equal((await fetch(`${base}/open-room/events`)).status, 401);
  const { key: writeOnly } = await makeKey(server.config, 'writer-key', ['publish']);
  assert.equal((await fetch(`${base}/open-room/events`, { headers: { authorization: `Bearer ${writeOnly}` } })).status, 403);
  assert.equal((await fetch(`${base}/open-room/events?token=${outsider.token}`, { headers: { authorization: `Bearer ${outsider.token}` } })).status, 400);
  assert.equal((await fetch(`${base}/open-room/events`, { headers: { authorization: `Bearer ${outsider.token}`, 'last-event-id': 'abc' } })).status, 400);
  assert.equal((await fetch(`${base}/open-room/events`, { headers: { authorization: 'Bearer not-a-token' } })).status, 401);
  assert.equal((await fetch(`${base}/no-such-room/events`, { headers: { authorization: `Bearer ${outsider.token}` } })).status, 404);

  const secret = await fetch(`${base}/secret/events`, { headers: { authorization: `Bearer ${outsider.token}` } });
  assert.equal(secret.status, 403, 'a private room is for its members');

  // A member may follow; once banned, the stream ends and a new one is refused.
  const open = follow(`${base}/open-room/events`, outsider.token);
  await until('the stream open', async () => open.source.readyState === EventSource.OPEN);
  await ownerWs.ok('send', { room: 'open-room', text: 'hello', cid: 'h1' });
  await until('a message', async () => open.texts.length === 1);
  await ownerWs.ok('ban', { room: 'open-room', user: outsider.id });
  const banned = await fetch(`${base}/open-room/events`, { headers: { authorization: `Bearer ${outsider.token}` } });
  assert.equal(banned.status, 403, 'banned users may not follow');
  open.source.close();
  await ownerWs.close();
});

test('a stock EventSource with no headers reads a room with a single-use ticket; the ticket works once, for its room only', async () => {
  const owner = await register(server.url, 'ticketowner');
  const ws = await TestClient.connect(server.wsUrl);
  await ws.ok('hello', { token: owner.token });
  await ws.ok('create', { room: 'ticketed', private: true });
  await ws.ok('join', { room: 'ticketed' });
  await ws.ok('send', { room: 'ticketed', text: 'before', cid: 'b1' });
  const ticket = String((await ws.ok('ticket', { room: 'ticketed' }))['ticket']);
  // No Authorization at all: what a browser's EventSource sends.
  const source = new EventSource(`${server.url}/api/v1/rooms/ticketed/events?lastEventId=0&ticket=${encodeURIComponent(ticket)}`);
  const texts: string[] = [];
  source.onmessage = (event) => texts.push((JSON.parse(event.data as string) as { text: string }).text);
  await until('the backlog', async () => texts.length === 1);
  await ws.ok('send', { room: 'ticketed', text: 'live', cid: 'l1' });
  await until('the live message', async () => texts.length === 2);
  assert.deepEqual(texts, ['before', 'live']);
  source.close();
  // Used up: the same URL again is refused, and so is a ticket for another room.
  const again = await fetch(`${server.url}/api/v1/rooms/ticketed/events?ticket=${encodeURIComponent(ticket)}`);
  assert.equal(again.status, 401);
  await ws.ok('create', { room: 'elsewhere' });
  const other = String((await ws.ok('ticket', { room: 'elsewhere' }))['ticket']);
  assert.equal((await fetch(`${server.url}/api/v1/rooms/ticketed/events?ticket=${encodeURIComponent(other)}`)).status, 401, 'bound to its room');
  assert.equal((await fetch(`${server.url}/api/v1/rooms/ticketed/events?ticket=tk_forged`)).status, 401);
  await ws.close();
});
