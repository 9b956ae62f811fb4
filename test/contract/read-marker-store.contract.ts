// The ReadMarkerStore contract: every engine runs it. A marker is capped at its room and never moves back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ada, bob, msg, describeContract, type ContractOptions, type MakeFixture } from './store-fixture.js';

export function runReadMarkerStoreContract(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  describeContract(`ReadMarkerStore contract: ${name}`, makeFixture, options, (scene) => {
    test('read markers: capped at the room, never moved back, per user and room', async () => {
      const { store } = scene;
      for (const cid of ['r1', 'r2', 'r3']) await store.append(msg('reading', cid));
      assert.equal(await store.markRead('reading', ada.id, 2), 2);
      assert.equal(await store.markRead('reading', ada.id, 1), 2, 'a marker never moves back');
      assert.equal(await store.markRead('reading', ada.id, 99), 3, 'capped at the room seq');
      assert.equal(await store.markRead('reading', bob.id, 1), 1);
      assert.equal(await store.markRead('no-such-room', ada.id, 5), 0);
      await store.ensureRoom('other-reading', 1_700_000_000_000);
      assert.equal(await store.markRead('other-reading', ada.id, 4), 0, 'an empty room caps at 0');
      assert.deepEqual([...(await store.readMarkers(ada.id))].sort(), [
        ['other-reading', 0],
        ['reading', 3],
      ]);
      assert.deepEqual([...(await store.readMarkers(bob.id))], [['reading', 1]]);
      assert.deepEqual([...(await store.readMarkers('nobody'))], []);
    });
  });
}
