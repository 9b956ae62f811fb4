// A message holds a bounded number of different emoji, so that one `history` reply stays bounded
// however many reactions someone sends: past the bound a new emoji is refused with
// `too_many_reactions`, while the emoji already there still count up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';

test('a new emoji past the per-message bound is refused with too_many_reactions; known ones still count', async () => {
  const server = await startTestServer({ roomLimits: { perUserPerHour: 0, perIpPerHour: 0, listLimit: 500, maxReactionsPerMessage: 3 } });
  const ada = await TestClient.guest(server.wsUrl, 'ada');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  try {
    await ada.ok('join', { room: 'emoji' });
    await bob.ok('join', { room: 'emoji' });
    await ada.ok('send', { room: 'emoji', text: 'react to me', cid: 'm1' });
    const replies = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((emoji) => ada.request('react', { room: 'emoji', seq: 1, emoji, on: true })));
    assert.deepEqual(
      replies.map((reply) => reply.type),
      ['ok', 'ok', 'ok', 'error', 'error', 'error'],
    );
    for (const reply of replies.slice(3)) {
      assert.equal(reply['code'], 'too_many_reactions');
      assert.equal(reply['field'], 'emoji');
      assert.match(String(reply['message']), /3 different reactions/);
    }
    assert.equal((await bob.ok('react', { room: 'emoji', seq: 1, emoji: 'a', on: true }))['count'], 2);
    assert.equal((await bob.request('react', { room: 'emoji', seq: 1, emoji: 'z', on: true }))['code'], 'too_many_reactions');
    const [message] = (await bob.ok('history', { room: 'emoji' }))['messages'] as { reactions: { emoji: string }[] }[];
    assert.deepEqual(
      message?.reactions.map((r) => r.emoji),
      ['a', 'b', 'c'],
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /parley_room_limits_total\{limit="reactions_per_message"\} 4/);
    // The room still works for everyone.
    await bob.ok('send', { room: 'emoji', text: 'fine', cid: 'b1' });
    const pushes = await ada.waitFor('message', 2, 'emoji');
    assert.equal(pushes[1]?.['text'], 'fine');
  } finally {
    await ada.close();
    await bob.close();
    await server.stop();
  }
});

test('a history page of heavily reacted messages stays within the reply budget; paging by the first seq still reads every message', async () => {
  // A small budget stands in for a crowd of users: each reacting guest adds its id to every emoji it uses.
  const server = await startTestServer({ recoveryBytes: 16 * 1024 });
  const reactors = await Promise.all(Array.from({ length: 12 }, (_, i) => TestClient.guest(server.wsUrl, `crowd${i}`)));
  const reader = await TestClient.guest(server.wsUrl, 'reader');
  try {
    const [writer] = reactors as [TestClient];
    await Promise.all([...reactors, reader].map((client) => client.ok('join', { room: 'crowded' })));
    for (let i = 1; i <= 30; i++) await writer.ok('send', { room: 'crowded', text: `message ${i} ${'x'.repeat(200)}`, cid: `c${i}` });
    const emoji = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const client of reactors) {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) => i + 1).flatMap((seq) => emoji.map((e) => client.ok('react', { room: 'crowded', seq, emoji: e, on: true }))),
      );
    }
    const first = await reader.ok('history', { room: 'crowded', limit: 100 });
    const page = first['messages'] as { seq: number }[];
    const bytes = Buffer.byteLength(JSON.stringify(first));
    assert.ok(page.length > 0 && page.length < 30, `the page was cut (${page.length} of 30 messages)`);
    assert.ok(bytes <= 16 * 1024 + 4096, `the reply stayed near the budget (${bytes} bytes)`);
    assert.equal(page.at(-1)?.seq, 30, 'the newest messages come first');
    // Paging on from the first seq returns the rest, each message once.
    const seqs = page.map((m) => m.seq);
    let before = seqs[0] as number;
    while (before > 1) {
      const older = (await reader.ok('history', { room: 'crowded', before, limit: 100 }))['messages'] as { seq: number }[];
      assert.ok(older.length > 0, 'a page below the first seq is never empty while there is more');
      seqs.unshift(...older.map((m) => m.seq));
      before = older[0]?.seq as number;
    }
    assert.deepEqual(
      seqs,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    // Search results are bounded the same way; going on from `from` finds every match once.
    const found: number[] = [];
    let searchBefore: number | undefined;
    let cut = false;
    do {
      const reply = await reader.ok('search', { room: 'crowded', text: 'message', limit: 50, ...(searchBefore === undefined ? {} : { before: searchBefore }) });
      const results = (reply['messages'] as { seq: number }[]).map((m) => m.seq);
      if (searchBefore === undefined) cut = results.length < 30;
      found.push(...results);
      searchBefore = reply['from'] as number;
    } while (searchBefore > 1);
    assert.ok(cut, 'the first search reply was cut by the budget');
    assert.deepEqual(
      found,
      Array.from({ length: 30 }, (_, i) => 30 - i),
    );
  } finally {
    await Promise.all([...reactors, reader].map((client) => client.close()));
    await server.stop();
  }
});
