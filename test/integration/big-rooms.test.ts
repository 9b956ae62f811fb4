// Big rooms: a join lists at most 100 members (the joiner first) with the online count, `members`
// reads up to 1,000, and past PARLEY_PRESENCE_LIMIT users online joins and leaves are quiet. Without
// both, filling a room of n costs n²/2 member entries and presence pushes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ presenceLimit: 3 });
});
after(async () => {
  await server.stop();
});

interface Guest {
  client: TestClient;
  id: string;
}

async function guest(nick: string): Promise<Guest> {
  const client = await TestClient.connect(server.wsUrl);
  const hello = await client.ok('hello', { nick });
  return { client, id: (hello['user'] as { id: string }).id };
}

const ids = (frame: Record<string, unknown>): string[] => (frame['members'] as { id: string }[]).map((user) => user.id);

test('a join lists 100 members with the joiner first and the online count; members reads the rest', async () => {
  const crowd: Guest[] = [];
  for (let i = 0; i < 120; i++) crowd.push(await guest(`crowd${i}`));
  for (const g of crowd) await g.client.ok('join', { room: 'stadium' });
  const late = await guest('late');
  const joined = await late.client.ok('join', { room: 'stadium' });
  assert.equal(joined['online'], 121);
  const listed = ids(joined);
  assert.equal(listed.length, 100);
  assert.equal(listed[0], late.id, 'the joiner leads the list');
  assert.equal(new Set(listed).size, 100);

  const all = await late.client.ok('members', { room: 'stadium' });
  assert.equal(all['online'], 121);
  assert.deepEqual(new Set(ids(all)), new Set([late.id, ...crowd.map((g) => g.id)]));
  const some = await late.client.ok('members', { room: 'stadium', limit: 5 });
  assert.equal(ids(some).length, 5);
  assert.equal(ids(some)[0], late.id);

  // Joining again answers the same way.
  const again = await crowd[0]!.client.ok('join', { room: 'stadium' });
  assert.equal(again['online'], 121);
  assert.equal(ids(again).length, 100);
  assert.equal(ids(again)[0], crowd[0]!.id);

  const notIn = await guest('outsider');
  const refused = await notIn.client.request('members', { room: 'stadium' });
  assert.equal(refused['code'], 'not_member');
  const tooMany = await late.client.request('members', { room: 'stadium', limit: 1001 });
  assert.deepEqual([tooMany['code'], tooMany['field']], ['bad_request', 'limit']);
  await Promise.all([...crowd, late, notIn].map((g) => g.client.close()));
});

test('past the presence limit joins and leaves are quiet; back under it they are announced again', async () => {
  const [ada, bob, cat, dan] = await Promise.all(['ada', 'bob', 'cat', 'dan'].map((nick) => guest(nick)));
  assert.ok(ada !== undefined && bob !== undefined && cat !== undefined && dan !== undefined);
  const room = 'quiet-past-three';
  await ada.client.ok('join', { room });
  await bob.client.ok('join', { room });
  await cat.client.ok('join', { room }); // the third: still announced
  await ada.client.waitFor('presence', 2, room);
  const fourth = await dan.client.ok('join', { room }); // the fourth: quiet
  assert.equal(fourth['online'], 4);
  await dan.client.ok('leave', { room }); // leaves 3 behind, so a room of 4 said nothing
  // A presence push for dan's join or leave would have been queued for ada before dan's acks.
  await ada.client.barrier();
  const seen = (g: Guest): string[] => g.client.pushes('presence', room).map((p) => `${(p['user'] as { name: string }).name} ${String(p['event'])}`);
  assert.deepEqual(seen(ada), ['bob join', 'cat join']);

  await cat.client.ok('leave', { room }); // a room of 3 again: announced
  await ada.client.waitFor('presence', 3, room);
  assert.deepEqual(seen(ada), ['bob join', 'cat join', 'cat leave']);
  assert.deepEqual(seen(bob), ['cat join', 'cat leave']);

  // Messages are not affected by the limit.
  await dan.client.ok('join', { room });
  await cat.client.ok('join', { room });
  await ada.client.ok('send', { room, text: 'everyone hears this', cid: 'a1' });
  for (const g of [bob, cat, dan]) await g.client.waitFor('message', 1, room);
  await Promise.all([ada, bob, cat, dan].map((g) => g.client.close()));
});
