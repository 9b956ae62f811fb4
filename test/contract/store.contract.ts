// The Store contract: every Store implementation runs this suite (see sqlite-store.test.ts and
// postgres-store.test.ts). It states what the chat service relies on: gapless per-room seq from 1
// under any concurrency, dedupe by (room, user, cid) even within one batch and across store
// instances, history and recovery windows, and a close that loses nothing accepted before it.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { AppendRefused, ReactionsFull, type Store, type NewMessage } from '../../src/server/store/store.js';
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
      assert.deepEqual(await store.ensureRoom('fresh', ada.id), { room: 'fresh', seq: 0, created: true });
      assert.deepEqual(await store.ensureRoom('fresh', bob.id), { room: 'fresh', seq: 0, created: false });
      await store.append(msg('used', 'c1'));
      await store.append(msg('used', 'c2'));
      assert.deepEqual(await store.ensureRoom('used'), { room: 'used', seq: 2, created: false });
      const rooms = (await store.listRooms(undefined, 100)).rooms.filter((r) => r.room === 'fresh' || r.room === 'used');
      assert.deepEqual(rooms, [
        { room: 'fresh', seq: 0, private: false, dm: false },
        { room: 'used', seq: 2, private: false, dm: false },
      ]);
    });

    test('recordUser may be called again for the same user', async () => {
      await store.recordUser(ada, 'guest');
      await store.recordUser({ id: ada.id, name: 'ada2' }, 'guest');
    });

    test('createRoom makes the creator owner and refuses an existing name', async () => {
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
      await store.createRoom({ room: 'secret', private: true, owner: ada.id, now: 1 });
      await store.ensureRoom('open');
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

    test('listRooms is bounded: the user\'s own rooms first, then the most recently active public ones', async () => {
      const clock = 1_700_000_000_000;
      // Twelve public rooms, made in order; three of them get a message later, oldest first.
      for (let i = 0; i < 12; i++) await store.ensureRoom(`pub-${String(i).padStart(2, '0')}`, bob.id);
      for (const [n, room] of ['pub-00', 'pub-01', 'pub-02'].entries()) {
        await store.append({ room, cid: `late-${n}`, from: bob, text: 'late', ts: Date.now() + 60_000 + n });
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

    test('roles, bans and mutes are stored per room and user; a ban ends the membership', async () => {
      await store.createRoom({ room: 'mod', private: true, owner: ada.id, now: 1 });
      await store.setRole('mod', bob.id, 'moderator');
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
      await store.setRole('mod', bob.id, 'member');
      await store.setRole('mod', bob.id, null);
      assert.equal((await store.standing('mod', bob.id)).role, undefined);
    });

    test('append refuses banned, muted and non-member senders and stores nothing', async () => {
      await store.createRoom({ room: 'guarded', private: true, owner: ada.id, now: 1 });
      const refused = async (message: NewMessage, reason: string): Promise<void> => {
        await assert.rejects(store.append(message), (error: unknown) => error instanceof AppendRefused && error.reason === reason);
      };
      await refused(msg('guarded', 'x1', bob), 'not_member');
      await store.setRole('guarded', bob.id, 'member');
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
      assert.deepEqual(stored.map((m) => m.cid), ['x3', 'a1']);
      assert.equal(await store.roomSeq('guarded'), 2);
      // A retry of a message stored before the ban is still recognised as that message.
      const retry = await store.append(msg('guarded', 'x3', bob));
      assert.equal(retry.duplicate, true);
    });

    test('a mute or ban set later in a public room made by append holds for the next append', async () => {
      await store.append(msg('later', 'a1', bob));
      await store.setMute('later', bob.id, 1_700_000_000_001);
      await assert.rejects(store.append(msg('later', 'a2', bob)), (error: unknown) => error instanceof AppendRefused && error.reason === 'muted');
      await store.setMute('later', bob.id, 0);
      await store.append(msg('later', 'a3', bob));
      await store.ensureRoom('later-2');
      await store.setBan('later-2', bob.id, true, 1);
      await assert.rejects(store.append(msg('later-2', 'b1', bob)), (error: unknown) => error instanceof AppendRefused && error.reason === 'banned');
      assert.deepEqual((await store.after('later', 0, 10)).map((m) => m.cid), ['a1', 'a3']);
      assert.equal(await store.roomSeq('later-2'), 0);
    });

    test('edits keep revisions; a delete leaves a tombstone; reads show the current state', async () => {
      await store.append(msg('edits', 'c1', ada, 'first'));
      await store.append(msg('edits', 'c2', bob, 'other'));
      assert.equal(await store.editMessage('edits', 1, 'second', 2000), true);
      assert.equal(await store.editMessage('edits', 1, 'third', 3000), true);
      assert.deepEqual(await store.revisions('edits', 1), [
        { text: 'first', editedAt: 1_700_000_000_000 },
        { text: 'second', editedAt: 2000 },
      ]);
      const [edited] = await store.history('edits', undefined, 1).then(() => store.after('edits', 0, 1));
      assert.equal(edited?.text, 'third');
      assert.equal(edited?.editedAt, 3000);
      assert.equal(await store.editMessage('edits', 9, 'nope', 1), false);
      assert.equal(await store.deleteMessage('edits', 1, 4000), true);
      assert.equal(await store.deleteMessage('edits', 1, 5000), false, 'a tombstone is not deleted twice');
      assert.equal(await store.editMessage('edits', 1, 'back', 6000), false, 'a tombstone is not edited');
      const [tombstone, other] = await store.history('edits', undefined, 10);
      assert.equal(tombstone?.deleted, true);
      assert.equal(tombstone?.text, '');
      assert.equal(tombstone?.editedAt, undefined);
      assert.deepEqual(await store.revisions('edits', 1), [], 'the old texts are gone too');
      assert.equal(other?.deleted, undefined);
      assert.equal(other?.text, 'other');
      assert.equal((await store.message('edits', 1))?.deleted, true);
      assert.equal(await store.message('edits', 3), undefined);
    });

    test('reactions count per emoji, once per user, and show in reads', async () => {
      await store.append(msg('react', 'c1'));
      await store.append(msg('react', 'c2'));
      assert.deepEqual(await store.react('react', 1, ada.id, '👍', true, 1, 20), { count: 1, changed: true });
      assert.deepEqual(await store.react('react', 1, ada.id, '👍', true, 2, 20), { count: 1, changed: false });
      assert.deepEqual(await store.react('react', 1, bob.id, '👍', true, 3, 20), { count: 2, changed: true });
      assert.deepEqual(await store.react('react', 1, bob.id, '🎉', true, 4, 20), { count: 1, changed: true });
      assert.deepEqual(await store.react('react', 1, ada.id, '👍', false, 5, 20), { count: 1, changed: true });
      assert.deepEqual(await store.react('react', 1, ada.id, '👍', false, 6, 20), { count: 1, changed: false });
      assert.equal(await store.react('react', 7, ada.id, '👍', true, 7, 20), undefined);
      const [first, second] = await store.history('react', undefined, 10);
      assert.deepEqual(first?.reactions, [
        { emoji: '👍', count: 1, users: [bob.id] },
        { emoji: '🎉', count: 1, users: [bob.id] },
      ]);
      assert.equal(second?.reactions, undefined);
      assert.deepEqual((await store.message('react', 1))?.reactions, first?.reactions);
      await store.deleteMessage('react', 1, 8);
      assert.equal((await store.message('react', 1))?.reactions, undefined);
      assert.equal(await store.react('react', 1, ada.id, '👍', true, 9, 20), undefined, 'no reactions on a tombstone');
    });

    test('a message takes at most maxEmoji different emoji; the known ones still count up', async () => {
      await store.append(msg('emoji', 'c1'));
      await store.append(msg('emoji', 'c2'));
      const emoji = ['a', 'b', 'c', 'd'];
      for (const e of emoji) assert.deepEqual(await store.react('emoji', 1, ada.id, e, true, 1, 4), { count: 1, changed: true });
      await assert.rejects(store.react('emoji', 1, ada.id, 'e', true, 2, 4), (error: unknown) => error instanceof ReactionsFull && error.limit === 4);
      await assert.rejects(store.react('emoji', 1, bob.id, 'e', true, 2, 4), ReactionsFull, 'the bound is per message, not per user');
      assert.deepEqual(await store.react('emoji', 1, bob.id, 'a', true, 3, 4), { count: 2, changed: true }, 'an emoji already there is fine');
      assert.deepEqual(await store.react('emoji', 1, bob.id, 'e', false, 3, 4), { count: 0, changed: false }, 'removing is never refused');
      assert.deepEqual(await store.react('emoji', 2, ada.id, 'e', true, 4, 4), { count: 1, changed: true }, 'another message has its own bound');
      // Concurrent new emoji on one message cannot pass the bound between them.
      await store.react('emoji', 1, ada.id, 'd', false, 5, 4);
      const racing = await Promise.allSettled(['x', 'y', 'z'].map((e) => store.react('emoji', 1, bob.id, e, true, 6, 4)));
      assert.equal(racing.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(racing.every((r) => r.status === 'fulfilled' || r.reason instanceof ReactionsFull));
      const [first] = await store.history('emoji', 2, 1);
      assert.equal(first?.reactions?.length, 4);
      // Freed by removing the last user of an emoji.
      await store.react('emoji', 1, ada.id, 'c', false, 7, 4);
      assert.deepEqual(await store.react('emoji', 1, ada.id, 'q', true, 8, 4), { count: 1, changed: true });
    });

    test('search finds live messages containing the text, newest first, within the window it is given', async () => {
      const texts = ['Deploy on Friday', 'lunch?', 'deploy failed: 100% of _tests_', 'friday it is', 'DEPLOY again', 'a\\b'];
      for (const [i, text] of texts.entries()) await store.append(msg('searching', `s${i}`, ada, text));
      const found = async (text: string, from = 1, before = 100, limit = 10): Promise<number[]> =>
        (await store.search('searching', text, from, before, limit)).map((m) => m.seq);
      assert.deepEqual(await found('deploy'), [5, 3, 1], 'case-insensitive, newest first');
      assert.deepEqual(await found('deploy', 1, 100, 2), [5, 3], 'limit');
      assert.deepEqual(await found('deploy', 2, 5), [3], 'only seqs in [from, before)');
      assert.deepEqual(await found('100%'), [3], '% is literal');
      assert.deepEqual(await found('_tests_'), [3], '_ is literal');
      assert.deepEqual(await found('a_b'), [], '_ matches no other character');
      assert.deepEqual(await found('a\\b'), [6], 'a backslash is literal');
      assert.deepEqual(await found('nothing like it'), []);
      await store.deleteMessage('searching', 5, 1_700_000_000_500);
      assert.deepEqual(await found('deploy'), [3, 1], 'a deleted message is not found');
      await store.editMessage('searching', 2, 'lunch at the deploy party', 1_700_000_000_600);
      const [edited] = await store.search('searching', 'party', 1, 100, 10);
      assert.deepEqual([edited?.seq, edited?.text, edited?.from.name], [2, 'lunch at the deploy party', 'ada'], 'the current text, whole');
      assert.deepEqual(await store.search('no-such-room', 'deploy', 1, 100, 10), []);
      // Results come newest first; the reactions of each come with it, as in history.
      await store.react('searching', 1, bob.id, '👍', true, 1_700_000_000_700, 20);
      await store.react('searching', 3, ada.id, '🎉', true, 1_700_000_000_800, 20);
      const reacted = await store.search('searching', 'deploy', 1, 100, 10);
      assert.deepEqual(
        reacted.map((m) => [m.seq, m.reactions?.map((r) => `${r.emoji}${r.count}`)]),
        [
          [3, ['🎉1']],
          [2, undefined],
          [1, ['👍1']],
        ],
      );
    });

    test('search: edits and deletes are seen at once, short and long patterns, wildcards and case are literal', async () => {
      const texts = [
        'Ab the first',
        'xy: 50% off_today',
        'back\\slash and "quotes"',
        'MiXeD CaSe words',
        'to be deleted: zebra',
        'to be edited: giraffe',
        'a',
      ];
      for (const [i, text] of texts.entries()) await store.append(msg('search2', `t${i}`, ada, text));
      const found = async (text: string, from = 1, before = 100, limit = 10): Promise<number[]> =>
        (await store.search('search2', text, from, before, limit)).map((m) => m.seq);
      assert.deepEqual(await found('a'), [7, 6, 5, 4, 3, 2, 1], 'one character, case-insensitive');
      assert.deepEqual(await found('AB'), [1], 'two characters, case-insensitive');
      assert.deepEqual(await found('fF'), [6, 2]);
      assert.deepEqual(await found('mixed case'), [4], 'three or more characters, case-insensitive');
      assert.deepEqual(await found('MIXED CASE WORDS'), [4]);
      assert.deepEqual(await found('%'), [2], '% alone is literal');
      assert.deepEqual(await found('_'), [2], '_ alone is literal');
      assert.deepEqual(await found('0% off_t'), [2], '% and _ in a longer pattern are literal');
      assert.deepEqual(await found('0%_off'), [], '% and _ match no other characters');
      assert.deepEqual(await found('k\\s'), [3], 'a backslash is literal');
      assert.deepEqual(await found('\\'), [3]);
      assert.deepEqual(await found('"quotes"'), [3], 'double quotes are literal');
      assert.deepEqual(await found('s"'), [3]);
      assert.deepEqual(await found('the firsts'), [], 'every character counts, not only some of them');
      assert.deepEqual(await found('first the'), [], 'order counts');
      await store.deleteMessage('search2', 5, 1_700_000_000_100);
      assert.deepEqual(await found('zebra'), [], 'a deleted message is not found by its text');
      assert.deepEqual(await found('ze'), []);
      await store.editMessage('search2', 6, 'now it says: hippo', 1_700_000_000_200);
      assert.deepEqual(await found('giraffe'), [], 'an edited message is not found by its old text');
      assert.deepEqual(await found('gi'), []);
      assert.deepEqual(await found('hippo'), [6], 'an edited message is found by its new text');
      assert.deepEqual(await found('ppo'), [6]);
      await store.editMessage('search2', 6, 'and again: okapi', 1_700_000_000_300);
      assert.deepEqual([await found('hippo'), await found('okapi')], [[], [6]], 'a second edit replaces the first');
      assert.deepEqual(await found('the', 2, 100), [], 'the window bounds the search');
      assert.deepEqual(await found('the', 1, 2), [1]);
      // Other rooms' messages are never found.
      await store.append(msg('search2-other', 'o1', ada, 'Ab the first'));
      assert.deepEqual(await found('ab the'), [1]);
    });

    test('a reply keeps the seq it answers, in the append result, history, after and message', async () => {
      await store.append(msg('replies', 'q1', ada, 'question'));
      const answer = await store.append({ ...msg('replies', 'a1', bob, 'answer'), replyTo: 1 });
      assert.ok(!(answer instanceof AppendRefused));
      assert.equal(answer.message.replyTo, 1);
      const again = await store.append({ ...msg('replies', 'a1', bob, 'answer'), replyTo: 1 });
      assert.ok(!(again instanceof AppendRefused) && again.duplicate && again.message.replyTo === 1);
      const plain = await store.append(msg('replies', 'p1'));
      assert.ok(!(plain instanceof AppendRefused) && !('replyTo' in plain.message), 'no replyTo field when it answers nothing');
      assert.deepEqual((await store.history('replies', undefined, 10)).map((m) => m.replyTo), [undefined, 1, undefined]);
      assert.deepEqual((await store.after('replies', 1, 10)).map((m) => m.replyTo), [1, undefined]);
      assert.equal((await store.message('replies', 2))?.replyTo, 1);
    });

    test('setTopic sets and clears a room topic; an unknown room is false', async () => {
      await store.ensureRoom('topical');
      assert.equal(await store.setTopic('topical', 'plans for Friday'), true);
      assert.equal((await store.roomInfo('topical'))?.topic, 'plans for Friday');
      assert.equal(await store.setTopic('topical', null), true);
      assert.equal((await store.roomInfo('topical'))?.topic, undefined);
      assert.equal(await store.setTopic('no-such-room', 'x'), false);
    });

    test('read markers: capped at the room, never moved back, per user and room', async () => {
      for (const cid of ['r1', 'r2', 'r3']) await store.append(msg('reading', cid));
      assert.equal(await store.markRead('reading', ada.id, 2), 2);
      assert.equal(await store.markRead('reading', ada.id, 1), 2, 'a marker never moves back');
      assert.equal(await store.markRead('reading', ada.id, 99), 3, 'capped at the room seq');
      assert.equal(await store.markRead('reading', bob.id, 1), 1);
      assert.equal(await store.markRead('no-such-room', ada.id, 5), 0);
      await store.ensureRoom('other-reading');
      assert.equal(await store.markRead('other-reading', ada.id, 4), 0, 'an empty room caps at 0');
      assert.deepEqual([...(await store.readMarkers(ada.id))].sort(), [['other-reading', 0], ['reading', 3]]);
      assert.deepEqual([...(await store.readMarkers(bob.id))], [['reading', 1]]);
      assert.deepEqual([...(await store.readMarkers('nobody'))], []);
    });

    test('findUser finds recorded users only', async () => {
      await store.recordUser(ada, 'guest');
      assert.deepEqual(await store.findUser(ada.id), ada);
      assert.equal(await store.findUser('u_nobody'), undefined);
    });

    test('createAccount stores an account once per username; findAccount reads it back', async () => {
      const account = { user: { id: 'u_acc1', name: 'carol' }, username: 'carol', passwordHash: '$argon2id$fake' };
      assert.equal(await store.createAccount(account, 1_700_000_000_000), true);
      assert.deepEqual(await store.findAccount('carol'), account);
      const twin = { user: { id: 'u_acc2', name: 'carol' }, username: 'carol', passwordHash: '$argon2id$other' };
      assert.equal(await store.createAccount(twin, 1_700_000_000_001), false, 'the username is taken');
      assert.deepEqual(await store.findAccount('carol'), account, 'the first account is unchanged');
      assert.equal(await store.findAccount('nobody'), undefined);
      await store.recordUser({ id: 'g_guest', name: 'dave' }, 'guest');
      assert.equal(await store.findAccount('dave'), undefined, 'a guest is not an account');
    });

    test('auth sessions are found by hash until they expire or are deleted', async () => {
      const carol = { id: 'u_carol', name: 'carol' };
      await store.createAccount({ user: carol, username: 'carol', passwordHash: 'h' }, 1000);
      await store.createAuthSession({ tokenHash: 'hash-a', userId: carol.id, createdAt: 1000, expiresAt: 5000 });
      await store.createAuthSession({ tokenHash: 'hash-b', userId: carol.id, createdAt: 1000, expiresAt: 9000 });
      assert.deepEqual(await store.findAuthSession('hash-a', 4999), carol);
      assert.equal(await store.findAuthSession('hash-a', 5000), undefined, 'expired at expiresAt');
      assert.equal(await store.findAuthSession('unknown', 0), undefined);
      assert.equal(await store.deleteAuthSession('hash-b'), true);
      assert.equal(await store.findAuthSession('hash-b', 2000), undefined, 'revoked at once');
      assert.equal(await store.deleteAuthSession('hash-b'), false);
      assert.equal(await store.pruneAuthSessions(6000), 1, 'the expired one is pruned');
      assert.equal(await store.pruneAuthSessions(6000), 0);
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
