// The web app's pure text pieces, run in node: message blocks (fenced code, quotes, lists), the
// `@`/`#` partial word and its replacement, search filters, and the unread divider's place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage, SearchOptions, UserRef } from '../../src/client/index.js';
import { blocksOf } from '../../web/src/blocks.js';
import { accept, partialAt, suggestPeople, suggestRooms } from '../../web/src/suggest.js';
import { SEARCH_ROOMS, filterOptions, searchRound } from '../../web/src/search.js';
import { lastEditable, leaveView, openView } from '../../web/src/state/room-view.js';
import { mergeMessages, newRoom, patch } from '../../web/src/state/room.js';

const bob: UserRef = { id: 'u-bob', name: 'Bob' };
const message = (seq: number, text = `m${seq}`, from: UserRef = bob, ts = 1_000 * seq): ChatMessage => ({
  room: 'r',
  seq,
  msgId: `id${seq}`,
  cid: `c${seq}`,
  from,
  text,
  ts,
});

test('text without markup is one block, unchanged', () => {
  assert.deepEqual(blocksOf('a **b**\nc - d'), [{ kind: 'text', text: 'a **b**\nc - d' }]);
});

test('fences, quotes and lists become blocks; code keeps its text; an unclosed fence runs to the end', () => {
  assert.deepEqual(blocksOf('see\n```js\nx = **1**\n```\n> q1\n>q2\n- a\n* b\n1. one\n2) two\nend'), [
    { kind: 'text', text: 'see' },
    { kind: 'code', text: 'x = **1**' },
    { kind: 'quote', text: 'q1\nq2' },
    { kind: 'list', ordered: false, items: ['a', 'b'] },
    { kind: 'list', ordered: true, items: ['one', 'two'] },
    { kind: 'text', text: 'end' },
  ]);
  assert.deepEqual(blocksOf('```a b\nc'), [{ kind: 'code', text: 'a b\nc' }]);
});

test('@ and # at the caret: the partial word, ranked suggestions, and the text with the choice', () => {
  assert.deepEqual(partialAt('hi @bo', 6), { sigil: '@', term: 'bo', start: 3 });
  assert.equal(partialAt('mail a@b', 8), undefined, 'not inside a word');
  assert.deepEqual(partialAt('#', 1), { sigil: '#', term: '', start: 0 });
  const people = suggestPeople([{ id: '1', name: 'Rob' }, bob, { id: '3', name: 'Bea' }], 'b');
  assert.deepEqual(
    people.map((p) => p.label),
    ['Bob', 'Bea', 'Rob'],
  );
  assert.deepEqual(
    suggestRooms(['general', 'dev'], 'ev').map((r) => r.label),
    ['#dev'],
  );
  const partial = partialAt('hi @bo there', 6);
  assert.ok(partial !== undefined && people[0] !== undefined);
  assert.deepEqual(accept('hi @bo there', 6, partial, people[0]), { text: 'hi @Bob there', caret: 8 });
});

test('search rounds go on only where a room has more, asking the server for the same person and dates', async () => {
  const asked: string[] = [];
  const narrowed: unknown[] = [];
  const request = async (room: string, _text: string, options: SearchOptions): Promise<{ messages: ChatMessage[]; from: number }> => {
    asked.push(`${room}:${options.before ?? '-'}`);
    narrowed.push([options.person, options.since]);
    if (options.before !== undefined) return { messages: [], from: 1 };
    return room === 'a' ? { messages: [message(5, 'x', bob, 50)], from: 3 } : { messages: [message(9, 'x', bob, 90)], from: 1 };
  };
  const found = await searchRound(request, 'x', ['a', 'b'], undefined, () => false, { person: ' bo ', since: '2026-01-15', until: '' });
  assert.ok(found !== undefined);
  assert.deepEqual(
    found.found.map((m) => m.ts),
    [90, 50],
  );
  assert.deepEqual([...found.more], [['a', 3]]);
  const older = await searchRound(request, 'x', ['a', 'b'], found, () => false);
  assert.deepEqual(asked, ['a:-', 'b:-', 'a:3'], 'going on asks only the room with more, below where it stopped');
  assert.equal(older?.found.length, 2);
  assert.equal(older.more.size, 0);
  assert.equal(await searchRound(request, 'x', ['a'], undefined, () => true), undefined, 'a newer search stops this one');
  const midnight = new Date(2026, 0, 15).getTime();
  assert.deepEqual(
    narrowed,
    [0, 1, 2].map(() => ['bo', midnight]),
    'every request, the older round too, is narrowed the same way',
  );
  // Local days as times; "until" takes in the whole of its day.
  assert.deepEqual(filterOptions({ person: '', since: '', until: '' }), {});
  assert.deepEqual(filterOptions({ person: 'cleo', since: '2026-01-15', until: '2026-01-15' }), {
    person: 'cleo',
    since: midnight,
    until: new Date(2026, 0, 16).getTime(),
  });
  // More rooms than one round asks: the rest are asked by the next rounds, first in line.
  asked.length = 0;
  const many = Array.from({ length: SEARCH_ROOMS + 3 }, (_, i) => `r${i}`);
  const first = await searchRound(request, 'x', many, undefined, () => false);
  assert.equal(asked.length, SEARCH_ROOMS);
  assert.deepEqual([...(first?.more.keys() ?? [])].slice(0, 3), [`r${SEARCH_ROOMS}`, `r${SEARCH_ROOMS + 1}`, `r${SEARCH_ROOMS + 2}`]);
  await searchRound(request, 'x', many, first, () => false);
  assert.deepEqual(asked.slice(SEARCH_ROOMS), [`r${SEARCH_ROOMS}:-`, `r${SEARCH_ROOMS + 1}:-`, `r${SEARCH_ROOMS + 2}:-`], 'every room is reached');
});

test('opening a room with unread messages places the divider and the jump; leaving clears them', () => {
  const room = patch(
    mergeMessages(
      patch(newRoom('r'), { loaded: true }),
      [1, 2, 3, 4, 5].map((seq) => message(seq)),
    ),
    { unread: 2 },
  );
  const opened = openView(room);
  assert.equal(opened.dividerAfter, 3);
  assert.deepEqual(opened.focus, { seq: 4, why: 'unread' });
  assert.equal(openView(patch(opened, { unread: 0 })).dividerAfter, 3, 'coming back to the page keeps it');
  assert.equal(leaveView(opened).dividerAfter, undefined);
  const plain = patch(room, { unread: 0 });
  assert.equal(openView(plain), plain);
  assert.equal(lastEditable([message(1, 'a', bob), message(2, 'b', { id: 'x', name: 'X' })], bob.id)?.seq, 1);
});
