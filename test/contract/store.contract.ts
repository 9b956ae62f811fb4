// The Store contract: every Store implementation runs this suite (see sqlite-store.test.ts and
// postgres-store.test.ts). It states what the chat service relies on: gapless per-room seq from 1
// under any concurrency, dedupe by (room, user, cid) even within one batch and across store
// instances, history and recovery windows, and a close that loses nothing accepted before it.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Store, NewMessage } from '../../src/server/store/store.js';
import type { UserRef } from '../../src/protocol/messages.js';

/** A fresh, empty database for one test, which may be opened several times (as several processes would). */
export interface StoreFixture {
  /** Opens a Store on this fixture's database. */
  open(): Promise<Store>;
  /** Removes the database; every store opened on it has been closed. */
  dispose(): Promise<void>;
}

const ada: UserRef = { id: 'u_ada', name: 'ada' };
const bob: UserRef = { id: 'u_bob', name: 'bob' };

const msg = (room: string, cid: string, from: UserRef = ada, text = `text of ${cid}`): NewMessage => ({
  room,
  cid,
  from,
  text,
  ts: 1_700_000_000_000,
});

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function runStoreContract(
  name: string,
  makeFixture: () => Promise<StoreFixture>,
  options: { skip?: string | undefined } = {},
): void {
  describe(`Store contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: StoreFixture;
    let store: Store;
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      const s = await fixture.open();
      opened.push(s);
      return s;
    };

    beforeEach(async () => {
      fixture = await makeFixture();
      store = await open();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await fixture.dispose();
    });

    test('seq starts at 1 in each room and has no gaps', async () => {
      for (let i = 1; i <= 5; i++) {
        const { message, duplicate } = await store.append(msg('alpha', `a${i}`));
        assert.equal(message.seq, i);
        assert.equal(duplicate, false);
      }
      const first = await store.append(msg('beta', 'b1'));
      assert.equal(first.message.seq, 1, 'another room counts on its own');
      assert.equal(await store.roomSeq('alpha'), 5);
      assert.equal(await store.roomSeq('beta'), 1);
    });

    test('an appended message comes back whole', async () => {
      const { message } = await store.append(msg('whole', 'c1', bob, 'héllo ✓'));
      assert.equal(message.room, 'whole');
      assert.equal(message.cid, 'c1');
      assert.deepEqual(message.from, bob);
      assert.equal(message.text, 'héllo ✓');
      assert.equal(message.ts, 1_700_000_000_000);
      assert.match(message.msgId, /^[A-Za-z0-9_-]{8,}$/);
      const [read] = await store.after('whole', 0, 10);
      assert.deepEqual(read, message);
    });

    test('concurrent appends to one room get gapless seqs and resolve in seq order', async () => {
      const resolved: number[] = [];
      const results = await Promise.all(
        range(1, 200).map((i) =>
          store.append(msg('busy', `c${i}`, i % 2 === 0 ? ada : bob)).then((result) => {
            resolved.push(result.message.seq);
            return result;
          }),
        ),
      );
      assert.deepEqual(
        results.map((r) => r.message.seq).sort((x, y) => x - y),
        range(1, 200),
      );
      assert.deepEqual(resolved, range(1, 200), 'appends resolve in seq order');
      assert.deepEqual(
        (await store.after('busy', 0, 500)).map((m) => m.seq),
        range(1, 200),
      );
    });

    test('a repeated (room, user, cid) returns the first message and stores nothing', async () => {
      const first = await store.append(msg('dedupe', 'same', ada, 'first'));
      const again = await store.append(msg('dedupe', 'same', ada, 'second text is ignored'));
      assert.equal(again.duplicate, true);
      assert.deepEqual(again.message, first.message);
      const otherUser = await store.append(msg('dedupe', 'same', bob));
      assert.equal(otherUser.duplicate, false, 'the cid belongs to one user');
      assert.equal(otherUser.message.seq, 2);
      const otherRoom = await store.append(msg('dedupe-2', 'same', ada));
      assert.equal(otherRoom.duplicate, false, 'the cid belongs to one room');
      assert.equal(await store.roomSeq('dedupe'), 2);
    });

    test('a cid repeated within one batch is stored once', async () => {
      const [a, b, c] = await Promise.all([
        store.append(msg('twins', 'x')),
        store.append(msg('twins', 'x')),
        store.append(msg('twins', 'y')),
      ]);
      assert.equal(a?.duplicate, false);
      assert.equal(b?.duplicate, true);
      assert.deepEqual(b?.message, a?.message);
      assert.equal(c?.message.seq, 2);
      assert.equal((await store.after('twins', 0, 10)).length, 2);
    });

    test('two store instances on one database share seq and dedupe', async () => {
      const other = await open();
      const results = await Promise.all(
        range(1, 100).flatMap((i) => [store.append(msg('shared', `c${i}`)), other.append(msg('shared', `c${i}`))]),
      );
      const fresh = results.filter((r) => !r.duplicate);
      assert.equal(fresh.length, 100, 'each cid stored once across instances');
      assert.deepEqual(
        fresh.map((r) => r.message.seq).sort((x, y) => x - y),
        range(1, 100),
      );
      for (let i = 0; i < results.length; i += 2) {
        assert.equal(results[i]?.message.msgId, results[i + 1]?.message.msgId, 'both callers get the same message');
      }
      assert.deepEqual(
        (await other.after('shared', 0, 500)).map((m) => m.seq),
        range(1, 100),
      );
    });

    test('history returns windows before a seq, ascending', async () => {
      for (let i = 1; i <= 120; i++) await store.append(msg('hist', `c${i}`));
      const seqs = async (before: number | undefined, limit: number): Promise<number[]> =>
        (await store.history('hist', before, limit)).map((m) => m.seq);
      assert.deepEqual(await seqs(undefined, 50), range(71, 120));
      assert.deepEqual(await seqs(71, 50), range(21, 70));
      assert.deepEqual(await seqs(21, 50), range(1, 20));
      assert.deepEqual(await seqs(1, 50), []);
      assert.deepEqual(await seqs(5, 2), [3, 4]);
      assert.deepEqual(await store.history('nowhere', undefined, 50), []);
    });

    test('after returns what follows a seq, ascending, up to a limit', async () => {
      for (let i = 1; i <= 30; i++) await store.append(msg('aft', `c${i}`));
      assert.deepEqual(
        (await store.after('aft', 10, 5)).map((m) => m.seq),
        range(11, 15),
      );
      assert.deepEqual(
        (await store.after('aft', 0, 100)).map((m) => m.seq),
        range(1, 30),
      );
      assert.deepEqual(await store.after('aft', 30, 10), []);
      assert.deepEqual(await store.after('nowhere', 0, 10), []);
    });

    test('ensureRoom creates an empty room; roomSeq and listRooms report rooms', async () => {
      assert.equal(await store.roomSeq('fresh'), 0);
      assert.deepEqual(await store.ensureRoom('fresh'), { room: 'fresh', seq: 0 });
      await store.append(msg('used', 'c1'));
      await store.append(msg('used', 'c2'));
      assert.deepEqual(await store.ensureRoom('used'), { room: 'used', seq: 2 });
      const rooms = (await store.listRooms()).filter((r) => r.room === 'fresh' || r.room === 'used');
      assert.deepEqual(rooms, [
        { room: 'fresh', seq: 0 },
        { room: 'used', seq: 2 },
      ]);
    });

    test('recordUser may be called again for the same user', async () => {
      await store.recordUser(ada, 'guest');
      await store.recordUser({ id: ada.id, name: 'ada2' }, 'guest');
    });

    test('close writes the appends it accepted, and later appends are refused', async () => {
      const pending = range(1, 20).map((i) => store.append(msg('closing', `c${i}`)));
      await store.close();
      const results = await Promise.all(pending);
      assert.deepEqual(
        results.map((r) => r.message.seq),
        range(1, 20),
      );
      await assert.rejects(store.append(msg('closing', 'late')));
      const reopened = await open();
      assert.equal(await reopened.roomSeq('closing'), 20);
      assert.equal((await reopened.after('closing', 0, 100)).length, 20);
    });
  });
}
