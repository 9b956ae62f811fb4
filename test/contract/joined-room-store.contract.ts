// The JoinedRoomStore contract: every engine runs it. What a user joined is per user, idempotent,
// undone by a leave, and gone with a deleted room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ada, bob, describeContract, type ContractOptions, type MakeFixture } from './store-fixture.js';

export function runJoinedRoomStoreContract(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  describeContract(`JoinedRoomStore contract: ${name}`, makeFixture, options, (scene) => {
    test('joined rooms: per user, joined twice is once, a leave undoes it, seen by another store on the database', async () => {
      const { store } = scene;
      await store.ensureRoom('porch', 1);
      await store.ensureRoom('yard', 1);
      assert.equal(await store.hasJoined('porch', ada.id), false);
      await store.markJoined('porch', ada.id, 2);
      await store.markJoined('porch', ada.id, 3);
      await store.markJoined('yard', ada.id, 3);
      await store.markJoined('yard', bob.id, 3);
      assert.equal(await store.hasJoined('porch', ada.id), true);
      assert.equal(await store.hasJoined('porch', bob.id), false);
      assert.deepEqual([...(await store.joinedRooms(ada.id))].sort(), ['porch', 'yard']);
      await store.markLeft('porch', ada.id, 3);
      await store.markLeft('porch', bob.id, 3);
      assert.deepEqual([...(await store.joinedRooms(ada.id))], ['yard']);
      const other = await scene.open();
      assert.deepEqual([...(await other.joinedRooms(bob.id))], ['yard'], 'another store on the same database');
      await store.deleteRoom('yard');
      assert.deepEqual([...(await store.joinedRooms(ada.id))], []);
      assert.deepEqual([...(await store.joinedRooms('nobody'))], []);
    });
  });
}
