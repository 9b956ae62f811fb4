// The Presence contract against Redis (each test under its own key prefix), plus node expiry: the
// users of a node that stops refreshing are reported as left by a live node, exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { RedisPresence } from '../../src/server/presence/redis.js';
import type { UserRef } from '../../src/protocol/messages.js';
import { REDIS_URL, redisSkip, uniqueName } from '../support/services.js';
import { ALL, runPresenceContract } from './presence.contract.js';

const skip = await redisSkip();
const log = pino({ level: process.env['PARLEY_TEST_LOG'] ?? 'silent' });

async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

runPresenceContract(
  'RedisPresence',
  () => {
    const prefix = `${uniqueName('t')}:`;
    return Promise.resolve({
      open: () => RedisPresence.open({ url: REDIS_URL, prefix, log }),
      dispose: () => deleteKeys(prefix),
    });
  },
  { shared: true, skip },
);

const ada: UserRef = { id: 'u_ada', name: 'ada' };
const bob: UserRef = { id: 'u_bob', name: 'bob' };

test("RedisPresence: a dead node's users are reported left once, by a live node; the node can come back", { skip }, async () => {
  const prefix = `${uniqueName('t')}:`;
  // `dying` never refreshes in this test (its timer is an hour) and so is dead 300 ms after its last add.
  const dying = await RedisPresence.open({ url: REDIS_URL, prefix, log, ttlMs: 300, refreshMs: 3_600_000 });
  const live = await RedisPresence.open({ url: REDIS_URL, prefix, log, ttlMs: 5000, refreshMs: 100 });
  const other = await RedisPresence.open({ url: REDIS_URL, prefix, log, ttlMs: 5000, refreshMs: 100 });
  const changes: string[] = [];
  const started = Date.now();
  let leftAfter = 0;
  for (const [who, presence] of [
    ['live', live],
    ['other', other],
    ['dying', dying],
  ] as const) {
    presence.onChange((room, user, event) => {
      changes.push(`${who}:${room}:${user.name}:${event}`);
      if (event === 'leave') leftAfter = Date.now() - started;
    });
  }
  try {
    await dying.add('r1', 'c1', ada);
    await dying.add('r1', 'c2', bob);
    await live.add('r1', 'c3', bob); // bob is also on a live node: he stays
    const deadline = Date.now() + 5000;
    while (changes.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // A report of a dead node's users comes only from a live node's sweep, and the listener is
    // called in that sweep: once each live node has run a whole refresh that began after the first
    // report (the second call starts a fresh one once any tick in progress is done), a wrong second
    // report would be here.
    for (const node of [live, other]) {
      await node.refreshNow();
      await node.refreshNow();
    }
    assert.equal(changes.length, 1, `exactly one report: ${changes.join(', ')}`);
    assert.match(changes[0] as string, /^(live|other):r1:ada:leave$/);
    assert.ok(leftAfter > 0);
    assert.deepEqual(await live.members('r1', ALL), [bob]);
    assert.deepEqual(await live.counts(['r1']), [1]);

    // The "dead" node was only cut off: its next refresh registers its connections again.
    await dying.refreshNow();
    assert.deepEqual(changes.slice(1), ['dying:r1:ada:join']);
    assert.deepEqual((await other.members('r1', ALL)).map((u) => u.name).sort(), ['ada', 'bob']);
  } finally {
    await dying.close();
    await live.close();
    await other.close();
    await deleteKeys(prefix);
  }
});
