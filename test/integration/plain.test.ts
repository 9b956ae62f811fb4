// Plain mode: a WebSocket client with no subprotocol (the tutorial's page, wscat) chats in the
// lobby, text in and `name: text` out, alongside protocol clients.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

class PlainClient {
  readonly lines: string[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.lines.push((data as Buffer).toString()));
  }
  static async open(url: string): Promise<PlainClient> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new PlainClient(ws);
  }
  async waitForLine(line: string, timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.includes(line)) {
      if (Date.now() > deadline) throw new Error(`no line "${line}"; got ${JSON.stringify(this.lines)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

test('plain clients at / and /ws chat in the lobby with protocol clients', async () => {
  const root = await PlainClient.open(`${server.url.replace('http', 'ws')}/?nick=tutorial`);
  const ws = await PlainClient.open(`${server.wsUrl}?nick=wscat`);
  const modern = await TestClient.guest(server.wsUrl, 'modern');
  await modern.ok('join', { room: 'lobby' });

  root.ws.send('hello from the tutorial');
  await ws.waitForLine('tutorial: hello from the tutorial');
  await root.waitForLine('tutorial: hello from the tutorial');
  const [pushed] = await modern.waitFor('message', 1, 'lobby');
  assert.equal(pushed?.['text'], 'hello from the tutorial');
  assert.equal((pushed?.['from'] as { name: string }).name, 'tutorial');

  await modern.ok('send', { room: 'lobby', text: 'hi plain people', cid: 'm1' });
  await root.waitForLine('modern: hi plain people');
  await ws.waitForLine('modern: hi plain people');
  // Plain clients see messages only: no JSON, no presence or typing frames.
  assert.ok(root.lines.every((line) => !line.startsWith('{')));
  root.ws.close();
  ws.ws.close();
  await modern.close();
});

test('a plain client without ?nick= is guest-NNNN, and bad input gets an error line', async () => {
  const anon = await PlainClient.open(server.wsUrl);
  anon.ws.send('who am i');
  const deadline = Date.now() + 3000;
  while (!anon.lines.some((line) => /^guest-\d{4}: who am i$/.test(line))) {
    if (Date.now() > deadline) throw new Error(JSON.stringify(anon.lines));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  anon.ws.send('');
  await anon.waitForLine('error: a message is 1 to 4000 characters');
  anon.ws.send('x'.repeat(4001));
  assert.equal(anon.lines.filter((line) => line.startsWith('error:')).length >= 1, true);
  anon.ws.close();
  await assert.rejects(PlainClient.open(`${server.wsUrl}?nick=${encodeURIComponent('bad\u0001nick')}`), /400/);
});

test('the server pings and drops a peer that does not answer', async (t) => {
  // Its own server, with an interval long enough that a loaded machine still answers in time.
  const beating = await startTestServer({ heartbeatMs: 1000 });
  t.after(() => beating.stop());
  const silent = new WebSocket(beating.wsUrl, 'parley.v1', { autoPong: false });
  const closed = new Promise<number>((resolve) => silent.once('close', (code) => resolve(code)));
  let pings = 0;
  silent.on('ping', () => (pings += 1));
  const answering = await TestClient.guest(beating.wsUrl, 'alive');
  const code = await closed;
  assert.ok(pings >= 1, 'was pinged');
  assert.equal(code, 1006, 'cut off without a close frame');
  // A peer that answers pings stays.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await answering.ok('rooms');
  await answering.close();
});
