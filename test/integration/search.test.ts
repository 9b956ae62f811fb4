// Search under load: a request answers within its time budget with a `from` to continue from, and
// following `from` finds every match exactly once; a connection runs one search at a time and a
// flood of searches is refused with `busy`, while the server stays up and other clients chat.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient, type Frame } from '../support/client.js';

let server: TestServer;
let sliced: TestServer;
before(async () => {
  // The smallest budget a deployment may set: a search of the big room below is still reading
  // when the next frames of the same connection arrive.
  server = await startTestServer({ search: { budgetMs: 10, perConnection: 1, concurrent: 16 } });
  // A budget of 0 ms: every request reads one slice and answers, so a search of the big room
  // always stops early and must be continued, however fast the machine (a 10 ms budget was not
  // always spent on a fast one).
  sliced = await startTestServer({ search: { budgetMs: 0, perConnection: 1, concurrent: 16 } });
});
after(() => Promise.all([server.close(), sliced.close()]));

const ROOM = 'haystack';
const MESSAGES = 3000;
// Long texts without 'q' or 'z'; every 250th message holds a needle.
const textOf = (i: number): string => `${i} ${'lorem ipsum dolor sit amet '.repeat(140)}${i % 250 === 0 ? ' zq needle' : ''}`;

async function fill(client: TestClient): Promise<void> {
  await client.ok('join', { room: ROOM });
  for (let i = 1; i <= MESSAGES; i += 100) {
    const batch: Promise<Frame>[] = [];
    for (let j = i; j < i + 100 && j <= MESSAGES; j++) batch.push(client.ok('send', { room: ROOM, text: textOf(j), cid: `h${j}` }));
    await Promise.all(batch);
  }
}

const seqsOf = (frame: Frame): number[] => (frame['messages'] as { seq: number }[]).map((m) => m.seq);

test('following `from` finds every match once, newest first, for short and long patterns and a full page', async () => {
  const writer = await TestClient.guest(sliced.wsUrl, 'writer');
  await fill(writer);
  const reader = await TestClient.guest(sliced.wsUrl, 'reader');
  const expected = Array.from({ length: MESSAGES / 250 }, (_, k) => MESSAGES - k * 250);
  for (const [text, limit] of [
    ['zq', 50],
    ['needle', 50],
    ['zq needle', 5],
    ['qz', 50],
  ] as const) {
    const found: number[] = [];
    let before: number | undefined;
    let requests = 0;
    for (;;) {
      const reply = await reader.ok('search', { room: ROOM, text, limit, ...(before === undefined ? {} : { before }) });
      requests++;
      const seqs = seqsOf(reply);
      assert.ok(
        seqs.every((seq, i) => i === 0 || seq < (seqs[i - 1] ?? 0)),
        'newest first',
      );
      assert.ok(
        seqs.every((seq) => seq >= (reply['from'] as number)),
        '`from` is at or below every result',
      );
      found.push(...seqs);
      if ((reply['from'] as number) <= 1) break;
      before = reply['from'] as number;
      assert.ok(requests < MESSAGES, 'each request makes progress');
    }
    assert.deepEqual(found, text === 'qz' ? [] : expected, `every match of ${text} once, in order`);
  }
  // With no budget, no request reaches the bottom of this room (some 11 MB of text) in one go.
  const metrics = await (await fetch(`${sliced.url}/metrics`)).text();
  assert.ok(Number(/parley_search_truncated_total (\d+)/.exec(metrics)?.[1] ?? 0) >= 1, 'some requests ran out of budget');
  await Promise.all([writer.close(), reader.close()]);
});

test('a connection runs one search at a time: the others are refused with busy; the server and other clients carry on', async () => {
  const writer = await TestClient.guest(server.wsUrl, 'writer2');
  await fill(writer);
  const flooder = await TestClient.guest(server.wsUrl, 'flooder');
  // Sent in one go: the first is still reading (slices take turns with I/O) when the others arrive.
  const replies = await Promise.all(Array.from({ length: 20 }, () => flooder.request('search', { room: ROOM, text: 'qz', limit: 50 })));
  const busy = replies.filter((reply) => reply.type === 'error');
  assert.ok(busy.length >= 1, 'at least one was refused');
  assert.ok(
    busy.every((reply) => reply['code'] === 'busy'),
    JSON.stringify(busy[0]),
  );
  assert.ok(replies.length - busy.length >= 1, 'the first one was answered');
  // Refusals are per request: the next search on the same connection runs.
  assert.equal((await flooder.request('search', { room: ROOM, text: 'needle', limit: 1 })).type, 'ok');
  // Another client still chats: sends a message and receives it.
  const delivered = writer.next((frame) => frame.type === 'message' && frame['cid'] === 'alive');
  await writer.ok('send', { room: ROOM, text: 'still here', cid: 'alive' });
  assert.equal((await delivered)['text'], 'still here');
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  const refusedCount = Number(/parley_search_refused_total\{reason="connection"\} (\d+)/.exec(metrics)?.[1] ?? 0);
  assert.equal(refusedCount, busy.length);
  await Promise.all([writer.close(), flooder.close()]);
});

test('search narrows by person and time on the server, within the window it reads', async () => {
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  const cleo = await TestClient.guest(server.wsUrl, 'cleo');
  for (const client of [bob, cleo]) await client.ok('join', { room: 'narrowing' });
  const sent = [
    { seq: 1, ts: Number((await bob.ok('send', { room: 'narrowing', text: 'release notes 1', cid: 'b1' }))['ts']) },
    { seq: 2, ts: Number((await cleo.ok('send', { room: 'narrowing', text: 'release notes 2', cid: 'c1' }))['ts']) },
    { seq: 3, ts: Number((await bob.ok('send', { room: 'narrowing', text: 'release notes 3', cid: 'b2' }))['ts']) },
  ];
  // Messages may share a millisecond: what each time bound finds is worked out from the stored times.
  const storedIn = (since: number, until: number): number[] =>
    sent
      .filter((m) => m.ts >= since && m.ts < until)
      .map((m) => m.seq)
      .reverse();
  const cleoTs = sent[1]?.ts ?? 0;
  const seqs = async (params: Record<string, unknown>): Promise<number[]> =>
    ((await bob.ok('search', { room: 'narrowing', text: 'release', ...params }))['messages'] as { seq: number }[]).map((m) => m.seq);
  assert.deepEqual(await seqs({}), [3, 2, 1]);
  assert.deepEqual(await seqs({ person: 'CLE' }), [2]);
  assert.deepEqual(await seqs({ person: 'bob' }), [3, 1]);
  assert.deepEqual(await seqs({ until: cleoTs }), storedIn(0, cleoTs));
  assert.deepEqual(await seqs({ since: cleoTs, person: 'o' }), storedIn(cleoTs, Number.MAX_SAFE_INTEGER), 'bob and cleo both have an o');
  assert.deepEqual(await seqs({ since: cleoTs, until: cleoTs + 1, person: 'cleo' }), [2]);
  // Bad filters are refused by the schema, with the field named.
  for (const bad of [{ person: '' }, { person: 'x'.repeat(200) }, { since: -1 }, { until: 'yesterday' }]) {
    const refused = await bob.request('search', { room: 'narrowing', text: 'release', ...bad });
    assert.equal(refused['code'], 'bad_request', JSON.stringify(bad));
  }
  await bob.close();
  await cleo.close();
});
