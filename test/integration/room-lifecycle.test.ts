// Rooms are made explicitly, announced live, archived and deleted, over real sockets: a join of an
// unknown name is not_found (the lobby excepted), `create` of a public room reaches every connected
// client as a `directory` push, the owner (or an admin) archives a room (read-only, out of others'
// `rooms`) and deletes it (its connections leave it, its history is gone, the name is free again),
// and nobody else may.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { register } from '../support/auth.js';

let server: TestServer;
const clients: TestClient[] = [];

before(async () => {
  server = await startTestServer({ roomPolicy: { joinCreates: false, admins: [] } });
});
after(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  await server.stop();
});

async function guest(nick: string): Promise<TestClient> {
  const client = await TestClient.guest(server.wsUrl, nick);
  clients.push(client);
  return client;
}

const roomNames = async (client: TestClient): Promise<string[]> => ((await client.ok('rooms'))['rooms'] as { room: string }[]).map((entry) => entry.room);

test('a join of an unknown room is not_found; the lobby is made by its first join', async () => {
  const ada = await guest('ada');
  const refused = await ada.request('join', { room: 'nowhere' });
  assert.equal(refused.type, 'error');
  assert.equal(refused['code'], 'not_found');
  assert.match(String(refused['message']), /create/);
  assert.ok(!(await roomNames(ada)).includes('nowhere'), 'nothing was made');
  assert.equal((await ada.ok('join', { room: 'lobby' }))['seq'], 0);
});

test('a public room made with create reaches every connected client at once; a private one does not', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  const announced = bob.next((frame) => frame.type === 'directory', 'the directory push');
  await ada.ok('create', { room: 'garden' });
  const push = await announced;
  assert.deepEqual({ ...push, by: undefined }, { type: 'directory', room: 'garden', event: 'created', private: false, by: undefined });
  assert.equal((push['by'] as { name: string }).name, 'ada');
  await ada.ok('create', { room: 'hideout', private: true });
  await ada.barrier();
  await bob.barrier();
  assert.deepEqual(
    bob.pushes('directory').map((frame) => frame['room']),
    ['garden'],
    'a private room is announced to nobody outside it',
  );
  assert.ok((await roomNames(bob)).includes('garden'));
});

test('the owner archives a room: read-only for everyone, hidden from others, and only the owner may', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  await ada.ok('create', { room: 'attic' });
  await ada.ok('join', { room: 'attic' });
  await bob.ok('join', { room: 'attic' });
  await ada.ok('send', { room: 'attic', text: 'before', cid: 'c1' });
  for (const verb of ['archive', 'destroy']) {
    const refused = await bob.request(verb, { room: 'attic' });
    assert.equal(refused['code'], 'forbidden', `${verb} by a visitor`);
  }
  assert.equal((await bob.request('archive', { room: 'nowhere' }))['code'], 'not_found');
  assert.deepEqual((await ada.ok('archive', { room: 'attic' }))['archived'], true);
  await bob.waitFor('directory', 1, 'attic');
  for (const [verb, params] of [
    ['send', { text: 'after', cid: 'c2' }],
    ['typing', {}],
    ['topic', { topic: 'closed' }],
    ['edit', { seq: 1, text: 'changed' }],
    ['react', { seq: 1, emoji: '👍', on: true }],
  ] as const) {
    const refused = await ada.request(verb, { room: 'attic', ...params });
    assert.equal(refused['code'], 'archived', verb);
  }
  const history = await bob.ok('history', { room: 'attic' });
  assert.deepEqual(
    (history['messages'] as { text: string }[]).map((m) => m.text),
    ['before'],
    'still readable',
  );
  const rejoin = await guest('cy');
  assert.equal((await rejoin.ok('join', { room: 'attic' }))['archived'], true);
  assert.ok(!(await roomNames(bob)).includes('attic'), 'out of the directory');
  const own = ((await ada.ok('rooms'))['rooms'] as { room: string; archived?: boolean }[]).find((entry) => entry.room === 'attic');
  assert.equal(own?.archived, true, 'the owner still finds it, marked archived');
  await ada.ok('archive', { room: 'attic', archived: false });
  assert.equal((await ada.ok('send', { room: 'attic', text: 'again', cid: 'c3' }))['seq'], 2);
});

test('the owner deletes a room: its connections leave it, its history is gone, the name is free', async () => {
  const ada = await guest('ada');
  const bob = await guest('bob');
  const dora = await guest('dora');
  await ada.ok('create', { room: 'shed', topic: 'tools' });
  await ada.ok('join', { room: 'shed' });
  await bob.ok('join', { room: 'shed' });
  await ada.ok('send', { room: 'shed', text: 'the saw is here', cid: 'c1' });
  const gone = dora.next((frame) => frame.type === 'directory' && frame['event'] === 'deleted', 'the deletion push');
  await ada.ok('destroy', { room: 'shed' });
  assert.equal((await gone)['room'], 'shed');
  await bob.waitFor('directory', 2, 'shed');
  assert.equal((await bob.request('send', { room: 'shed', text: 'hello?', cid: 'c2' }))['code'], 'not_member', 'no longer in the room');
  assert.equal((await bob.request('join', { room: 'shed' }))['code'], 'not_found');
  assert.deepEqual((await bob.ok('history', { room: 'shed' }))['messages'], []);
  assert.ok(!(await roomNames(bob)).includes('shed'));
  // The name is free: someone else makes a new room of it, with nothing of the old one.
  await bob.ok('create', { room: 'shed' });
  const fresh = await bob.ok('join', { room: 'shed' });
  assert.equal(fresh['seq'], 0);
  assert.equal(fresh['topic'], undefined);
  assert.equal(fresh['role'], 'owner');
  assert.equal((await ada.request('destroy', { room: 'shed' }))['code'], 'forbidden', 'the old owner owns nothing now');
});

test('a DM cannot be archived or deleted; an admin may archive and delete any room', async () => {
  // An admin is named by user id, known once the account exists: register, then restart with it.
  const first = await startTestServer({ roomPolicy: { joinCreates: false, admins: [] } });
  const admin = await register(first.url, 'root');
  await first.stop({ keepData: true });
  const other = await startTestServer({ dataDir: first.config.dataDir, roomPolicy: { joinCreates: false, admins: [admin.id] } });
  try {
    const ada = await TestClient.guest(other.wsUrl, 'ada');
    const bob = await TestClient.connect(other.wsUrl);
    const root = await TestClient.connect(other.wsUrl);
    clients.push(ada, bob, root);
    const bobId = ((await bob.ok('hello', { nick: 'bob' }))['user'] as { id: string }).id;
    await root.ok('hello', { token: admin.token });
    const dm = String((await ada.ok('dm', { user: bobId }))['room']);
    for (const verb of ['archive', 'destroy']) {
      assert.equal((await ada.request(verb, { room: dm }))['code'], 'forbidden', `${verb} of a DM`);
      assert.equal((await root.request(verb, { room: dm }))['code'], 'forbidden', `${verb} of a DM by an admin`);
    }
    await ada.ok('create', { room: 'cellar', private: true });
    assert.equal((await root.request('join', { room: 'cellar' }))['code'], 'not_member', 'an admin reads no private room');
    await root.ok('archive', { room: 'cellar' });
    await root.ok('destroy', { room: 'cellar' });
    assert.equal((await ada.request('join', { room: 'cellar' }))['code'], 'not_found');
  } finally {
    await other.stop();
  }
});

test('the rooms a user joined follow it to a new connection; a leave, a kick and a deletion end that', async () => {
  const { token } = await register(server.url, 'nina');
  const owner = await guest('olga');
  await owner.ok('create', { room: 'choir' });
  await owner.ok('create', { room: 'band' });
  await owner.ok('create', { room: 'crew' });
  const first = await TestClient.connect(server.wsUrl);
  clients.push(first);
  const nina = ((await first.ok('hello', { token }))['user'] as { id: string }).id;
  for (const room of ['choir', 'band', 'crew']) await first.ok('join', { room });
  await first.close();
  // Another device: nothing joined on this connection yet, and `rooms` says which are hers.
  const second = await TestClient.connect(server.wsUrl);
  clients.push(second);
  await second.ok('hello', { token });
  const joined = async (): Promise<string[]> =>
    ((await second.ok('rooms'))['rooms'] as { room: string; joined?: boolean }[])
      .filter((entry) => entry.joined === true)
      .map((entry) => entry.room)
      .sort();
  assert.deepEqual(await joined(), ['band', 'choir', 'crew']);
  // Leaving from a connection that is not in the room still leaves it for the user.
  await second.ok('leave', { room: 'choir' });
  assert.deepEqual(await joined(), ['band', 'crew']);
  await owner.ok('join', { room: 'band' });
  await owner.ok('kick', { room: 'band', user: nina });
  assert.deepEqual(await joined(), ['crew']);
  await owner.ok('destroy', { room: 'crew' });
  assert.deepEqual(await joined(), []);
  assert.equal((await owner.ok('rooms'))['rooms'] !== undefined, true);
  const others = ((await owner.ok('rooms'))['rooms'] as { room: string; joined?: boolean }[]).find((entry) => entry.room === 'choir');
  assert.equal(others?.joined, undefined, 'joined is per user: the owner never joined choir');
});

test("a leave takes the user's other connections out of the room at once; the leaving one may re-join", async () => {
  const { token } = await register(server.url, 'lena');
  const owner = await guest('oskar');
  await owner.ok('create', { room: 'quay' });
  await owner.ok('join', { room: 'quay' });
  const phone = await TestClient.connect(server.wsUrl);
  const laptop = await TestClient.connect(server.wsUrl);
  clients.push(phone, laptop);
  for (const device of [phone, laptop]) {
    await device.ok('hello', { token });
    await device.ok('join', { room: 'quay' });
  }
  await phone.ok('leave', { room: 'quay' });
  const [left] = await laptop.waitFor('left', 1);
  assert.equal(left?.['room'], 'quay');
  // The laptop is out of the room: it may not send, and hears nothing more from it.
  const refused = await laptop.request('send', { room: 'quay', text: 'still here?', cid: 'l1' });
  assert.equal(refused['code'], 'not_member');
  // The phone joins again right away: its own leave's notice does not undo that.
  await phone.ok('join', { room: 'quay' });
  await owner.ok('send', { room: 'quay', text: 'welcome back', cid: 'o1' });
  const [back] = await phone.waitFor('message', 1, 'quay');
  assert.equal(back?.['text'], 'welcome back');
  await laptop.barrier();
  assert.equal(laptop.pushes('message', 'quay').length, 0, 'the laptop left with the phone');
  await phone.barrier();
  assert.equal(phone.pushes('left').length, 0, 'the leaving connection hears no left of its own');
});
