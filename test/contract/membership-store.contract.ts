// The MembershipStore contract: every engine runs it. Roles, bans and mutes per room and user, and
// the append that obeys them in its own write (banned, then not a member, then muted: refusal.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppendRefused, type NewMessage } from '../../src/server/store/message-store.js';
import { ada, bob, msg, describeContract, type ContractOptions, type MakeFixture } from './store-fixture.js';

export function runMembershipStoreContract(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  describeContract(`MembershipStore contract: ${name}`, makeFixture, options, (scene) => {
    test('roles, bans and mutes are stored per room and user; a ban ends the membership', async () => {
      const { store } = scene;
      await store.createRoom({ room: 'mod', private: true, owner: ada.id, now: 1 });
      await store.setRole('mod', bob.id, 'moderator', 1_700_000_000_000);
      assert.equal((await store.standing('mod', bob.id)).role, 'moderator');
      assert.equal((await store.standing('other', bob.id)).role, undefined);
      await store.setMute('mod', bob.id, 5000);
      assert.equal((await store.standing('mod', bob.id)).mutedUntil, 5000);
      await store.setMute('mod', bob.id, 0);
      assert.equal((await store.standing('mod', bob.id)).mutedUntil, 0);
      await store.setBan('mod', bob.id, true, 10);
      assert.deepEqual(await store.standing('mod', bob.id), { banned: true, mutedUntil: 0 });
      await store.setBan('mod', bob.id, false, 11);
      assert.deepEqual(await store.standing('mod', bob.id), { banned: false, mutedUntil: 0 });
      await store.setRole('mod', bob.id, 'member', 1_700_000_000_000);
      await store.setRole('mod', bob.id, null, 1_700_000_000_000);
      assert.equal((await store.standing('mod', bob.id)).role, undefined);
    });

    test('standingIn reads the room and the standing together, as roomInfo and standing do apart', async () => {
      const { store } = scene;
      assert.equal(await store.standingIn('nowhere', bob.id), undefined);
      await store.createRoom({ room: 'both', private: true, owner: ada.id, now: 1, topic: 'plans' });
      const same = async (userId: string): Promise<void> => {
        assert.deepEqual(await store.standingIn('both', userId), { info: await store.roomInfo('both'), standing: await store.standing('both', userId) });
      };
      await same(ada.id);
      await same(bob.id);
      await store.setRole('both', bob.id, 'moderator', 2);
      await store.setMute('both', bob.id, 5000);
      await same(bob.id);
      assert.equal((await store.standingIn('both', bob.id))?.standing.role, 'moderator');
      await store.setBan('both', bob.id, true, 3);
      await same(bob.id);
      assert.deepEqual((await store.standingIn('both', bob.id))?.standing, { banned: true, mutedUntil: 5000 });
      await store.append(msg('both', 'c1', ada));
      await store.setArchived('both', 4);
      assert.deepEqual((await store.standingIn('both', ada.id))?.info, { room: 'both', seq: 1, private: true, dm: false, topic: 'plans', archived: true });
    });

    test('append refuses banned, muted and non-member senders and stores nothing', async () => {
      const { store } = scene;
      await store.createRoom({ room: 'guarded', private: true, owner: ada.id, now: 1 });
      const refused = async (message: NewMessage, reason: string): Promise<void> => {
        await assert.rejects(store.append(message), (error: unknown) => error instanceof AppendRefused && error.reason === reason);
      };
      await refused(msg('guarded', 'x1', bob), 'not_member');
      await store.setRole('guarded', bob.id, 'member', 1_700_000_000_000);
      await store.setMute('guarded', bob.id, 1_700_000_000_001);
      await refused(msg('guarded', 'x2', bob), 'muted');
      await store.setMute('guarded', bob.id, 1_700_000_000_000); // over at the message's ts
      assert.equal((await store.append(msg('guarded', 'x3', bob))).message.seq, 1);
      await store.setBan('guarded', bob.id, true, 2);
      // Refused ones next to an accepted one in the same batch: only the accepted one is stored.
      const [banned, fine] = await Promise.allSettled([store.append(msg('guarded', 'x4', bob)), store.append(msg('guarded', 'a1', ada))]);
      assert.equal(banned.status, 'rejected');
      assert.equal(fine.status === 'fulfilled' ? fine.value.message.seq : 0, 2);
      const stored = await store.after('guarded', 0, 10);
      assert.deepEqual(
        stored.map((m) => m.cid),
        ['x3', 'a1'],
      );
      assert.equal(await store.roomSeq('guarded'), 2);
      // A retry of a message stored before the ban is still recognised as that message.
      const retry = await store.append(msg('guarded', 'x3', bob));
      assert.equal(retry.duplicate, true);
    });

    test('a mute or ban set later in a public room made by append holds for the next append', async () => {
      const { store } = scene;
      await store.append(msg('later', 'a1', bob));
      await store.setMute('later', bob.id, 1_700_000_000_001);
      await assert.rejects(store.append(msg('later', 'a2', bob)), (error: unknown) => error instanceof AppendRefused && error.reason === 'muted');
      await store.setMute('later', bob.id, 0);
      await store.append(msg('later', 'a3', bob));
      await store.ensureRoom('later-2', 1_700_000_000_000);
      await store.setBan('later-2', bob.id, true, 1);
      await assert.rejects(store.append(msg('later-2', 'b1', bob)), (error: unknown) => error instanceof AppendRefused && error.reason === 'banned');
      assert.deepEqual(
        (await store.after('later', 0, 10)).map((m) => m.cid),
        ['a1', 'a3'],
      );
      assert.equal(await store.roomSeq('later-2'), 0);
    });
  });
}
