// Rooms, broadcast, seq order, idempotent sends, history windows, presence and typing over real
// sockets against a real server with a real SQLite file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

test('hello answers with a server-made conn id, the user and the protocol version', async () => {
  const client = await TestClient.connect(server.wsUrl);
  const reply = await client.ok('hello', { nick: 'ada' });
  assert.equal(reply['protocol'], 1);
  assert.deepEqual((reply['user'] as { name: string }).name, 'ada');
  assert.match(String(reply['conn']), /^[A-Za-z0-9_-]{20,}$/);
  assert.notEqual(reply['conn'], client.ws.protocol);
  await client.close();
});

test('a room broadcasts every message to every member in gapless seq order', async () => {
  const clients = await Promise.all(['a', 'b', 'c'].map((nick) => TestClient.guest(server.wsUrl, nick)));
  for (const client of clients) {
    const joined = await client.ok('join', { room: 'broadcast' });
    assert.equal(joined['seq'], 0);
  }
  const sends = [];
  for (let i = 0; i < 30; i++) {
    const sender = clients[i % 3] as TestClient;
    sends.push(sender.ok('send', { room: 'broadcast', text: `m${i}`, cid: `c${i}` }));
  }
  const acks = await Promise.all(sends);
  assert.deepEqual(
    acks.map((ack) => ack['seq']).sort((x, y) => Number(x) - Number(y)),
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  for (const client of clients) {
    const messages = await client.waitFor('message', 30, 'broadcast');
    assert.deepEqual(
      messages.map((m) => m['seq']),
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    for (const message of messages) {
      assert.equal(typeof message['msgId'], 'string');
      assert.equal(typeof message['ts'], 'number');
      assert.ok(message['from'] !== undefined);
    }
  }
  // Each sender's own ack matches the push everybody got.
  const first = clients[0] as TestClient;
  const pushed = first.pushes('message', 'broadcast');
  for (const ack of acks) {
    const push = pushed.find((m) => m['seq'] === ack['seq']);
    assert.equal(push?.['msgId'], ack['msgId']);
  }
  await Promise.all(clients.map((client) => client.close()));
});

test('the same cid from the same user returns the first reply and sends nothing new', async () => {
  const alice = await TestClient.guest(server.wsUrl, 'alice');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await alice.ok('join', { room: 'dedupe' });
  await bob.ok('join', { room: 'dedupe' });
  const first = await alice.ok('send', { room: 'dedupe', text: 'once', cid: 'same' });
  const again = await alice.ok('send', { room: 'dedupe', text: 'once', cid: 'same' });
  assert.equal(again['seq'], first['seq']);
  assert.equal(again['msgId'], first['msgId']);
  // Another user may use the same cid: it is a different message.
  const bobs = await bob.ok('send', { room: 'dedupe', text: 'mine', cid: 'same' });
  assert.equal(bobs['seq'], Number(first['seq']) + 1);
  // Every push of those three sends was queued for bob before its sender's ack: the barrier shows
  // that the repeat brought none.
  await bob.barrier();
  assert.equal(bob.pushes('message', 'dedupe').length, 2);
  const history = await bob.ok('history', { room: 'dedupe' });
  assert.equal((history['messages'] as unknown[]).length, 2);
  await Promise.all([alice.close(), bob.close()]);
});

test('history returns windows before a seq, ascending, with limit and default', async () => {
  const client = await TestClient.guest(server.wsUrl, 'historian');
  await client.ok('join', { room: 'hist' });
  for (let i = 1; i <= 120; i++) await client.ok('send', { room: 'hist', text: `n${i}`, cid: `h${i}` });
  const latest = await client.ok('history', { room: 'hist' });
  const seqs = (latest['messages'] as { seq: number }[]).map((m) => m.seq);
  assert.deepEqual(
    seqs,
    Array.from({ length: 50 }, (_, i) => 71 + i),
  );
  const window = await client.ok('history', { room: 'hist', before: 11, limit: 5 });
  assert.deepEqual(
    (window['messages'] as { seq: number; text: string }[]).map((m) => [m.seq, m.text]),
    [6, 7, 8, 9, 10].map((n) => [n, `n${n}`]),
  );
  const oldest = await client.ok('history', { room: 'hist', before: 3, limit: 100 });
  assert.deepEqual(
    (oldest['messages'] as { seq: number }[]).map((m) => m.seq),
    [1, 2],
  );
  const empty = await client.ok('history', { room: 'never-used' });
  assert.deepEqual(empty['messages'], []);
  const tooMany = await client.request('history', { room: 'hist', limit: 101 });
  assert.equal(tooMany['code'], 'bad_request');
  assert.equal(tooMany['field'], 'limit');
  await client.close();
});

test('presence: join when a user first joins, leave when its last connection leaves or drops', async () => {
  const watcher = await TestClient.guest(server.wsUrl, 'watcher');
  await watcher.ok('join', { room: 'presence' });
  const joiner = await TestClient.connect(server.wsUrl);
  const hello = await joiner.ok('hello', { nick: 'joiner' });
  const joined = await joiner.ok('join', { room: 'presence' });
  const names = (joined['members'] as { name: string }[]).map((m) => m.name).sort();
  assert.deepEqual(names, ['joiner', 'watcher']);
  const [join] = await watcher.waitFor('presence', 1, 'presence');
  assert.equal(join?.['event'], 'join');
  assert.equal((join?.['user'] as { name: string }).name, 'joiner');

  // A second connection of the same user (resumed identity) makes no presence change, and
  // neither does its drop while the first is still in the room.
  const second = await TestClient.connect(server.wsUrl);
  await second.ok('hello', { nick: 'joiner', resume: hello['resume'] });
  await second.ok('join', { room: 'presence' });
  second.ws.terminate();
  await second.closed;
  // A presence change would have been queued for the watcher before the reply to this.
  await joiner.ok('send', { room: 'presence', text: 'still here', cid: 'j1' });
  await watcher.waitFor('message', 1, 'presence');
  await watcher.barrier();
  assert.equal(watcher.pushes('presence', 'presence').length, 1);

  // Its last connection leaves: leave (a leave takes the user out on every connection).
  await joiner.ok('leave', { room: 'presence' });
  const events = await watcher.waitFor('presence', 2, 'presence');
  assert.equal(events[1]?.['event'], 'leave');
  assert.equal((events[1]?.['user'] as { id: string }).id, (hello['user'] as { id: string }).id);
  const rooms = await watcher.ok('rooms');
  const entry = (rooms['rooms'] as { room: string; online: number }[]).find((r) => r.room === 'presence');
  assert.equal(entry?.online, 1);
  await Promise.all([watcher.close(), joiner.close()]);
});

test('typing reaches the other members only and is not stored', async () => {
  const typist = await TestClient.guest(server.wsUrl, 'typist');
  const reader = await TestClient.guest(server.wsUrl, 'reader');
  await typist.ok('join', { room: 'typing' });
  await reader.ok('join', { room: 'typing' });
  await typist.ok('typing', { room: 'typing' });
  const [push] = await reader.waitFor('typing', 1, 'typing');
  assert.equal((push?.['user'] as { name: string }).name, 'typist');
  // Its own typing push would have been queued before the typing ack.
  await typist.barrier();
  assert.equal(typist.pushes('typing').length, 0);
  const history = await reader.ok('history', { room: 'typing' });
  assert.deepEqual(history['messages'], []);
  await Promise.all([typist.close(), reader.close()]);
});

test('rooms lists every room with its seq, online count and how far this user has read it', async () => {
  const client = await TestClient.guest(server.wsUrl, 'lister');
  await client.ok('join', { room: 'listed' });
  await client.ok('send', { room: 'listed', text: 'x', cid: '1' });
  await client.ok('send', { room: 'listed', text: 'y', cid: '2' });
  const entry = async (): Promise<unknown> => ((await client.ok('rooms'))['rooms'] as { room: string }[]).find((r) => r.room === 'listed');
  // `joined`: the user joined it (room-lifecycle.test.ts follows joined rooms across connections).
  assert.deepEqual(await entry(), { room: 'listed', seq: 2, online: 1, read: 0, private: false, dm: false, joined: true });
  await client.ok('read', { room: 'listed', seq: 1 });
  assert.deepEqual(await entry(), { room: 'listed', seq: 2, online: 1, read: 1, private: false, dm: false, joined: true });
  await client.close();
});

test('a member that left gets nothing more from the room', async () => {
  const stay = await TestClient.guest(server.wsUrl, 'stay');
  const go = await TestClient.guest(server.wsUrl, 'go');
  await stay.ok('join', { room: 'leaving' });
  await go.ok('join', { room: 'leaving' });
  await go.ok('leave', { room: 'leaving' });
  await stay.ok('send', { room: 'leaving', text: 'after', cid: 'a' });
  // The push would have been queued for go before stay's ack.
  await go.barrier();
  assert.equal(go.pushes('message', 'leaving').length, 0);
  const refused = await go.request('send', { room: 'leaving', text: 'x', cid: 'b' });
  assert.equal(refused['code'], 'not_member');
  await Promise.all([stay.close(), go.close()]);
});

test('a send pipelined right behind its join reaches the sender and the room', async () => {
  const watcher = await TestClient.guest(server.wsUrl, 'pipewatch');
  await watcher.ok('join', { room: 'pipelined' });
  const eager = await TestClient.guest(server.wsUrl, 'eager');
  // Both requests leave in one burst: the send arrives while the join is still running.
  const [joined, sent] = await Promise.all([eager.ok('join', { room: 'pipelined' }), eager.ok('send', { room: 'pipelined', text: 'first thing', cid: 'p1' })]);
  assert.equal(joined['seq'], 0);
  assert.equal(sent['seq'], 1);
  const [own] = await eager.waitFor('message', 1, 'pipelined');
  assert.equal(own?.['text'], 'first thing');
  const [seen] = await watcher.waitFor('message', 1, 'pipelined');
  assert.equal(seen?.['seq'], 1);
  await Promise.all([watcher.close(), eager.close()]);
});
