// The RoomStore contract: every engine runs it. Rooms made implicitly (ensureRoom, an append) or
// with an owner (createRoom, openDm), their settings, and the bounded, visibility-checked `rooms` list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppendRefused } from '../../src/server/store/message-store.js';
import { ada, bob, msg, describeContract, type ContractOptions, type MakeFixture } from './store-fixture.js';

export function runRoomStoreContract(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  describeContract(`RoomStore contract: ${name}`, makeFixture, options, (scene) => {
    test('ensureRoom creates an empty room; roomSeq and listRooms report rooms', async () => {
      const { store } = scene;
      assert.equal(await store.roomSeq('fresh'), 0);
      assert.deepEqual(await store.ensureRoom('fresh', 1_700_000_000_000, ada.id), { room: 'fresh', seq: 0, created: true });
      assert.deepEqual(await store.ensureRoom('fresh', 1_700_000_000_000, bob.id), { room: 'fresh', seq: 0, created: false });
      await store.append(msg('used', 'c1'));
      await store.append(msg('used', 'c2'));
      assert.deepEqual(await store.ensureRoom('used', 1_700_000_000_000), { room: 'used', seq: 2, created: false });
      const rooms = (await store.listRooms(undefined, 100)).rooms.filter((r) => r.room === 'fresh' || r.room === 'used');
      assert.deepEqual(rooms, [
        { room: 'fresh', seq: 0, private: false, dm: false },
        { room: 'used', seq: 2, private: false, dm: false },
      ]);
    });

    test('createRoom makes the creator owner and refuses an existing name', async () => {
      const { store } = scene;
      assert.equal(await store.createRoom({ room: 'club', private: true, topic: 'members only', owner: ada.id, now: 1 }), true);
      assert.equal(await store.createRoom({ room: 'club', private: false, owner: bob.id, now: 2 }), false);
      assert.deepEqual(await store.roomInfo('club'), { room: 'club', seq: 0, private: true, dm: false, topic: 'members only' });
      assert.deepEqual(await store.standing('club', ada.id), { role: 'owner', banned: false, mutedUntil: 0 });
      assert.deepEqual(await store.standing('club', bob.id), { banned: false, mutedUntil: 0 });
      await store.append(msg('implicit', 'c1'));
      assert.equal(await store.createRoom({ room: 'implicit', private: false, owner: bob.id, now: 3 }), false);
      assert.deepEqual(await store.roomInfo('implicit'), { room: 'implicit', seq: 1, private: false, dm: false });
      assert.equal(await store.roomInfo('nowhere'), undefined);
    });

    test('listRooms for a user hides the private rooms it is not a member of', async () => {
      const { store } = scene;
      await store.createRoom({ room: 'secret', private: true, owner: ada.id, now: 1 });
      await store.ensureRoom('open', 1_700_000_000_000);
      await store.openDm('dm-pair', [ada.id, bob.id], 1);
      const names = async (user?: string): Promise<string[]> => (await store.listRooms(user, 100)).rooms.map((r) => r.room);
      assert.deepEqual(await names(ada.id), ['dm-pair', 'open', 'secret']);
      assert.deepEqual(await names(bob.id), ['dm-pair', 'open']);
      assert.deepEqual(await names('u_eve'), ['open']);
      assert.deepEqual(await names(), ['dm-pair', 'open', 'secret']);
      assert.deepEqual(await store.roomInfo('dm-pair'), { room: 'dm-pair', seq: 0, private: true, dm: true });
      assert.equal(await store.openDm('dm-pair', [ada.id, bob.id], 2), false, 'opened again: nothing created');
      assert.equal((await store.standing('dm-pair', bob.id)).role, 'member');
    });

    test('dmPeers names the other user of each DM the user is in, as last recorded', async () => {
      const { store } = scene;
      const cy = { id: 'u_cy', name: 'cy' };
      for (const user of [ada, bob, cy]) await store.recordUser(user, 'account', 1);
      await store.openDm('dm-ab', [ada.id, bob.id], 1);
      await store.openDm('dm-ca', [cy.id, ada.id], 2);
      await store.createRoom({ room: 'club', private: true, owner: ada.id, now: 3 });
      await store.setRole('club', bob.id, 'member', 3);
      await store.recordUser({ id: bob.id, name: 'bobby' }, 'account', 4);
      assert.deepEqual(
        [...(await store.dmPeers(ada.id))].sort(([a], [b]) => a.localeCompare(b)),
        [
          ['dm-ab', { id: bob.id, name: 'bobby' }],
          ['dm-ca', cy],
        ],
      );
      assert.deepEqual([...(await store.dmPeers(bob.id))], [['dm-ab', ada]]);
      assert.deepEqual([...(await store.dmPeers('u_eve'))], []);
    });

    test('setArchived makes a room read-only and lists it only to its members; null opens it again', async () => {
      const { store } = scene;
      await store.createRoom({ room: 'attic', private: false, owner: ada.id, now: 1 });
      await store.append(msg('attic', 'c1', bob));
      assert.equal(await store.setArchived('attic', 5), true);
      assert.equal(await store.setArchived('nowhere', 5), false);
      assert.deepEqual(await store.roomInfo('attic'), { room: 'attic', seq: 1, private: false, dm: false, archived: true });
      await assert.rejects(store.append(msg('attic', 'c2', bob)), (error: unknown) => error instanceof AppendRefused && error.reason === 'archived');
      await assert.rejects(store.append(msg('attic', 'c3', ada)), (error: unknown) => error instanceof AppendRefused && error.reason === 'archived');
      const names = async (user: string): Promise<string[]> => (await store.listRooms(user, 100)).rooms.map((r) => r.room);
      assert.deepEqual(await names(bob.id), [], 'out of the directory');
      assert.deepEqual(await names(ada.id), ['attic'], 'its owner still has it');
      assert.equal(await store.setArchived('attic', null), true);
      assert.deepEqual(await store.roomInfo('attic'), { room: 'attic', seq: 1, private: false, dm: false });
      assert.equal((await store.append(msg('attic', 'c4', bob))).message.seq, 2);
      assert.deepEqual(await names(bob.id), ['attic']);
    });

    test('deleteRoom removes the room and everything stored for it; the name can be made again', async () => {
      const { store } = scene;
      await store.createRoom({ room: 'shed', private: true, topic: 'tools', owner: ada.id, now: 1 });
      await store.setRole('shed', bob.id, 'member', 1);
      await store.append(msg('shed', 'c1'));
      await store.append(msg('shed', 'c2', bob));
      await store.react('shed', 1, bob.id, '👍', true, 2, 20);
      await store.editMessage('shed', 1, 'edited', 3);
      await store.markRead('shed', bob.id, 2);
      await store.setMute('shed', bob.id, 10_000);
      assert.equal(await store.deleteRoom('shed'), true);
      assert.equal(await store.deleteRoom('shed'), false);
      assert.equal(await store.roomInfo('shed'), undefined);
      assert.equal(await store.roomSeq('shed'), 0);
      assert.deepEqual(await store.history('shed', undefined, 50), []);
      assert.deepEqual(await store.standing('shed', ada.id), { banned: false, mutedUntil: 0 });
      assert.deepEqual(await store.standing('shed', bob.id), { banned: false, mutedUntil: 0 });
      assert.equal((await store.readMarkers(bob.id)).get('shed'), undefined);
      assert.deepEqual((await store.listRooms(ada.id, 100)).rooms, []);
      assert.equal(await store.createRoom({ room: 'shed', private: false, owner: bob.id, now: 4 }), true);
      assert.deepEqual(await store.roomInfo('shed'), { room: 'shed', seq: 0, private: false, dm: false });
      assert.equal((await store.append(msg('shed', 'c1'))).message.seq, 1, 'seqs start over; the old cid is not a duplicate');
      assert.equal((await store.message('shed', 1))?.reactions, undefined);
    });

    test('an append that needs its room (existing) is refused, not_found, when the room is gone, and makes nothing', async () => {
      const { store } = scene;
      await store.createRoom({ room: 'barn', private: false, owner: ada.id, now: 1 });
      assert.equal((await store.append({ ...msg('barn', 'c1'), existing: true })).message.seq, 1);
      assert.equal(await store.deleteRoom('barn'), true);
      // As a send in flight while the owner deleted the room: two of them in one batch, and a third alone.
      const refusals = await Promise.allSettled([
        store.append({ ...msg('barn', 'c2'), existing: true }),
        store.append({ ...msg('barn', 'c3', bob), existing: true }),
      ]);
      refusals.push(...(await Promise.allSettled([store.append({ ...msg('never', 'c1'), existing: true })])));
      for (const outcome of refusals) {
        assert.equal(outcome.status, 'rejected');
        assert.ok(outcome.reason instanceof AppendRefused);
        assert.equal(outcome.reason.reason, 'not_found');
      }
      assert.equal(await store.roomInfo('barn'), undefined, 'the room was not made again');
      assert.equal(await store.roomInfo('never'), undefined);
      assert.deepEqual(await store.history('barn', undefined, 50), []);
    });

    test("listRooms is bounded: the user's own rooms first, then the most recently active public ones", async () => {
      const { store } = scene;
      const clock = 1_700_000_000_000;
      // Twelve public rooms, made in order; three of them get a message later, oldest first.
      for (let i = 0; i < 12; i++) await store.ensureRoom(`pub-${String(i).padStart(2, '0')}`, clock + 1 + i, bob.id);
      for (const [n, room] of ['pub-00', 'pub-01', 'pub-02'].entries()) {
        await store.append({ room, cid: `late-${n}`, from: bob, text: 'late', ts: clock + 60_000 + n });
      }
      await store.createRoom({ room: 'mine', private: true, owner: ada.id, now: clock });
      await store.openDm('dm-ada-bob', [ada.id, bob.id], clock);
      await store.createRoom({ room: 'mine-public', private: false, owner: ada.id, now: clock });

      const full = await store.listRooms(ada.id, 100);
      assert.equal(full.truncated, false);
      assert.equal(full.rooms.length, 15);

      const page = await store.listRooms(ada.id, 6);
      assert.equal(page.truncated, true, 'the page says it was cut');
      assert.deepEqual(
        page.rooms.map((r) => r.room),
        ['dm-ada-bob', 'mine', 'mine-public', 'pub-00', 'pub-01', 'pub-02'],
        "ada's own three rooms, then the three public rooms with the latest messages, by name",
      );
      const exact = await store.listRooms(ada.id, 15);
      assert.equal(exact.truncated, false, 'a list that fits exactly is not cut');
      assert.equal(exact.rooms.length, 15);

      const own = await store.listRooms(ada.id, 2);
      assert.equal(own.truncated, true);
      assert.equal(own.rooms.length, 2);
      for (const room of own.rooms) assert.ok(['dm-ada-bob', 'mine', 'mine-public'].includes(room.room), room.room);

      const outsider = await store.listRooms('u_eve', 4);
      assert.equal(outsider.truncated, true);
      assert.deepEqual(
        outsider.rooms.map((r) => r.room).slice(0, 3),
        ['pub-00', 'pub-01', 'pub-02'],
        'the most recently active public rooms come first for anyone',
      );
      assert.ok(!outsider.rooms.some((r) => r.private), 'never a private room of others');
    });

    test('setTopic sets and clears a room topic; an unknown room is false', async () => {
      const { store } = scene;
      await store.ensureRoom('topical', 1_700_000_000_000);
      assert.equal(await store.setTopic('topical', 'plans for Friday'), true);
      assert.equal((await store.roomInfo('topical'))?.topic, 'plans for Friday');
      assert.equal(await store.setTopic('topical', null), true);
      assert.equal((await store.roomInfo('topical'))?.topic, undefined);
      assert.equal(await store.setTopic('no-such-room', 'x'), false);
    });
  });
}
