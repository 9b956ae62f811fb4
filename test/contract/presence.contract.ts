// The Presence contract: every Presence implementation runs this suite (memory-presence.test.ts,
// redis-presence.test.ts). A shared implementation also runs the part where two instances stand in
// for two server processes.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Presence } from '../../src/server/presence/presence.js';
import type { UserRef } from '../../src/protocol/messages.js';

export interface PresenceFixture {
  open(): Promise<Presence>;
  dispose(): Promise<void>;
}

const ada: UserRef = { id: 'u_ada', name: 'ada' };
const bob: UserRef = { id: 'u_bob', name: 'bob' };
/** A limit above any room in these tests: members() then lists everyone. */
export const ALL = 10_000;
const byId = (users: UserRef[]): UserRef[] => [...users].sort((x, y) => x.id.localeCompare(y.id));

export function runPresenceContract(name: string, makeFixture: () => Promise<PresenceFixture>, options: { shared: boolean; skip?: string | undefined }): void {
  describe(`Presence contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: PresenceFixture;
    const opened: Presence[] = [];
    const open = async (): Promise<Presence> => {
      const presence = await fixture.open();
      opened.push(presence);
      return presence;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      for (const presence of opened.splice(0)) await presence.close();
      await fixture.dispose();
    });

    test("a user is present from the first connection's add to the last one's remove", async () => {
      const presence = await open();
      assert.equal(await presence.add('r1', 'c1', ada), true, 'first connection');
      assert.equal(await presence.add('r1', 'c2', ada), false, 'second connection of the same user');
      assert.equal(await presence.add('r1', 'c1', ada), false, 'the same connection again');
      assert.equal(await presence.add('r1', 'c3', bob), true);
      assert.deepEqual(byId(await presence.members('r1', ALL)), [ada, bob]);
      assert.equal(await presence.remove('r1', 'c1', ada.id), false, 'ada still has c2');
      assert.deepEqual(byId(await presence.members('r1', ALL)), [ada, bob]);
      assert.equal(await presence.remove('r1', 'c2', ada.id), true, 'last connection');
      assert.equal(await presence.remove('r1', 'c2', ada.id), false, 'removing twice');
      assert.deepEqual(await presence.members('r1', ALL), [bob]);
    });

    test('rooms are separate; counts are per room and zero for unknown rooms', async () => {
      const presence = await open();
      await presence.add('r1', 'c1', ada);
      await presence.add('r1', 'c2', ada);
      await presence.add('r1', 'c3', bob);
      await presence.add('r2', 'c1', ada);
      assert.deepEqual(await presence.counts(['r1', 'r2', 'nowhere']), [2, 1, 0]);
      assert.deepEqual(await presence.counts([]), []);
      assert.equal(await presence.remove('r2', 'c3', bob.id), false, 'bob was never in r2');
      assert.deepEqual(await presence.members('r2', ALL), [ada]);
      assert.deepEqual(await presence.members('nowhere', ALL), []);
    });

    test('members stops at the limit: distinct users of the room, as many as asked for', async () => {
      const presence = await open();
      const crowd = Array.from({ length: 1500 }, (_, i) => ({ id: `u${i}`, name: `user ${i}` }));
      for (const [i, user] of crowd.entries()) {
        await presence.add('big', `c${i}`, user);
        if (i % 3 === 0) await presence.add('big', `c${i}-again`, user);
      }
      await presence.add('other', 'x', ada);
      const ids = new Set(crowd.map((user) => user.id));
      for (const limit of [1, 10, 1000, 1500, 5000]) {
        const some = await presence.members('big', limit);
        assert.equal(some.length, Math.min(limit, crowd.length), `limit ${limit}`);
        assert.equal(new Set(some.map((user) => user.id)).size, some.length, 'each user once');
        for (const user of some) assert.ok(ids.has(user.id) && user.name === `user ${user.id.slice(1)}`, `${user.id} is in the room`);
      }
      assert.deepEqual(await presence.counts(['big']), [1500]);
    });

    if (options.shared) {
      test("one user's connections on two processes count as one member", async () => {
        const a = await open();
        const b = await open();
        assert.equal(await a.add('r1', 'c1', ada), true);
        assert.equal(await b.add('r1', 'c2', ada), false, 'already present through the other process');
        assert.deepEqual(await b.members('r1', ALL), [ada]);
        assert.deepEqual(await a.counts(['r1']), [1]);
        assert.equal(await a.remove('r1', 'c1', ada.id), false);
        assert.equal(await b.remove('r1', 'c2', ada.id), true, 'gone from every process');
        assert.deepEqual(await a.members('r1', ALL), []);
      });
    }
  });
}
