// The ThreadFollowStore contract: every engine runs it. Following is idempotent, a thread's marker is
// capped at its room and never moves back, and the list counts live replies by others as unread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ada, bob, msg, describeContract, type ContractOptions, type MakeFixture } from './store-fixture.js';

export function runThreadFollowStoreContract(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  describeContract(`ThreadFollowStore contract: ${name}`, makeFixture, options, (scene) => {
    test('followed threads: idempotent follows, replies and unread by others, markers capped and never moved back', async () => {
      const { store } = scene;
      const T = 1_700_000_000_000;
      await store.append(msg('follow', 'root', ada, 'root'));
      await store.append(msg('follow', 'quiet', ada, 'a root nobody answers'));
      await store.followThread('follow', 1, ada.id, T);
      await store.followThread('follow', 2, ada.id, T + 1);
      await store.followThread('follow', 1, ada.id, T + 2);
      await store.append({ ...msg('follow', 'b1', bob, 'reply 1'), thread: 1 });
      await store.append({ ...msg('follow', 'b2', bob, 'reply 2'), thread: 1 });
      await store.append({ ...msg('follow', 'a1', ada, 'my own reply'), thread: 1 });
      await store.followThread('follow', 1, bob.id, T);
      assert.deepEqual(await store.followedThreads(ada.id, 10), [
        { room: 'follow', root: 1, replies: 3, unread: 2, read: 0, lastSeq: 5 },
        { room: 'follow', root: 2, replies: 0, unread: 0, read: 0, lastSeq: 0 },
      ]);
      assert.equal(await store.markThreadRead('follow', 1, ada.id, 3, T), 3);
      assert.equal(await store.markThreadRead('follow', 1, ada.id, 2, T), 3, 'a marker never moves back');
      assert.deepEqual((await store.followedThreads(ada.id, 1))[0], { room: 'follow', root: 1, replies: 3, unread: 1, read: 3, lastSeq: 5 });
      assert.equal(await store.markThreadRead('follow', 1, ada.id, 99, T), 5, 'capped at the room seq');
      assert.equal((await store.followedThreads(ada.id, 1))[0]?.unread, 0);
      assert.ok(await store.deleteMessage('follow', 4, T + 5));
      assert.equal((await store.followedThreads(bob.id, 10))[0]?.replies, 2, 'a deleted reply is not counted');
      // Reading a thread one does not follow yet follows it.
      assert.equal(await store.markThreadRead('follow', 2, bob.id, 2, T), 2);
      assert.equal((await store.followedThreads(bob.id, 10)).length, 2);
      assert.equal(await store.markThreadRead('no-such-room', 1, bob.id, 1, T), 0);
      assert.deepEqual(await store.followedThreads('nobody', 10), []);
      assert.ok(await store.deleteRoom('follow'));
      assert.deepEqual(await store.followedThreads(ada.id, 10), [], 'a deleted room takes its follows');
    });
  });
}
