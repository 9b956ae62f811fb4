// Rooms are a bounded resource: creating them (create, dm, or a join of a new name) is limited per
// user and per client address over time, and a `rooms` reply lists a bounded page however many
// rooms exist. Real server processes and real sockets; "another address" is 127.0.0.2.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { killAllServers, spawnServer } from '../support/process.js';
import { startTestServer, tempDataDir } from '../support/server.js';
import { TestClient, type Frame } from '../support/client.js';
import { rssKiB } from '../support/raw-ws.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';

after(killAllServers);

async function guestFrom(wsUrl: string, nick: string, localAddress: string): Promise<TestClient> {
  const client = await TestClient.connect(wsUrl, undefined, { localAddress });
  await client.ok('hello', { nick });
  return client;
}

const codes = (replies: Frame[]): string[] => replies.map((reply) => (reply.type === 'ok' ? 'ok' : String(reply['code'])));

test('a flood of joins of new names is refused past the per-user and per-address quotas; another address still creates and chats', async () => {
  const server = await spawnServer({
    env: {
      // Only the room quotas: the request buckets are off so that they cannot be what refuses.
      PARLEY_RATE_LIMITS: 'on',
      PARLEY_RATE_CONN_SEND: 'off',
      PARLEY_RATE_CONN_OTHER: 'off',
      PARLEY_RATE_USER_SEND: 'off',
      PARLEY_RATE_USER_OTHER: 'off',
      PARLEY_ROOMS_PER_USER_PER_HOUR: '5',
      PARLEY_ROOMS_PER_IP_PER_HOUR: '12',
    },
  });
  const pid = server.child.pid ?? 0;
  const clients: TestClient[] = [];
  try {
    const attacker = await guestFrom(server.wsUrl, 'flood', '127.0.0.1');
    clients.push(attacker);
    const rssBefore = rssKiB(pid);
    // Pipelined: every join is in flight at once, so the quota must hold under concurrency.
    const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => attacker.request('join', { room: `flood-${i}` })));
    assert.equal(codes(flood).filter((code) => code === 'ok').length, 5, 'five new rooms per user');
    const refused = flood.filter((reply) => reply.type === 'error');
    assert.equal(refused.length, 35);
    for (const reply of refused) {
      assert.equal(reply['code'], 'room_quota');
      assert.match(String(reply['message']), /5 rooms per hour per user/);
      assert.ok(Number(reply['retryAfterMs']) > 0 && Number(reply['retryAfterMs']) <= 3_600_000, 'says when to retry');
    }
    const made = flood.filter((reply) => reply.type === 'ok').map((reply) => String(reply['room']));
    // A room that exists costs nothing to join, quota or not.
    await attacker.ok('leave', { room: made[0] });
    await attacker.ok('join', { room: made[0] });

    // New guest users from the same address: the address quota (12) holds, whatever the user ids.
    const more: Frame[] = [];
    for (let n = 0; n < 4; n++) {
      const sock = await guestFrom(server.wsUrl, `flood${n}`, '127.0.0.1');
      clients.push(sock);
      more.push(...(await Promise.all(Array.from({ length: 5 }, (_, i) => sock.request('join', { room: `more-${n}-${i}` })))));
    }
    assert.equal(codes(more).filter((code) => code === 'ok').length, 7, '12 per address, 5 of them used already');
    assert.ok(
      more.some((reply) => /from one address/.test(String(reply['message']))),
      'the address quota is named',
    );
    const last = clients.at(-1) as TestClient;
    const create = await last.request('create', { room: 'flood-owned' });
    assert.equal(create['code'], 'room_quota', '`create` counts against the same quota');

    // An honest user at another address creates a room, joins the attacker's, and chats.
    const honest = await guestFrom(server.wsUrl, 'honest', '127.0.0.2');
    const friend = await guestFrom(server.wsUrl, 'friend', '127.0.0.2');
    clients.push(honest, friend);
    await honest.ok('create', { room: 'honest-room' });
    await honest.ok('join', { room: 'honest-room' });
    await friend.ok('join', { room: 'honest-room' });
    await honest.ok('join', { room: made[1] });
    await honest.ok('send', { room: 'honest-room', text: 'still here', cid: 'h1' });
    const [pushed] = await friend.waitFor('message', 1, 'honest-room');
    assert.equal(pushed?.['text'], 'still here');

    const listed = await honest.ok('rooms');
    assert.equal((listed['rooms'] as unknown[]).length, 12 + 1, 'twelve rooms from the flood address, one honest');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /parley_room_limits_total\{limit="rooms_per_user"\} (\d+)/);
    assert.match(metrics, /parley_room_limits_total\{limit="rooms_per_ip"\} (\d+)/);
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
    assert.equal(server.child.exitCode, null, 'the same process is alive');
    const grownKiB = rssKiB(pid) - rssBefore;
    process.stderr.write(`room flood: server RSS +${(grownKiB / 1024).toFixed(1)} MiB\n`);
    assert.ok(grownKiB < 50 * 1024, `memory stayed bounded (${grownKiB} kB more)`);
  } finally {
    for (const client of clients) await client.close();
    await server.stop();
  }
});

test('a creation that creates nothing is given back: repeated create of an existing name, joins and DMs of existing rooms', async () => {
  const server = await startTestServer({ roomLimits: { perUserPerHour: 2, perIpPerHour: 100, listLimit: 500, maxReactionsPerMessage: 20 } });
  const ada = await TestClient.guest(server.wsUrl, 'ada');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  try {
    await ada.ok('create', { room: 'first' });
    for (let i = 0; i < 5; i++) {
      const again = await ada.request('create', { room: 'first' });
      assert.equal(again['code'], 'room_exists');
      await ada.ok('join', { room: 'first' });
      await ada.ok('leave', { room: 'first' });
    }
    const bobId = ((await bob.ok('join', { room: 'first' }))['members'] as { id: string; name: string }[]).find((member) => member.name === 'bob')?.id;
    assert.ok(bobId !== undefined);
    await ada.ok('dm', { user: bobId }); // the second (and last) room ada may create
    await ada.ok('dm', { user: bobId }); // opened again: nothing created, nothing charged
    const third = await ada.request('join', { room: 'third' });
    assert.equal(third['code'], 'room_quota', 'two rooms made: the refunds kept the count right');
    assert.equal((await bob.request('join', { room: 'bobs' }))['type'], 'ok', 'another user has its own quota');
  } finally {
    await ada.close();
    await bob.close();
    await server.stop();
  }
});

test('the rooms reply is bounded however many rooms exist: own rooms first, then the recently active, and says it was cut', async () => {
  const dataDir = tempDataDir();
  const rooms = 20_000;
  // Seeded through the store itself, into the server's own database file (20,000 joins would
  // only take longer to make the same rows).
  const seed = new SqliteStore({ file: join(dataDir, 'parley.db'), synchronous: 'normal' });
  const seededAt = Date.now();
  await Promise.all(Array.from({ length: rooms }, (_, i) => seed.ensureRoom(`seed-${String(i).padStart(5, '0')}`, seededAt, 'g_seed')));
  await seed.close();

  const replyBytes = async (client: TestClient): Promise<{ bytes: number; reply: Frame }> => {
    let bytes = 0;
    const size = (data: Buffer): void => {
      bytes = Math.max(bytes, data.length);
    };
    client.ws.on('message', size);
    const reply = await client.ok('rooms');
    client.ws.off('message', size);
    return { bytes, reply };
  };

  try {
    const unbounded = await startTestServer({ dataDir, roomLimits: { perUserPerHour: 0, perIpPerHour: 0, listLimit: 100_000, maxReactionsPerMessage: 20 } });
    const everything = await TestClient.guest(unbounded.wsUrl, 'all');
    const before = await replyBytes(everything);
    assert.equal((before.reply['rooms'] as unknown[]).length, rooms);
    await everything.close();
    await unbounded.stop({ keepData: true });

    const server = await startTestServer({ dataDir });
    assert.equal(server.config.roomLimits.listLimit, 500, 'the documented default');
    const ada = await TestClient.guest(server.wsUrl, 'ada');
    const bob = await TestClient.guest(server.wsUrl, 'bob');
    try {
      await ada.ok('create', { room: 'ada-private', private: true });
      // An old public room becomes the most recently active by getting a message.
      await bob.ok('join', { room: 'seed-00007' });
      await bob.ok('send', { room: 'seed-00007', text: 'wake up', cid: 'w1' });
      const after = await replyBytes(ada);
      const listed = after.reply['rooms'] as { room: string }[];
      assert.equal(listed.length, 500);
      assert.equal(after.reply['truncated'], true);
      const names = listed.map((room) => room.room);
      assert.ok(names.includes('ada-private'), "the user's own room is listed");
      assert.ok(names.includes('seed-00007'), 'the most recently active public room is listed');
      assert.deepEqual(names, [...names].sort(), 'in name order');
      assert.ok(before.bytes > 1_000_000, `unbounded: ${before.bytes} bytes for ${rooms} rooms`);
      assert.ok(after.bytes < 64 * 1024, `bounded: ${after.bytes} bytes`);
      process.stdout.write(`# rooms reply with ${rooms} rooms: ${before.bytes} bytes unbounded, ${after.bytes} bytes with the default limit\n`);
      const other = await bob.ok('rooms');
      assert.equal((other['rooms'] as unknown[]).length, 500, 'every user gets a page, not the whole list');
      assert.ok(!(other['rooms'] as { room: string }[]).some((room) => room.room === 'ada-private'));
    } finally {
      await ada.close();
      await bob.close();
      await server.stop({ keepData: true });
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a rooms list that fits has no truncated field', async () => {
  const server = await startTestServer();
  const ada = await TestClient.guest(server.wsUrl, 'ada');
  try {
    await ada.ok('join', { room: 'only' });
    const reply = await ada.ok('rooms');
    assert.equal(reply['truncated'], undefined);
    assert.deepEqual(
      (reply['rooms'] as { room: string }[]).map((room) => room.room),
      ['only'],
    );
  } finally {
    await ada.close();
    await server.stop();
  }
});
