// Private rooms, DMs, roles and moderation, edits, deletes and reactions, each rule tried by someone
// who should be refused: the refusal carries the documented code, and nothing is stored or delivered.
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

interface Guest {
  client: TestClient;
  id: string;
  resume: string;
}

async function guest(nick: string, resume?: string): Promise<Guest> {
  const client = await TestClient.connect(server.wsUrl);
  const hello = await client.ok('hello', resume === undefined ? { nick } : { nick, resume });
  return { client, id: (hello['user'] as { id: string }).id, resume: hello['resume'] as string };
}

async function refused(client: TestClient, verb: string, params: Record<string, unknown>, code: string): Promise<Frame> {
  const reply = await client.request(verb, params);
  assert.equal(reply.type, 'error', `${verb} ${JSON.stringify(params)} should be refused, got ${JSON.stringify(reply)}`);
  assert.equal(reply['code'], code, `${verb}: ${String(reply['message'])}`);
  return reply;
}

const texts = (messages: unknown): string[] => (messages as { text: string }[]).map((m) => m.text);

async function historyOf(client: TestClient, room: string): Promise<Frame[]> {
  return (await client.ok('history', { room }))['messages'] as Frame[];
}

async function closeAll(...guests: Guest[]): Promise<void> {
  await Promise.all(guests.map((g) => g.client.close()));
}

test('create makes the creator owner; an existing room, an implicit one or a dm- name is refused', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  const created = await ada.client.ok('create', { room: 'made', private: true, topic: 'plans' });
  assert.deepEqual({ private: created['private'], topic: created['topic'], role: created['role'] }, { private: true, topic: 'plans', role: 'owner' });
  await refused(bob.client, 'create', { room: 'made' }, 'room_exists');
  await bob.client.ok('join', { room: 'implicit' });
  await refused(bob.client, 'create', { room: 'implicit' }, 'room_exists');
  await refused(bob.client, 'create', { room: 'dm-squat' }, 'forbidden');
  await refused(bob.client, 'join', { room: 'dm-squat' }, 'not_found');
  const joined = await ada.client.ok('join', { room: 'made' });
  assert.equal(joined['role'], 'owner');
  assert.equal(joined['private'], true);
  assert.equal(joined['topic'], 'plans');
  const plain = await bob.client.ok('join', { room: 'implicit' });
  assert.equal(plain['private'], false);
  assert.equal(plain['role'], undefined, 'a room made by join has no owner');
  await closeAll(ada, bob);
});

test('a non-member cannot join, read, recover from or send to a private room, nor see it listed', async () => {
  const owner = await guest('owner');
  const eve = await guest('eve');
  await owner.client.ok('create', { room: 'vault', private: true });
  await owner.client.ok('join', { room: 'vault' });
  await owner.client.ok('send', { room: 'vault', text: 'the secret', cid: 's1' });

  await refused(eve.client, 'join', { room: 'vault' }, 'not_member');
  await refused(eve.client, 'join', { room: 'vault', since: 0 }, 'not_member');
  await refused(eve.client, 'history', { room: 'vault' }, 'not_member');
  await refused(eve.client, 'send', { room: 'vault', text: 'let me in', cid: 'e1' }, 'not_member');
  await refused(eve.client, 'typing', { room: 'vault' }, 'not_member');
  await refused(eve.client, 'react', { room: 'vault', seq: 1, emoji: '👀', on: true }, 'not_member');
  await refused(eve.client, 'edit', { room: 'vault', seq: 1, text: 'mine now' }, 'not_member');
  await refused(eve.client, 'delete', { room: 'vault', seq: 1 }, 'not_member');
  await refused(eve.client, 'invite', { room: 'vault', user: eve.id }, 'not_member');
  const listed = (await eve.client.ok('rooms'))['rooms'] as { room: string }[];
  assert.equal(
    listed.find((r) => r.room === 'vault'),
    undefined,
    'a private room is not listed to outsiders',
  );

  await owner.client.ok('send', { room: 'vault', text: 'still secret', cid: 's2' });
  await owner.client.waitFor('message', 2, 'vault');
  // Anything of vault for eve would have been queued before the owner's acks.
  await eve.client.barrier();
  assert.equal(eve.client.frames.filter((f) => f['room'] === 'vault' && f.type !== 'error').length, 0, 'eve got nothing of vault');
  assert.deepEqual(texts(await historyOf(owner.client, 'vault')), ['the secret', 'still secret'], 'nothing of eve was stored');
  await closeAll(owner, eve);
});

test('invites come from moderators and the owner; an invited member joins and reads', async () => {
  const owner = await guest('owner');
  const mod = await guest('mod');
  const member = await guest('member');
  const friend = await guest('friend');
  await owner.client.ok('create', { room: 'club', private: true });
  await owner.client.ok('invite', { room: 'club', user: member.id });
  await refused(member.client, 'invite', { room: 'club', user: friend.id }, 'forbidden');
  await refused(friend.client, 'join', { room: 'club' }, 'not_member');
  await owner.client.ok('invite', { room: 'club', user: mod.id });
  await refused(mod.client, 'role', { room: 'club', user: member.id, role: 'moderator' }, 'forbidden');
  await owner.client.ok('role', { room: 'club', user: mod.id, role: 'moderator' });
  await mod.client.ok('invite', { room: 'club', user: friend.id });
  await refused(owner.client, 'invite', { room: 'club', user: 'g_nobody' }, 'not_found');
  await owner.client.ok('join', { room: 'club' });
  await owner.client.ok('send', { room: 'club', text: 'welcome', cid: 'w' });
  const joined = await friend.client.ok('join', { room: 'club', since: 0 });
  assert.equal(joined['role'], 'member');
  const [replayed] = await friend.client.waitFor('message', 1, 'club');
  assert.equal(replayed?.['text'], 'welcome');
  assert.deepEqual(texts(await historyOf(friend.client, 'club')), ['welcome']);
  assert.ok(((await friend.client.ok('rooms'))['rooms'] as { room: string }[]).some((r) => r.room === 'club'));
  await closeAll(owner, mod, member, friend);
});

test('nobody acts on an equal or higher role; members moderate nothing', async () => {
  const owner = await guest('owner');
  const mod = await guest('mod');
  const mod2 = await guest('mod2');
  const member = await guest('member');
  await owner.client.ok('create', { room: 'ranks' });
  for (const who of [mod, mod2]) await owner.client.ok('role', { room: 'ranks', user: who.id, role: 'moderator' });
  await owner.client.ok('invite', { room: 'ranks', user: member.id });
  for (const verb of ['kick', 'ban']) {
    await refused(mod.client, verb, { room: 'ranks', user: owner.id }, 'forbidden');
    await refused(mod.client, verb, { room: 'ranks', user: mod2.id }, 'forbidden');
    await refused(mod.client, verb, { room: 'ranks', user: mod.id }, 'forbidden');
    await refused(member.client, verb, { room: 'ranks', user: mod.id }, 'forbidden');
  }
  await refused(mod.client, 'mute', { room: 'ranks', user: owner.id, seconds: 60 }, 'forbidden');
  await refused(member.client, 'mute', { room: 'ranks', user: mod.id, seconds: 60 }, 'forbidden');
  await refused(member.client, 'unban', { room: 'ranks', user: mod.id }, 'forbidden');
  await refused(owner.client, 'role', { room: 'ranks', user: owner.id, role: 'member' }, 'forbidden');
  await refused(owner.client, 'kick', { room: 'nowhere-at-all', user: mod.id }, 'not_found');
  // Nothing above changed anyone's standing: the moderator still moderates, the owner still owns.
  await mod.client.ok('mute', { room: 'ranks', user: member.id, seconds: 0 });
  const joined = await owner.client.ok('join', { room: 'ranks' });
  assert.equal(joined['role'], 'owner');
  // A room made by join has no owner, so nobody moderates it.
  await refused(mod.client, 'kick', { room: 'lobby-like', user: member.id }, 'not_found');
  await member.client.ok('join', { room: 'lobby-like' });
  await refused(mod.client, 'kick', { room: 'lobby-like', user: member.id }, 'forbidden');
  await closeAll(owner, mod, mod2, member);
});

test("a user cannot edit or delete another user's message; the author can, and a moderator deletes any", async () => {
  const owner = await guest('owner');
  const ada = await guest('ada');
  const bob = await guest('bob');
  await owner.client.ok('create', { room: 'edits' });
  for (const g of [owner, ada, bob]) await g.client.ok('join', { room: 'edits' });
  await ada.client.ok('send', { room: 'edits', text: 'ada one', cid: 'a1' });
  await ada.client.ok('send', { room: 'edits', text: 'ada two', cid: 'a2' });
  await bob.client.ok('send', { room: 'edits', text: 'bob one', cid: 'b1' });
  await owner.client.waitFor('message', 3, 'edits');

  await refused(bob.client, 'edit', { room: 'edits', seq: 1, text: 'bob was here' }, 'forbidden');
  await refused(bob.client, 'delete', { room: 'edits', seq: 1 }, 'forbidden');
  await refused(bob.client, 'edit', { room: 'edits', seq: 99, text: 'x' }, 'not_found');
  // A push of a refused edit would have been queued before its refusal reached bob.
  await owner.client.barrier();
  assert.equal(owner.client.pushes('edit').length + owner.client.pushes('delete').length, 0, 'nothing was pushed');
  assert.deepEqual(texts(await historyOf(owner.client, 'edits')), ['ada one', 'ada two', 'bob one'], 'nothing was changed');

  const edited = await ada.client.ok('edit', { room: 'edits', seq: 1, text: 'ada one, fixed' });
  const [editPush] = await bob.client.waitFor('edit', 1, 'edits');
  assert.deepEqual(editPush, { type: 'edit', room: 'edits', seq: 1, text: 'ada one, fixed', editedAt: edited['editedAt'] });
  await ada.client.ok('delete', { room: 'edits', seq: 2 });
  await owner.client.ok('delete', { room: 'edits', seq: 3 }); // a moderator (the owner) deletes bob's
  const deletes = await bob.client.waitFor('delete', 2, 'edits');
  assert.deepEqual(
    deletes.map((d) => d['seq']),
    [2, 3],
  );
  await refused(ada.client, 'edit', { room: 'edits', seq: 2, text: 'undo' }, 'not_found');
  await refused(ada.client, 'delete', { room: 'edits', seq: 2 }, 'not_found');

  const history = await historyOf(bob.client, 'edits');
  assert.equal(history[0]?.['text'], 'ada one, fixed');
  assert.equal(history[0]?.['editedAt'], edited['editedAt']);
  for (const tombstone of history.slice(1)) {
    assert.equal(tombstone['deleted'], true);
    assert.equal(tombstone['text'], '');
  }
  // Recovery reads the same state: a reconnecting client sees the edit and the tombstones.
  const late = await guest('late');
  await late.client.ok('join', { room: 'edits', since: 0 });
  const replay = await late.client.waitFor('message', 3, 'edits');
  assert.deepEqual(
    replay.map((m) => [m['text'], m['deleted'] ?? false]),
    [
      ['ada one, fixed', false],
      ['', true],
      ['', true],
    ],
  );
  await closeAll(owner, ada, bob, late);
});

test('a ban kicks now and holds on a fresh connection until lifted', async () => {
  const owner = await guest('owner');
  const troll = await guest('troll');
  const watcher = await guest('watcher');
  await owner.client.ok('create', { room: 'banned' });
  for (const g of [owner, troll, watcher]) await g.client.ok('join', { room: 'banned' });
  const second = await guest('troll', troll.resume); // the same user on another connection
  assert.equal(second.id, troll.id);
  await second.client.ok('join', { room: 'banned' });

  await owner.client.ok('ban', { room: 'banned', user: troll.id });
  for (const conn of [troll.client, second.client]) {
    const [kicked] = await conn.waitFor('kicked', 1, 'banned');
    assert.equal(kicked?.['user'], troll.id);
    assert.equal(kicked?.['reason'], 'ban');
  }
  const [gone] = await watcher.client.waitFor('kicked', 1, 'banned');
  assert.equal(gone?.['user'], troll.id);
  // The watcher joined last, so the only presence it sees in the room is the troll leaving.
  const leaves = await watcher.client.waitFor('presence', 1, 'banned');
  assert.deepEqual(
    leaves.map((p) => (p['user'] as { id: string }).id),
    [troll.id],
    'the banned user left, once for both its connections',
  );

  // The connections that were in the room are out of it: sending is refused, nothing arrives.
  await refused(troll.client, 'send', { room: 'banned', text: 'still here?', cid: 't1' }, 'not_member');
  await owner.client.ok('send', { room: 'banned', text: 'after the ban', cid: 'o1' });
  await watcher.client.waitFor('message', 1, 'banned');
  // The message would have been queued for them before the owner's ack.
  await Promise.all([troll.client.barrier(), second.client.barrier()]);
  assert.equal(troll.client.pushes('message', 'banned').length, 0);
  assert.equal(second.client.pushes('message', 'banned').length, 0);

  // A fresh connection of the same user is refused at every door.
  const fresh = await guest('troll', troll.resume);
  await refused(fresh.client, 'join', { room: 'banned' }, 'banned');
  await refused(fresh.client, 'join', { room: 'banned', since: 0 }, 'banned');
  await refused(fresh.client, 'history', { room: 'banned' }, 'banned');
  await refused(fresh.client, 'send', { room: 'banned', text: 'hi again', cid: 't2' }, 'not_member');
  await refused(owner.client, 'invite', { room: 'banned', user: troll.id }, 'banned');
  assert.deepEqual(texts(await historyOf(owner.client, 'banned')), ['after the ban'], 'nothing of the troll was stored');

  await refused(watcher.client, 'unban', { room: 'banned', user: troll.id }, 'forbidden');
  await owner.client.ok('unban', { room: 'banned', user: troll.id });
  await fresh.client.ok('join', { room: 'banned' });
  await fresh.client.ok('send', { room: 'banned', text: 'behaving now', cid: 't3' });
  await closeAll(owner, troll, second, watcher, fresh);
});

test('a ban is enforced by the store on send even for a connection still joined', async () => {
  // The chat service alone, without the kick, must still refuse: ban through the store directly and
  // send on a connection that never got the kicked push.
  const { SqliteStore } = await import('../../src/server/store/sqlite.js');
  const path = await import('node:path');
  const owner = await guest('owner');
  const sneaky = await guest('sneaky');
  await owner.client.ok('create', { room: 'store-ban' });
  await sneaky.client.ok('join', { room: 'store-ban' });
  const side = new SqliteStore({ file: path.join(server.config.dataDir, 'parley.db') });
  try {
    await side.setBan('store-ban', sneaky.id, true, Date.now());
  } finally {
    await side.close();
  }
  await refused(sneaky.client, 'send', { room: 'store-ban', text: 'slipped through?', cid: 'x' }, 'banned');
  assert.deepEqual(texts(await historyOf(owner.client, 'store-ban')), []);
  await closeAll(owner, sneaky);
});

test('a muted user reads but cannot send, react or type, and can again when the mute ends', async () => {
  const owner = await guest('owner');
  const loud = await guest('loud');
  await owner.client.ok('create', { room: 'quiet' });
  await owner.client.ok('join', { room: 'quiet' });
  await loud.client.ok('join', { room: 'quiet' });
  await loud.client.ok('send', { room: 'quiet', text: 'before', cid: 'l1' });
  const mute = await owner.client.ok('mute', { room: 'quiet', user: loud.id, seconds: 1 });
  const [pushed] = await loud.client.waitFor('muted', 1, 'quiet');
  assert.equal(pushed?.['until'], mute['until']);
  await refused(loud.client, 'send', { room: 'quiet', text: 'during', cid: 'l2' }, 'muted');
  await refused(loud.client, 'react', { room: 'quiet', seq: 1, emoji: '📢', on: true }, 'muted');
  await refused(loud.client, 'edit', { room: 'quiet', seq: 1, text: 'during, edited' }, 'muted');
  await refused(loud.client, 'typing', { room: 'quiet' }, 'muted');
  await owner.client.ok('send', { room: 'quiet', text: 'the owner speaks', cid: 'o1' });
  const received = await loud.client.waitFor('message', 2, 'quiet');
  assert.equal(received[1]?.['text'], 'the owner speaks', 'a muted user still reads');
  assert.deepEqual(texts(await historyOf(owner.client, 'quiet')), ['before', 'the owner speaks']);

  const wait = Number(mute['until']) - Date.now() + 50;
  if (wait > 0) await settle(wait);
  await loud.client.ok('send', { room: 'quiet', text: 'after', cid: 'l3' });
  assert.deepEqual(texts(await historyOf(owner.client, 'quiet')), ['before', 'the owner speaks', 'after']);
  await closeAll(owner, loud);
});

test('a kicked user stops receiving at once; from a private room it needs a new invite', async () => {
  const owner = await guest('owner');
  const guestUser = await guest('visitor');
  await owner.client.ok('create', { room: 'kicks', private: true });
  await owner.client.ok('invite', { room: 'kicks', user: guestUser.id });
  await owner.client.ok('join', { room: 'kicks' });
  await guestUser.client.ok('join', { room: 'kicks' });
  await owner.client.ok('kick', { room: 'kicks', user: guestUser.id });
  const [kicked] = await guestUser.client.waitFor('kicked', 1, 'kicks');
  assert.equal(kicked?.['reason'], 'kick');
  assert.equal((kicked?.['by'] as { id: string }).id, owner.id);
  await owner.client.ok('send', { room: 'kicks', text: 'not for the kicked', cid: 'k1' });
  await owner.client.waitFor('message', 1, 'kicks');
  // The message would have been queued for the kicked user before the owner's ack.
  await guestUser.client.barrier();
  assert.equal(guestUser.client.pushes('message', 'kicks').length, 0);
  await refused(guestUser.client, 'send', { room: 'kicks', text: 'hello?', cid: 'v1' }, 'not_member');
  await refused(guestUser.client, 'join', { room: 'kicks' }, 'not_member');
  await refused(guestUser.client, 'history', { room: 'kicks' }, 'not_member');

  // In a public room a kick only removes: the user may come back.
  await owner.client.ok('create', { room: 'kicks-open' });
  await guestUser.client.ok('join', { room: 'kicks-open' });
  await owner.client.ok('kick', { room: 'kicks-open', user: guestUser.id });
  await guestUser.client.waitFor('kicked', 1, 'kicks-open');
  await guestUser.client.ok('join', { room: 'kicks-open' });
  await closeAll(owner, guestUser);
});

test('a DM is one room per pair, made on first use; a third user cannot get in', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  const eve = await guest('eve');
  const opened = await ada.client.ok('dm', { user: bob.id });
  const room = opened['room'] as string;
  assert.match(room, /^dm-[0-9a-f]{40}$/);
  assert.equal((opened['user'] as { name: string }).name, 'bob');
  assert.equal((await bob.client.ok('dm', { user: ada.id }))['room'], room, 'both sides get the same room');
  assert.notEqual((await ada.client.ok('dm', { user: eve.id }))['room'], room);

  const joined = await ada.client.ok('join', { room });
  assert.equal(joined['dm'], true);
  assert.equal(joined['private'], true);
  await bob.client.ok('join', { room });
  await ada.client.ok('send', { room, text: 'just us', cid: 'd1' });
  await bob.client.waitFor('message', 1, room);

  await refused(eve.client, 'join', { room }, 'not_member');
  await refused(eve.client, 'join', { room, since: 0 }, 'not_member');
  await refused(eve.client, 'history', { room }, 'not_member');
  await refused(eve.client, 'send', { room, text: 'me too', cid: 'e1' }, 'not_member');
  await refused(ada.client, 'invite', { room, user: eve.id }, 'forbidden');
  await refused(ada.client, 'kick', { room, user: bob.id }, 'forbidden');
  await refused(ada.client, 'create', { room }, 'forbidden');
  await refused(ada.client, 'dm', { user: ada.id }, 'bad_request');
  await refused(ada.client, 'dm', { user: 'g_nobody' }, 'not_found');
  assert.equal(
    ((await eve.client.ok('rooms'))['rooms'] as { room: string }[]).find((r) => r.room === room),
    undefined,
  );
  assert.ok(((await bob.client.ok('rooms'))['rooms'] as { room: string; dm: boolean }[]).some((r) => r.room === room && r.dm));
  // Ada's message would have been queued for eve before ada's ack.
  await eve.client.barrier();
  assert.equal(eve.client.pushes('message').length, 0);
  assert.deepEqual(texts(await historyOf(bob.client, room)), ['just us']);
  await closeAll(ada, bob, eve);
});

test('reactions count once per user and emoji, push the new count, and show in history', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  for (const g of [ada, bob]) await g.client.ok('join', { room: 'reactions' });
  await ada.client.ok('send', { room: 'reactions', text: 'react to me', cid: 'r1' });
  await bob.client.waitFor('message', 1, 'reactions');

  assert.equal((await ada.client.ok('react', { room: 'reactions', seq: 1, emoji: '👍', on: true }))['count'], 1);
  assert.equal((await bob.client.ok('react', { room: 'reactions', seq: 1, emoji: '👍', on: true }))['count'], 2);
  assert.equal((await bob.client.ok('react', { room: 'reactions', seq: 1, emoji: '👍', on: true }))['count'], 2, 'twice counts once');
  assert.equal((await bob.client.ok('react', { room: 'reactions', seq: 1, emoji: '🎉', on: true }))['count'], 1);
  assert.equal((await ada.client.ok('react', { room: 'reactions', seq: 1, emoji: '👍', on: false }))['count'], 1);
  await refused(ada.client, 'react', { room: 'reactions', seq: 5, emoji: '👍', on: true }, 'not_found');
  await refused(ada.client, 'react', { room: 'reactions', seq: 1, emoji: 'two words', on: true }, 'bad_request');

  const pushes = await ada.client.waitFor('reaction', 4, 'reactions');
  assert.deepEqual(
    pushes.map((p) => [p['emoji'], p['user'], p['on'], p['count']]),
    [
      ['👍', ada.id, true, 1],
      ['👍', bob.id, true, 2],
      ['🎉', bob.id, true, 1],
      ['👍', ada.id, false, 1],
    ],
    'a reaction that changed nothing is not pushed',
  );
  const [message] = await historyOf(ada.client, 'reactions');
  // Emojis come in the order they were first used, to the millisecond: bob's two may share one, so
  // the comparison is by emoji.
  const byEmoji = (list: unknown): unknown[] => [...(list as { emoji: string }[])].sort((a, b) => (a.emoji < b.emoji ? -1 : a.emoji > b.emoji ? 1 : 0));
  assert.deepEqual(
    byEmoji(message?.['reactions']),
    byEmoji([
      { emoji: '👍', count: 1, users: [bob.id] },
      { emoji: '🎉', count: 1, users: [bob.id] },
    ]),
  );
  await closeAll(ada, bob);
});

test('an invite and a DM reach every connection of the invited user, in no room at all, and nobody else', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  const eve = await guest('eve');
  // Bob's second connection is the same user (resumed), and neither of his connections joined anything.
  const bobToo = await guest('bob', bob.resume);
  assert.equal(bobToo.id, bob.id);

  await ada.client.ok('create', { room: 'notice-board', private: true });
  await ada.client.ok('invite', { room: 'notice-board', user: bob.id });
  for (const connection of [bob.client, bobToo.client]) {
    const [invited] = await connection.waitFor('invited', 1);
    assert.deepEqual(
      { room: invited?.['room'], user: invited?.['user'], by: invited?.['by'], dm: invited?.['dm'] },
      { room: 'notice-board', user: bob.id, by: { id: ada.id, name: 'ada' }, dm: false },
    );
  }
  // Inviting a member again changes nothing and says nothing.
  await ada.client.ok('invite', { room: 'notice-board', user: bob.id });

  const { room } = await ada.client.ok('dm', { user: bob.id });
  const dms = await bob.client.waitFor('invited', 2);
  assert.deepEqual({ room: dms[1]?.['room'], dm: dms[1]?.['dm'], by: dms[1]?.['by'] }, { room, dm: true, by: { id: ada.id, name: 'ada' } });
  await bobToo.client.waitFor('invited', 2);

  // A notice of the repeated invite would have been queued before ada's ack of it.
  await Promise.all([bob.client.barrier(), eve.client.barrier(), ada.client.barrier()]);
  assert.equal(bob.client.pushes('invited').length, 2, 'the repeated invite was not announced');
  assert.equal(eve.client.pushes('invited').length, 0);
  assert.equal(ada.client.pushes('invited').length, 0, 'the inviter is not told about itself');
  await closeAll(ada, bob, eve, bobToo);
});

test('read markers: kept per user for every device, never moved back, told to the other connections', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  const adaToo = await guest('ada', ada.resume); // the same user on a second device
  await ada.client.ok('join', { room: 'reading-room' });
  for (const cid of ['m1', 'm2', 'm3', 'm4']) await ada.client.ok('send', { room: 'reading-room', text: cid, cid });

  const marked = await ada.client.ok('read', { room: 'reading-room', seq: 3 });
  assert.equal(marked['seq'], 3);
  const [notice] = await adaToo.client.waitFor('read', 1);
  assert.deepEqual({ room: notice?.['room'], seq: notice?.['seq'], user: notice?.['user'] }, { room: 'reading-room', seq: 3, user: ada.id });
  assert.equal((await ada.client.ok('read', { room: 'reading-room', seq: 1 }))['seq'], 3, 'never moved back');
  assert.equal((await ada.client.ok('read', { room: 'reading-room', seq: 50 }))['seq'], 4, 'capped at the room seq');

  const listed = (frame: Frame, room: string): Record<string, unknown> | undefined =>
    (frame['rooms'] as Record<string, unknown>[]).find((r) => r['room'] === room);
  assert.deepEqual(
    { seq: listed(await adaToo.client.ok('rooms'), 'reading-room')?.['seq'], read: listed(await adaToo.client.ok('rooms'), 'reading-room')?.['read'] },
    { seq: 4, read: 4 },
  );
  assert.equal(listed(await bob.client.ok('rooms'), 'reading-room')?.['read'], 0, "bob's marker is his own");
  // A read notice for bob would have been queued before ada's acks.
  await bob.client.barrier();
  assert.equal(bob.client.pushes('read').length, 0);

  // A private room's marker needs membership, like its history.
  await ada.client.ok('create', { room: 'reading-private', private: true });
  await refused(bob.client, 'read', { room: 'reading-private', seq: 1 }, 'not_member');
  await refused(bob.client, 'read', { room: 'never-made', seq: 1 }, 'not_found');
  await refused(bob.client, 'read', { room: 'reading-room', seq: -1 }, 'bad_request');
  await closeAll(ada, bob, adaToo);
});

test('search: newest first in a bounded window, continued with before; private rooms need membership', async () => {
  const ada = await guest('ada');
  const eve = await guest('eve');
  await ada.client.ok('join', { room: 'searchable' });
  const texts = ['Release notes', 'coffee?', 'release candidate 2', 'ship the RELEASE', 'nothing here'];
  for (const [i, text] of texts.entries()) await ada.client.ok('send', { room: 'searchable', text, cid: `q${i}` });
  const seqs = (frame: Frame): number[] => (frame['messages'] as { seq: number }[]).map((m) => m.seq);

  const found = await eve.client.ok('search', { room: 'searchable', text: 'release' });
  assert.deepEqual(seqs(found), [4, 3, 1], 'a public room is searchable without joining');
  assert.equal(found['from'], 1, 'the whole room was in the window');
  assert.deepEqual((found['messages'] as { text: string }[])[0]?.text, 'ship the RELEASE');
  assert.deepEqual(seqs(await eve.client.ok('search', { room: 'searchable', text: 'release', before: 4, limit: 1 })), [3]);
  assert.deepEqual(seqs(await eve.client.ok('search', { room: 'never-made', text: 'release' })), []);

  await ada.client.ok('create', { room: 'searchable-private', private: true });
  await refused(eve.client, 'search', { room: 'searchable-private', text: 'x' }, 'not_member');
  const tooLong = await refused(eve.client, 'search', { room: 'searchable', text: 'x'.repeat(201) }, 'bad_request');
  assert.equal(tooLong['field'], 'text');
  await refused(eve.client, 'search', { room: 'searchable', text: '' }, 'bad_request');
  await closeAll(ada, eve);
});

test('topic: owners and moderators set it, every member is told, a join shows it; nobody else, and no DM', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  await ada.client.ok('create', { room: 'topical' });
  await ada.client.ok('join', { room: 'topical' });
  await bob.client.ok('join', { room: 'topical' });
  assert.deepEqual(await ada.client.ok('topic', { room: 'topical', topic: 'Release on Friday' }).then((r) => r['topic']), 'Release on Friday');
  const [pushed] = await bob.client.waitFor('topic', 1, 'topical');
  assert.deepEqual({ topic: pushed?.['topic'], by: (pushed?.['by'] as { name: string }).name }, { topic: 'Release on Friday', by: 'ada' });
  assert.equal((await bob.client.ok('join', { room: 'topical' }))['topic'], 'Release on Friday');

  await refused(bob.client, 'topic', { room: 'topical', topic: 'mine now' }, 'forbidden');
  await ada.client.ok('role', { room: 'topical', user: bob.id, role: 'moderator' });
  await bob.client.ok('topic', { room: 'topical', topic: '' });
  await ada.client.waitFor('topic', 2, 'topical');
  assert.equal((await ada.client.ok('join', { room: 'topical' }))['topic'], undefined, 'cleared');

  const { room: dm } = await ada.client.ok('dm', { user: bob.id });
  await refused(ada.client, 'topic', { room: dm, topic: 'us' }, 'forbidden');
  await refused(ada.client, 'topic', { room: 'topical', topic: 'bell\u0007' }, 'bad_request');
  await refused(ada.client, 'topic', { room: 'no-such-topic-room', topic: 'x' }, 'not_found');
  await closeAll(ada, bob);
});

test('a reply names the seq it answers: in the push, in history, and only for a message that exists', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  for (const g of [ada, bob]) await g.client.ok('join', { room: 'threads' });
  await ada.client.ok('send', { room: 'threads', text: 'lunch?', cid: 'l1' });
  await bob.client.ok('send', { room: 'threads', text: 'yes!', cid: 'r1', replyTo: 1 });
  const pushes = await ada.client.waitFor('message', 2, 'threads');
  assert.deepEqual(
    pushes.map((m) => m['replyTo']),
    [undefined, 1],
  );
  const history = (await ada.client.ok('history', { room: 'threads' }))['messages'] as { text: string; replyTo?: number }[];
  assert.deepEqual(
    history.map((m) => [m.text, m.replyTo]),
    [
      ['lunch?', undefined],
      ['yes!', 1],
    ],
  );

  const ahead = await refused(bob.client, 'send', { room: 'threads', text: 'to the future', cid: 'r2', replyTo: 3 }, 'bad_request');
  assert.equal(ahead['field'], 'replyTo');
  await refused(bob.client, 'send', { room: 'threads', text: 'zero', cid: 'r3', replyTo: 0 }, 'bad_request');
  assert.equal(((await ada.client.ok('history', { room: 'threads' }))['messages'] as unknown[]).length, 2, 'nothing stored');
  await closeAll(ada, bob);
});
