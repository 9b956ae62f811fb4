// The DocStore contract (store/doc-store.ts), run by sqlite-collab.test.ts and postgres-collab.test.ts.
// Updates here are opaque bytes: the store never reads them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CollabStore } from '../../src/server/store/doc-store.js';
import { freshCollabPerTest, type CollabFixture, type MakeCollabFixture } from './collab-fixture.js';

const NOW = 1_700_000_000_000;
const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

export function runDocStoreContract(name: string, makeFixture: MakeCollabFixture, options: { skip?: string | undefined } = {}): void {
  describe(`DocStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: CollabFixture;
    let store: CollabStore;
    freshCollabPerTest(makeFixture, (f, s) => {
      fixture = f;
      store = s;
    });

    test('updates come back in append order, per room, with rising ids', async () => {
      // One after the other: ids rise with completed appends (concurrent ones may commit in any order).
      const ids = [await store.appendUpdate('a', bytes(1), NOW), await store.appendUpdate('b', bytes(2), NOW), await store.appendUpdate('a', bytes(3, 4), NOW)];
      assert.ok((ids[0] ?? 0) < (ids[1] ?? 0) && (ids[1] ?? 0) < (ids[2] ?? 0), `ids ${ids.join(',')}`);
      const doc = await store.loadDoc('a');
      assert.equal(doc.snapshot, undefined);
      assert.deepEqual(
        doc.updates.map((stored) => [...stored.update]),
        [[1], [3, 4]],
      );
      assert.equal(doc.bytes, 3);
      assert.deepEqual(
        (await store.updatesAfter('a', ids[0] ?? 0)).map((stored) => stored.id),
        [ids[2]],
      );
      assert.deepEqual((await store.loadDoc('none')).updates, []);
    });

    test('compaction merges into the snapshot and drops exactly the updates it was given', async () => {
      const first = await store.appendUpdate('a', bytes(1), NOW);
      const second = await store.appendUpdate('a', bytes(2), NOW);
      let seen: Uint8Array | undefined = bytes(99);
      await store.compact('a', [first, second], (current) => ((seen = current), bytes(1, 2)), NOW);
      assert.equal(seen, undefined, 'no snapshot before the first compaction');
      const late = await store.appendUpdate('a', bytes(3), NOW);
      // A second compactor that read only `late` keeps what the first one merged.
      await store.compact('a', [late], (current) => new Uint8Array([...(current ?? []), 3]), NOW);
      const doc = await store.loadDoc('a');
      assert.deepEqual([...(doc.snapshot ?? [])], [1, 2, 3]);
      assert.deepEqual(doc.updates, []);
      assert.equal(doc.bytes, 3);
    });

    test('an update appended after the compactor read the document survives it', async () => {
      const first = await store.appendUpdate('a', bytes(1), NOW);
      const later = await store.appendUpdate('a', bytes(2), NOW);
      await store.compact('a', [first], () => bytes(1), NOW);
      assert.deepEqual(
        (await store.loadDoc('a')).updates.map((stored) => stored.id),
        [later],
      );
    });

    test('versions are listed, read back and kept per room', async () => {
      const id = await store.saveVersion('a', 'draft', bytes(7, 7), 'u_ada', NOW);
      await store.saveVersion('b', 'other', bytes(8), 'auto', NOW + 1);
      assert.deepEqual(await store.listVersions('a'), [{ id, name: 'draft', by: 'u_ada', createdAt: NOW, bytes: 2 }]);
      assert.deepEqual([...((await store.version('a', id)) ?? [])], [7, 7]);
      assert.equal(await store.version('b', id), undefined, 'another room’s id');
    });

    test('a lock holds until lifted; dropping a document drops all of it', async () => {
      assert.equal(await store.docLocked('a'), false);
      await store.setDocLocked('a', true);
      await store.setDocLocked('a', true);
      assert.equal(await store.docLocked('a'), true);
      assert.equal(await store.docLocked('b'), false);
      await store.setDocLocked('a', false);
      assert.equal(await store.docLocked('a'), false);
      await store.appendUpdate('a', bytes(1), NOW);
      await store.saveVersion('a', 'v', bytes(1), 'u_ada', NOW);
      await store.setDocLocked('a', true);
      await store.dropDoc('a');
      assert.deepEqual((await store.loadDoc('a')).updates, []);
      assert.deepEqual(await store.listVersions('a'), []);
      assert.equal(await store.docLocked('a'), false);
    });

    test('concurrent appends all resolve with distinct ids, and all are stored', async () => {
      const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendUpdate('c', bytes(i), NOW)));
      assert.equal(new Set(ids).size, 20);
      assert.deepEqual(
        (await store.loadDoc('c')).updates.map((stored) => stored.id).sort((x, y) => x - y),
        [...ids].sort((x, y) => x - y),
      );
    });

    test('an appended update is there for another connection, and after a reopen', async () => {
      await store.appendUpdate('a', bytes(5), NOW);
      const other = await fixture.open();
      try {
        assert.deepEqual(
          (await other.loadDoc('a')).updates.map((stored) => [...stored.update]),
          [[5]],
        );
      } finally {
        await other.close();
      }
    });
  });
}
