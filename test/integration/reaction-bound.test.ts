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
    assert.deepEqual(replies.map((reply) => reply.type), ['ok', 'ok', 'ok', 'error', 'error', 'error']);
    for (const reply of replies.slice(3)) {
      assert.equal(reply['code'], 'too_many_reactions');
      assert.equal(reply['field'], 'emoji');
      assert.match(String(reply['message']), /3 different reactions/);
    }
    assert.equal((await bob.ok('react', { room: 'emoji', seq: 1, emoji: 'a', on: true }))['count'], 2);
    assert.equal((await bob.request('react', { room: 'emoji', seq: 1, emoji: 'z', on: true }))['code'], 'too_many_reactions');
    const [message] = (await bob.ok('history', { room: 'emoji' }))['messages'] as { reactions: { emoji: string }[] }[];
    assert.deepEqual(message?.reactions.map((r) => r.emoji), ['a', 'b', 'c']);
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
