// A client that dropped off rejoins with `since` and gets exactly what it missed: every message
// after its last seq, in order, before any newer one, with no gap and no duplicate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient, settle, type Frame } from '../support/client.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

const seqsOf = (frames: Frame[]): number[] => frames.map((f) => Number(f['seq']));
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('join with since replays the missed messages after the ok, then live ones follow', async () => {
  const sender = await TestClient.guest(server.wsUrl, 'sender');
  await sender.ok('join', { room: 'replay' });
  for (let i = 1; i <= 10; i++) await sender.ok('send', { room: 'replay', text: `t${i}`, cid: `r${i}` });

  const late = await TestClient.guest(server.wsUrl, 'late');
  const joined = await late.ok('join', { room: 'replay', since: 4 });
  assert.equal(joined['seq'], 10);
  assert.equal(joined['recovered'], true);
  const replayed = await late.waitFor('message', 6, 'replay');
  assert.deepEqual(seqsOf(replayed), range(5, 10));
  assert.deepEqual(
    replayed.map((m) => m['text']),
    range(5, 10).map((n) => `t${n}`),
  );
  // The ok came before any replayed message.
  const okIndex = late.frames.findIndex((f) => f['id'] !== undefined && f['type'] === 'ok' && f['room'] === 'replay');
  const firstMessage = late.frames.findIndex((f) => f.type === 'message');
  assert.ok(okIndex < firstMessage);

  await sender.ok('send', { room: 'replay', text: 't11', cid: 'r11' });
  const all = await late.waitFor('message', 7, 'replay');
  assert.deepEqual(seqsOf(all), range(5, 11));
  await Promise.all([sender.close(), late.close()]);
});

test('join without since starts after the seq in the ok, and since equal to seq replays nothing', async () => {
  const sender = await TestClient.guest(server.wsUrl, 'sender2');
  await sender.ok('join', { room: 'fresh' });
  await sender.ok('send', { room: 'fresh', text: 'old', cid: 'o' });
  const plain = await TestClient.guest(server.wsUrl, 'nosince');
  const joined = await plain.ok('join', { room: 'fresh' });
  assert.equal(joined['seq'], 1);
  const current = await TestClient.guest(server.wsUrl, 'current');
  await current.ok('join', { room: 'fresh', since: 1 });
  await sender.ok('send', { room: 'fresh', text: 'new', cid: 'n' });
  for (const client of [plain, current]) {
    const messages = await client.waitFor('message', 1, 'fresh');
    // A replay comes right after the join's ok, and the new message before the sender's ack.
    await client.barrier();
    assert.deepEqual(seqsOf(client.pushes('message', 'fresh')), [2]);
    assert.equal(messages[0]?.['text'], 'new');
  }
  await Promise.all([sender.close(), plain.close(), current.close()]);
});

test('a client closed mid-stream recovers exactly what it missed while others keep sending', async () => {
  const writers = await Promise.all([1, 2].map((n) => TestClient.guest(server.wsUrl, `writer${n}`)));
  for (const writer of writers) await writer.ok('join', { room: 'stream' });
  const reader = await TestClient.connect(server.wsUrl);
  const hello = await reader.ok('hello', { nick: 'reader' });
  await reader.ok('join', { room: 'stream', since: 0 });

  const total = 200;
  let sent = 0;
  const sending = (async () => {
    while (sent < total) {
      const batch = [];
      for (const writer of writers) {
        sent += 1;
        batch.push(writer.ok('send', { room: 'stream', text: `s${sent}`, cid: `w${sent}` }));
      }
      await Promise.all(batch);
    }
  })();

  await reader.waitFor('message', 20, 'stream');
  reader.ws.terminate();
  const seen = seqsOf(reader.pushes('message', 'stream'));
  const lastSeen = Math.max(...seen);
  await settle(30); // lets the writers get ahead while the reader is away (real time passing, not a proof)

  const again = await TestClient.connect(server.wsUrl);
  await again.ok('hello', { nick: 'reader', resume: hello['resume'] });
  await again.ok('join', { room: 'stream', since: lastSeen });
  await sending;
  const rest = await again.waitFor('message', total - lastSeen, 'stream', 10_000);
  // Every send was acked (so its push queued) before this: a duplicate would show by now.
  await again.barrier();
  const combined = [...seen, ...seqsOf(again.pushes('message', 'stream'))];
  assert.deepEqual(combined, range(1, total), 'every seq exactly once, in order');
  assert.equal(rest.length, total - lastSeen);
  await Promise.all([...writers, again].map((client) => client.close()));
});

test('a gap larger than the recovery limit is reported, not silently truncated', async () => {
  const small = await startTestServer({ recoveryLimit: 3 });
  try {
    const sender = await TestClient.guest(small.wsUrl, 'bulk');
    await sender.ok('join', { room: 'big-gap' });
    for (let i = 1; i <= 5; i++) await sender.ok('send', { room: 'big-gap', text: `b${i}`, cid: `b${i}` });
    const late = await TestClient.guest(small.wsUrl, 'late');
    const joined = await late.ok('join', { room: 'big-gap', since: 1 });
    assert.equal(joined['recovered'], false);
    assert.equal(joined['seq'], 5);
    // A replay would be queued right after the join's ok.
    await late.barrier();
    assert.equal(late.pushes('message', 'big-gap').length, 0);
    const within = await TestClient.guest(small.wsUrl, 'within');
    const ok = await within.ok('join', { room: 'big-gap', since: 2 });
    assert.equal(ok['recovered'], true);
    assert.deepEqual(seqsOf(await within.waitFor('message', 3, 'big-gap')), [3, 4, 5]);
    await Promise.all([sender.close(), late.close(), within.close()]);
  } finally {
    await small.stop();
  }
});

test('a guest that resumes keeps its user id, so a retried send dedupes across connections', async () => {
  const first = await TestClient.connect(server.wsUrl);
  const hello = await first.ok('hello', { nick: 'retry' });
  await first.ok('join', { room: 'retry' });
  const ack = await first.ok('send', { room: 'retry', text: 'maybe lost', cid: 'x1' });
  first.ws.terminate();
  const second = await TestClient.connect(server.wsUrl);
  const resumed = await second.ok('hello', { nick: 'retry', resume: hello['resume'] });
  assert.deepEqual(resumed['user'], hello['user']);
  await second.ok('join', { room: 'retry' });
  const again = await second.ok('send', { room: 'retry', text: 'maybe lost', cid: 'x1' });
  assert.equal(again['seq'], ack['seq']);
  assert.equal(again['msgId'], ack['msgId']);
  // A forged resume token is a new user, not an error.
  const forged = await TestClient.connect(server.wsUrl);
  const other = await forged.ok('hello', { nick: 'retry', resume: `${(hello['user'] as { id: string }).id}.forged` });
  assert.notEqual((other['user'] as { id: string }).id, (hello['user'] as { id: string }).id);
  await Promise.all([second.close(), forged.close()]);
});
