// The MessageStore contract: every engine runs it (sqlite-store.test.ts, postgres-store.test.ts).
// It states what the chat service relies on: gapless per-room seq from 1 under any concurrency,
// dedupe by (room, user, cid) even within one batch and across store instances, history, recovery
// and search windows, edits, tombstones and reactions, and a close that loses nothing accepted before it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppendRefused, ReactionsFull } from '../../src/server/store/message-store.js';
import { ada, bob, msg, range, describeContract, type ContractOptions, type MakeFixture } from './store-fixture.js';

export function runMessageStoreContract(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  describeContract(`MessageStore contract: ${name}`, makeFixture, options, (scene) => {
    test('seq starts at 1 in each room and has no gaps', async () => {
      const { store } = scene;
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
      const { store } = scene;
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
      const { store } = scene;
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
      const { store } = scene;
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
      const { store } = scene;
      const [a, b, c] = await Promise.all([store.append(msg('twins', 'x')), store.append(msg('twins', 'x')), store.append(msg('twins', 'y'))]);
      assert.equal(a?.duplicate, false);
      assert.equal(b?.duplicate, true);
      assert.deepEqual(b?.message, a?.message);
      assert.equal(c?.message.seq, 2);
      assert.equal((await store.after('twins', 0, 10)).length, 2);
    });

    test('two store instances on one database share seq and dedupe', async () => {
      const { store } = scene;
      const other = await scene.open();
      const results = await Promise.all(range(1, 100).flatMap((i) => [store.append(msg('shared', `c${i}`)), other.append(msg('shared', `c${i}`))]));
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
      const { store } = scene;
      for (let i = 1; i <= 120; i++) await store.append(msg('hist', `c${i}`));
      const seqs = async (before: number | undefined, limit: number): Promise<number[]> => (await store.history('hist', before, limit)).map((m) => m.seq);
      assert.deepEqual(await seqs(undefined, 50), range(71, 120));
      assert.deepEqual(await seqs(71, 50), range(21, 70));
      assert.deepEqual(await seqs(21, 50), range(1, 20));
      assert.deepEqual(await seqs(1, 50), []);
      assert.deepEqual(await seqs(5, 2), [3, 4]);
      assert.deepEqual(await store.history('nowhere', undefined, 50), []);
    });

    test('after returns what follows a seq, ascending, up to a limit', async () => {
      const { store } = scene;
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

    test('edits keep revisions; a delete leaves a tombstone; reads show the current state', async () => {
      const { store } = scene;
      await store.append(msg('edits', 'c1', ada, 'first'));
      await store.append(msg('edits', 'c2', bob, 'other'));
      assert.equal(await store.editMessage('edits', 1, 'second', 2000), true);
      assert.equal(await store.editMessage('edits', 1, 'third', 3000), true);
      assert.deepEqual(await scene.fixture.storedRevisions('edits', 1), [
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
      assert.deepEqual(await scene.fixture.storedRevisions('edits', 1), [], 'the old texts are gone too');
      assert.equal(other?.deleted, undefined);
      assert.equal(other?.text, 'other');
      assert.equal((await store.message('edits', 1))?.deleted, true);
      assert.equal(await store.message('edits', 3), undefined);
    });

    test('reactions count per emoji, once per user, and show in reads', async () => {
      const { store } = scene;
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
      const { store } = scene;
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
      const { store } = scene;
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

    test('search narrows by part of the author name (any case, literal wildcards) and by time, [since, until)', async () => {
      const { store } = scene;
      const cleo = { id: 'u_cleo', name: 'Cleo_Bo%' };
      const sent: [typeof ada, number][] = [
        [ada, 1000],
        [bob, 2000],
        [cleo, 3000],
        [bob, 4000],
      ];
      for (const [i, [from, ts]] of sent.entries()) await store.append({ ...msg('narrow', `n${i}`, from, 'standup notes'), ts });
      const found = async (filter: { person?: string; since?: number; until?: number }): Promise<number[]> =>
        (await store.search('narrow', 'standup', 1, 100, 10, filter)).map((m) => m.seq);
      assert.deepEqual(await found({}), [4, 3, 2, 1]);
      assert.deepEqual(await found({ person: 'BO' }), [4, 3, 2], 'bob, and Cleo_Bo% (contains bo)');
      assert.deepEqual(await found({ person: 'o_b' }), [3], 'a part of the name, case folded');
      assert.deepEqual(await found({ person: 'bo%' }), [3], '% is literal');
      assert.deepEqual(await found({ person: 'b_b' }), [], '_ matches no other character');
      assert.deepEqual(await found({ since: 2000 }), [4, 3, 2], 'since is inclusive');
      assert.deepEqual(await found({ until: 3000 }), [2, 1], 'until is exclusive');
      assert.deepEqual(await found({ person: 'bob', since: 2500, until: 5000 }), [4]);
    });

    test('search: edits and deletes are seen at once, short and long patterns, wildcards and case are literal', async () => {
      const { store } = scene;
      const texts = ['Ab the first', 'xy: 50% off_today', 'back\\slash and "quotes"', 'MiXeD CaSe words', 'to be deleted: zebra', 'to be edited: giraffe', 'a'];
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
      const { store } = scene;
      await store.append(msg('replies', 'q1', ada, 'question'));
      const answer = await store.append({ ...msg('replies', 'a1', bob, 'answer'), replyTo: 1 });
      assert.ok(!(answer instanceof AppendRefused));
      assert.equal(answer.message.replyTo, 1);
      const again = await store.append({ ...msg('replies', 'a1', bob, 'answer'), replyTo: 1 });
      assert.ok(!(again instanceof AppendRefused) && again.duplicate && again.message.replyTo === 1);
      const plain = await store.append(msg('replies', 'p1'));
      assert.ok(!(plain instanceof AppendRefused) && !('replyTo' in plain.message), 'no replyTo field when it answers nothing');
      assert.deepEqual(
        (await store.history('replies', undefined, 10)).map((m) => m.replyTo),
        [undefined, 1, undefined],
      );
      assert.deepEqual(
        (await store.after('replies', 1, 10)).map((m) => m.replyTo),
        [1, undefined],
      );
      assert.equal((await store.message('replies', 2))?.replyTo, 1);
    });

    test("thread replies carry their root's seq everywhere; a root carries its live replies' count, last time and repliers", async () => {
      const { store } = scene;
      await store.append(msg('threads', 'root', ada, 'the root'));
      await store.append(msg('threads', 'other', ada, 'not a root'));
      const first = await store.append({ ...msg('threads', 't1', bob, 'first reply'), thread: 1 });
      assert.ok(!(first instanceof AppendRefused));
      assert.deepEqual([first.message.thread, first.message.alsoInRoom], [1, undefined]);
      const shown = await store.append({ ...msg('threads', 't2', ada, 'also in the room'), thread: 1, alsoInRoom: true });
      assert.ok(!(shown instanceof AppendRefused) && shown.message.alsoInRoom === true);
      const again = await store.append({ ...msg('threads', 't1', bob, 'first reply'), thread: 1 });
      assert.ok(!(again instanceof AppendRefused) && again.duplicate && again.message.thread === 1);
      await store.append({ ...msg('threads', 't3', bob, 'to be deleted'), thread: 1 });
      assert.ok(await store.deleteMessage('threads', 5, 10));

      const history = await store.history('threads', undefined, 10);
      assert.deepEqual(
        history.map((m) => [m.seq, m.thread, m.alsoInRoom]),
        [
          [1, undefined, undefined],
          [2, undefined, undefined],
          [3, 1, undefined],
          [4, 1, true],
          [5, 1, undefined],
        ],
      );
      const root = history[0];
      assert.deepEqual({ count: root?.replies?.count, lastTs: root?.replies?.lastTs }, { count: 2, lastTs: 1_700_000_000_000 });
      assert.deepEqual([...(root?.replies?.users ?? [])].sort(), [ada.id, bob.id].sort());
      assert.equal(history[1]?.replies, undefined);
      assert.deepEqual((await store.message('threads', 1))?.replies?.count, 2);
      // The root's summary comes with it whatever page it is on: the replies are after it.
      assert.equal((await store.history('threads', 2, 1))[0]?.replies?.count, 2);
      assert.deepEqual(
        (await store.thread('threads', 1, 0, 10)).map((m) => [m.seq, m.deleted === true]),
        [
          [3, false],
          [4, false],
          [5, true],
        ],
      );
      assert.deepEqual(
        (await store.thread('threads', 1, 3, 1)).map((m) => m.seq),
        [4],
      );
      assert.deepEqual(await store.thread('threads', 2, 0, 10), []);
      assert.deepEqual(
        (await store.after('threads', 2, 10)).map((m) => m.thread),
        [1, 1, 1],
      );
    });

    test('close writes the appends it accepted, and later appends are refused', async () => {
      const { store } = scene;
      const pending = range(1, 20).map((i) => store.append(msg('closing', `c${i}`)));
      await store.close();
      const results = await Promise.all(pending);
      assert.deepEqual(
        results.map((r) => r.message.seq),
        range(1, 20),
      );
      await assert.rejects(store.append(msg('closing', 'late')));
      const reopened = await scene.open();
      assert.equal(await reopened.roomSeq('closing'), 20);
      assert.equal((await reopened.after('closing', 0, 100)).length, 20);
    });
  });
}
