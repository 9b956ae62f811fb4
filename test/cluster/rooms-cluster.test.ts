// Room events across two server instances sharing PostgreSQL and Redis: a kick issued on one node
// takes the user's connection on the other out of the room, a ban holds there, and edits, deletes
// and reactions reach members on both nodes; an invite or a DM opened on one node reaches the
// invited user's connection on the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { sharedNodes } from '../support/cluster.js';
import { register } from '../support/auth.js';
import { uniqueName } from '../support/services.js';

const { skip, nodes } = await sharedNodes('rooms_cluster');

async function guest(node: TestServer, nick: string): Promise<{ client: TestClient; id: string }> {
  const client = await TestClient.connect(node.wsUrl);
  const hello = await client.ok('hello', { nick });
  return { client, id: (hello['user'] as { id: string }).id };
}

test('kick, ban, edit, delete and reactions reach the other node', { skip }, async () => {
  const [one, two] = nodes as [TestServer, TestServer];
  const owner = await guest(one, 'owner');
  const member = await guest(two, 'member');
  const troll = await guest(two, 'troll');
  await owner.client.ok('create', { room: 'spread', private: true });
  await owner.client.ok('invite', { room: 'spread', user: member.id });
  await owner.client.ok('invite', { room: 'spread', user: troll.id });
  // Neither has joined a room yet: the invites reach them on node two as user notices.
  for (const g of [member, troll]) {
    const [invited] = await g.client.waitFor('invited', 1);
    assert.deepEqual({ room: invited?.['room'], user: invited?.['user'] }, { room: 'spread', user: g.id });
  }
  for (const g of [owner, member, troll]) await g.client.ok('join', { room: 'spread' });

  await owner.client.ok('send', { room: 'spread', text: 'first', cid: 'o1' });
  await member.client.waitFor('message', 1, 'spread');
  await owner.client.ok('edit', { room: 'spread', seq: 1, text: 'first, edited' });
  await member.client.ok('react', { room: 'spread', seq: 1, emoji: '👍', on: true });
  const [edit] = await member.client.waitFor('edit', 1, 'spread');
  assert.equal(edit?.['text'], 'first, edited');
  const [reaction] = await owner.client.waitFor('reaction', 1, 'spread');
  assert.equal(reaction?.['count'], 1);

  // Banned on node one; the troll's connection is on node two.
  await owner.client.ok('ban', { room: 'spread', user: troll.id });
  const [kicked] = await troll.client.waitFor('kicked', 1, 'spread');
  assert.equal(kicked?.['reason'], 'ban');
  const refused = await troll.client.request('send', { room: 'spread', text: 'still here', cid: 't1' });
  assert.equal(refused['code'], 'not_member');
  const rejoin = await troll.client.request('join', { room: 'spread' });
  assert.equal(rejoin['code'], 'banned');

  await owner.client.ok('delete', { room: 'spread', seq: 1 });
  await member.client.waitFor('delete', 1, 'spread');
  await owner.client.ok('send', { room: 'spread', text: 'after the ban', cid: 'o2' });
  await member.client.waitFor('message', 2, 'spread');
  // The member and the troll are both on node two, which hands a publication to its members in one
  // pass: the troll's copy, had it one, was queued with the member's, so the barrier shows it.
  await troll.client.barrier();
  assert.equal(troll.client.pushes('message', 'spread').length, 1, 'the troll got only the message from before the ban');
  assert.equal(troll.client.pushes('delete', 'spread').length, 0);
  const history = (await member.client.ok('history', { room: 'spread' }))['messages'] as { text: string; deleted?: boolean }[];
  assert.deepEqual(
    history.map((m) => [m.text, m.deleted ?? false]),
    [
      ['', true],
      ['after the ban', false],
    ],
  );
  const { room: dm } = await owner.client.ok('dm', { user: member.id });
  const [opened] = await member.client.waitFor('invited', 2);
  assert.equal(opened?.['dm'], false, 'the first notice was the invite');
  const dms = member.client.pushes('invited');
  assert.deepEqual({ room: dms[1]?.['room'], dm: dms[1]?.['dm'] }, { room: dm, dm: true });
  assert.equal(troll.client.pushes('invited').length, 1, 'the DM was announced to its other member only');
  for (const g of [owner, member, troll]) await g.client.close();
});

test("a leave on one node takes the user's connection on the other out of the room", { skip }, async () => {
  const [one, two] = nodes as [TestServer, TestServer];
  const { token } = await register(one.url, uniqueName('leaver').slice(0, 30));
  const owner = await guest(one, 'host');
  const room = uniqueName('pier').toLowerCase().slice(0, 40);
  await owner.client.ok('create', { room });
  const here = await TestClient.connect(one.wsUrl);
  const there = await TestClient.connect(two.wsUrl);
  for (const device of [here, there]) {
    await device.ok('hello', { token });
    await device.ok('join', { room });
  }
  await here.ok('leave', { room });
  const [left] = await there.waitFor('left', 1);
  assert.equal(left?.['room'], room);
  const refused = await there.request('send', { room, text: 'still in?', cid: 't1' });
  assert.equal(refused['code'], 'not_member');
  for (const client of [owner.client, here, there]) await client.close();
});
