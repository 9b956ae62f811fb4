// The SDK in Node against a real server: requests and events, reconnect with recovery after the
// socket dies mid-stream, and outbox retries that never duplicate a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';
import type { Config } from '../../src/server/config.js';
import { TestClient } from '../support/client.js';
import { createClient, wsSocketFactory, type ParleyClient, type ChatMessage, type StateChange } from '../../src/client/node.js';
import type { SocketFactory } from '../../src/client/socket.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

/** A socket factory that lets the test kill the current socket and hide frames from the client. */
class Sockets {
  current: WebSocket | undefined;
  opened = 0;
  /** While true, new sockets go to a port where nothing listens (the network is down). */
  blocked = false;
  /** Frames for which this returns true never reach the client. */
  swallow: (frame: Record<string, unknown>) => boolean = () => false;
  readonly factory: SocketFactory = (url, protocol, events) => {
    const socket = wsSocketFactory(this.blocked ? 'ws://127.0.0.1:9/' : url, protocol, {
      open: () => {
        this.opened += 1;
        events.open();
      },
      message: (text) => {
        if (!this.swallow(JSON.parse(text) as Record<string, unknown>)) events.message(text);
      },
      close: (code, reason) => events.close(code, reason),
    });
    this.current = socket as WebSocket;
    return socket;
  };

  /** Cuts the TCP connection without a close handshake, as a network failure would. */
  kill(): void {
    this.current?.terminate();
  }
}

function client(nick: string, sockets: Sockets): ParleyClient {
  return createClient(server.wsUrl, { nick, socket: sockets.factory, backoff: { initialMs: 20, maxMs: 200 } });
}

function collect(c: ParleyClient, room: string): ChatMessage[] {
  const seen: ChatMessage[] = [];
  c.on('message', (message) => {
    if (message.room === room) seen.push(message);
  });
  return seen;
}

async function until(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('connect, join, send: the ack matches the message event, and the message is pending until acked', async () => {
  const sockets = new Sockets();
  const ada = client('ada', sockets);
  const ready = await ada.open();
  assert.equal(ready.user.name, 'ada');
  assert.equal(ada.state, 'open');
  const joined = await ada.join('sdk-basic');
  assert.equal(joined.seq, 0);
  assert.deepEqual(
    joined.members.map((m) => m.name),
    ['ada'],
  );
  const seen = collect(ada, 'sdk-basic');
  const outboxSizes: number[] = [];
  ada.on('outbox', ({ pending }) => outboxSizes.push(pending.length));
  const acked = ada.send('sdk-basic', 'hello **world**');
  assert.equal(ada.pending('sdk-basic').length, 1);
  assert.equal(ada.pending('sdk-basic')[0]?.text, 'hello **world**');
  const ack = await acked;
  assert.equal(ack.seq, 1);
  assert.deepEqual(ada.pending(), []);
  assert.deepEqual(outboxSizes, [1, 0]);
  await until('message event', () => seen.length === 1);
  assert.equal(seen[0]?.msgId, ack.msgId);
  assert.equal(seen[0]?.cid, ack.cid);
  const history = await ada.history('sdk-basic', { limit: 10 });
  assert.deepEqual(
    history.map((m) => m.text),
    ['hello **world**'],
  );
  const rooms = await ada.listRooms();
  assert.ok(rooms.some((r) => r.room === 'sdk-basic' && r.seq === 1 && r.online === 1));
  ada.close();
  assert.equal(ada.state, 'closed');
});

test('a refused request rejects with the server code; a refused send leaves the outbox', async () => {
  const ada = client('ada', new Sockets());
  await ada.open();
  await assert.rejects(ada.join('Not A Room'), { name: 'RequestError', code: 'bad_request' });
  await assert.rejects(ada.send('never-joined', 'x'), { code: 'not_member' });
  await ada.join('sdk-refused');
  await assert.rejects(ada.send('sdk-refused', 'x'.repeat(4001)), { code: 'bad_request', field: 'text' });
  assert.deepEqual(ada.pending(), []);
  ada.close();
});

test("fromServer tells the server's refusals from what the SDK raised itself, whatever the code", async () => {
  const room = 'sdk-origin';
  const sockets = new Sockets();
  const ada = client('ada-origin', sockets);
  await ada.open();
  // The server's error reply.
  await assert.rejects(ada.join('Not A Room'), { code: 'bad_request', fromServer: true, refused: true });
  // The same code the server would send, raised by the SDK without asking it.
  await assert.rejects(ada.send('never-joined', 'x'), { code: 'not_member', field: 'room', fromServer: false, refused: false });
  await ada.join(room);
  // The ack of this send never reaches the client, so it is still pending when the room is left.
  sockets.swallow = (frame) => frame['type'] === 'ok' && frame['room'] === room && 'msgId' in frame;
  const unacked = ada.send(room, 'left behind');
  assert.equal(ada.pending(room).length, 1, 'the send is pending');
  const left = assert.rejects(unacked, { code: 'left', fromServer: false, refused: false });
  await ada.leave(room); // answered by the server: the send was written before the leave
  await left;
  ada.close();
  await assert.rejects(ada.history(room), { code: 'closed', fromServer: false, refused: false });
});

test('an invalid nick closes the client for good instead of retrying', async () => {
  const sockets = new Sockets();
  const bad = client('\u0007bell', sockets);
  const states: StateChange[] = [];
  bad.on('state', (change) => states.push(change));
  await assert.rejects(bad.open(), { code: 'bad_request' });
  assert.equal(bad.state, 'closed');
  assert.equal(sockets.opened, 1);
  assert.equal(states.at(-1)?.error?.code, 'bad_request');
});

test('reconnect with recovery: the socket dies mid-stream and the app still sees every seq once, in order', async () => {
  const room = 'sdk-recovery';
  const sockets = new Sockets();
  const ada = client('ada', sockets);
  const first = await ada.open();
  await ada.join(room);
  const seen = collect(ada, room);
  const states: string[] = [];
  ada.on('state', (change) => states.push(change.state));
  const rejoins: boolean[] = [];
  ada.on('joined', (event) => rejoins.push(event.rejoin && event.recovered));

  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room });
  const total = 60;
  for (let i = 1; i <= total; i++) {
    await bob.ok('send', { room, text: `m${i}`, cid: `bob-${i}` });
    // Kill ada's socket twice while the stream is flowing.
    if (i === 15 || i === 40) sockets.kill();
  }
  await until('all messages', () => seen.length >= total);
  // Every send was acked, so every push (and the last rejoin's replay) was queued for ada's
  // connection; the reply to a later request comes after them, and the SDK emits messages as their
  // frames arrive: a duplicate would have been emitted by now.
  await ada.listRooms();
  assert.deepEqual(
    seen.map((m) => m.seq),
    range(1, total),
  );
  assert.deepEqual(
    seen.map((m) => m.text),
    range(1, total).map((i) => `m${i}`),
  );
  assert.ok(sockets.opened >= 3, `expected reconnects, saw ${sockets.opened} sockets`);
  assert.ok(states.includes('reconnecting'));
  assert.equal(ada.state, 'open');
  assert.ok(rejoins.length >= 2 && rejoins.every(Boolean), 'every re-join recovered');
  // The resume token kept the guest the same user.
  assert.equal(ada.user?.id, first.user.id);
  assert.equal(ada.lastSeq(room), total);
  await bob.close();
  ada.close();
});

test('outbox: sends while offline wait, and a send whose ack was lost is retried without a duplicate', async () => {
  const room = 'sdk-outbox';
  const sockets = new Sockets();
  const ada = client('ada', sockets);
  await ada.open();
  await ada.join(room);
  const seen = collect(ada, room);
  const watcher = await TestClient.guest(server.wsUrl, 'watcher');
  await watcher.ok('join', { room });

  // 1. The server stores these but ada never hears the acks (nor the pushes): then the socket dies.
  sockets.swallow = (frame) => frame['type'] === 'ok' || frame['type'] === 'message';
  const lostAcks = [ada.send(room, 'a1'), ada.send(room, 'a2'), ada.send(room, 'a3')];
  await watcher.waitFor('message', 3, room);
  assert.equal(ada.pending(room).length, 3, 'unacknowledged sends stay pending');
  sockets.swallow = () => false;
  sockets.kill();

  // 2. Sent while the connection is down: queued, shown as pending.
  await until('disconnect noticed', () => ada.state !== 'open');
  const offline = [ada.send(room, 'b1'), ada.send(room, 'b2')];
  assert.deepEqual(
    ada.pending(room).map((p) => p.text),
    ['a1', 'a2', 'a3', 'b1', 'b2'],
  );

  const acks = await Promise.all([...lostAcks, ...offline]);
  assert.deepEqual(
    acks.map((a) => a.seq),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    acks.map((a) => a.duplicate === true),
    [true, true, true, false, false],
  );
  assert.deepEqual(ada.pending(), []);
  await watcher.waitFor('message', 5, room);
  await until('ada sees all', () => seen.length >= 5);
  // All five were acked, so any copy was queued before a later request's reply (see above).
  await Promise.all([watcher.barrier(), ada.listRooms()]);
  assert.deepEqual(
    watcher.pushes('message', room).map((m) => m['text']),
    ['a1', 'a2', 'a3', 'b1', 'b2'],
  );
  assert.deepEqual(
    seen.map((m) => m.text),
    ['a1', 'a2', 'a3', 'b1', 'b2'],
  );
  const stored = await watcher.ok('history', { room });
  assert.equal((stored['messages'] as unknown[]).length, 5);
  await watcher.close();
  ada.close();
});

test('requests made before the connection is up wait for it; typing, presence and invites arrive as events', async () => {
  const room = 'sdk-events';
  const ada = client('ada', new Sockets());
  const bob = client('bob', new Sockets());
  void ada.open();
  const joined = ada.join(room); // before hello is answered
  await joined;
  await bob.open();
  const presence = new Promise<string>((resolve) => ada.on('presence', (p) => resolve(`${p.user.name} ${p.event}`)));
  await bob.join(room);
  assert.equal(await presence, 'bob join');
  const typing = new Promise<string>((resolve) => ada.on('typing', (t) => resolve(t.user.name)));
  bob.typing(room);
  assert.equal(await typing, 'bob');
  // A DM opened by bob reaches ada as an `invited` event, though she is in no room with him.
  const invited = new Promise<{ room: string; by: string; dm: boolean }>((resolve) =>
    ada.on('invited', (push) => resolve({ room: push.room, by: push.by.name, dm: push.dm })),
  );
  const { room: dm } = (await bob.command('dm', { user: ada.user?.id ?? '' })) as { room: string };
  assert.deepEqual(await invited, { room: dm, by: 'bob', dm: true });
  const left = new Promise<string>((resolve) => ada.on('presence', (p) => p.event === 'leave' && resolve(p.user.name)));
  bob.close();
  assert.equal(await left, 'bob');
  ada.close();
});

test('the server restarts: the client reconnects, stays the same user, and its queued send goes out once', async () => {
  const own = await startTestServer();
  const room = 'sdk-restart';
  const ada = createClient(own.wsUrl, { nick: 'ada', backoff: { initialMs: 50, maxMs: 300 } });
  const first = await ada.open();
  await ada.join(room);
  const seen = collect(ada, room);
  const closeCodes: number[] = [];
  ada.on('state', (change) => {
    if (change.closeCode !== undefined) closeCodes.push(change.closeCode);
  });
  await ada.send(room, 'before the restart');
  await until('own message', () => seen.length === 1);

  await own.stop({ keepData: true });
  await until('disconnect noticed', () => ada.state !== 'open');
  const queued = ada.send(room, 'while the server was down');
  assert.equal(ada.pending(room).length, 1);

  const overrides: Partial<Config> = { port: own.port, dataDir: own.config.dataDir };
  const again = await startTestServer(overrides);
  try {
    const ack = await queued;
    assert.equal(ack.seq, 2);
    const bob = await TestClient.guest(again.wsUrl, 'bob');
    await bob.ok('join', { room });
    await bob.ok('send', { room, text: 'after the restart', cid: 'b1' });
    await until('all three', () => seen.length >= 3);
    // Bob's send was acked, so any copy was queued for ada before a later request's reply.
    await ada.listRooms();
    assert.deepEqual(
      seen.map((m) => [m.seq, m.text]),
      [
        [1, 'before the restart'],
        [2, 'while the server was down'],
        [3, 'after the restart'],
      ],
    );
    assert.ok(closeCodes.includes(1001), `closed with 1001 (saw ${closeCodes.join(', ')})`);
    assert.equal(ada.user?.id, first.user.id, 'the resume token survives the restart');
    await bob.close();
  } finally {
    ada.close();
    await again.stop();
  }
});

/**
 * Ada (on the SDK) and bob join `room` and ada receives m1; then ada's connection is cut and kept
 * down while `whileAway` has bob send, and comes back. Resolves once ada is open again with one gap.
 */
async function missWhileAway(
  url: string,
  room: string,
  whileAway: (bob: TestClient) => Promise<void>,
): Promise<{ ada: ReturnType<typeof createClient>; bob: TestClient; seen: ReturnType<typeof collect>; gaps: { after: number; upTo: number }[] }> {
  const sockets = new Sockets();
  const ada = createClient(url, { nick: 'ada', socket: sockets.factory, backoff: { initialMs: 20, maxMs: 100 } });
  await ada.open();
  await ada.join(room);
  const seen = collect(ada, room);
  const gaps: { after: number; upTo: number }[] = [];
  ada.on('gap', (gap) => gaps.push({ after: gap.after, upTo: gap.upTo }));
  const bob = await TestClient.guest(url, 'bob');
  await bob.ok('join', { room });
  await bob.ok('send', { room, text: 'm1', cid: `${room}-1` });
  await until('m1', () => seen.length === 1);
  sockets.blocked = true;
  sockets.kill();
  await until('disconnect noticed', () => ada.state !== 'open');
  await whileAway(bob);
  sockets.blocked = false;
  await until('back', () => ada.state === 'open' && gaps.length === 1);
  return { ada, bob, seen, gaps };
}

test('more missed bytes than the replay budget: the newest part is replayed as messages, the gap before it is an event', async () => {
  // A 1 MiB outbox (the least allowed) makes the replay budget 512 KiB: about 130 messages of 4,000 characters.
  const small = await startTestServer({ outboxLimitBytes: 1024 * 1024 });
  const room = 'sdk-budget';
  let ada: ReturnType<typeof createClient> | undefined;
  try {
    const missed = await missWhileAway(small.wsUrl, room, async (bob) => {
      for (let i = 2; i <= 201; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, k) => bob.ok('send', { room, text: `m${i + k} `.padEnd(4000, 'z'), cid: `b${i + k}` })));
      }
    });
    ada = missed.ada;
    const { bob, seen, gaps } = missed;
    const gap = gaps[0] as { after: number; upTo: number };
    assert.equal(gap.after, 1);
    assert.ok(gap.upTo > 1 && gap.upTo < 201, `upTo ${gap.upTo}`);
    await bob.ok('send', { room, text: 'm202', cid: 'b202' });
    await until('m202', () => seen.some((m) => m.seq === 202));
    assert.deepEqual(
      seen.map((m) => m.seq),
      [1, ...Array.from({ length: 201 - gap.upTo }, (_, i) => gap.upTo + 1 + i), 202],
      'the replayed newest part, then live messages, each once and in order',
    );
    // The gap, paged with history as a client would.
    const filled: number[] = [];
    for (let before = gap.upTo + 1; before > 1;) {
      const page = await ada.history(room, { before, limit: 100 });
      filled.unshift(...page.map((m) => m.seq));
      before = page[0]?.seq ?? 1;
    }
    assert.deepEqual(
      filled,
      Array.from({ length: gap.upTo }, (_, i) => i + 1),
    );
    await bob.close();
  } finally {
    ada?.close();
    await small.stop();
  }
});

test('more missed than the server replays: a gap event names the missing seqs, then live messages continue', async () => {
  const small = await startTestServer({ recoveryLimit: 3 });
  const room = 'sdk-gap';
  let ada: ReturnType<typeof createClient> | undefined;
  try {
    const missed = await missWhileAway(small.wsUrl, room, async (bob) => {
      for (let i = 2; i <= 7; i++) await bob.ok('send', { room, text: `m${i}`, cid: `g${i}` });
    });
    ada = missed.ada;
    const { bob, seen, gaps } = missed;
    assert.deepEqual(gaps, [{ after: 1, upTo: 7 }]);
    await bob.ok('send', { room, text: 'm8', cid: 'g8' });
    await until('m8', () => seen.length === 2);
    assert.deepEqual(
      seen.map((m) => m.seq),
      [1, 8],
      'nothing replayed past the limit; history fills the gap on request',
    );
    const filled = await ada.history(room, { before: 8, limit: 10 });
    assert.deepEqual(
      filled.map((m) => m.seq),
      [1, 2, 3, 4, 5, 6, 7],
    );
    await bob.close();
  } finally {
    ada?.close();
    await small.stop();
  }
});
