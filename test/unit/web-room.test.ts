// The web app's per-room updates (web/src/state), run in node: each is a function from one room
// state to the next, so they are checked without a browser. Besides what each update does, the
// tests hold the property the message list relies on to draw only what changed: an update keeps
// every message object it did not touch, and returns the same room when nothing changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage, JoinedEvent, UserRef } from '../../src/client/index.js';
import {
  applyGap,
  applyJoined,
  applyOlder,
  applyPresence,
  applyRead,
  applyReadMarker,
  applyRecent,
  applyTyping,
  expireTyping,
  findLoaded,
  markViewed,
  mergeMessages,
  newRoom,
  onlineCount,
  pendingOf,
  receiveMessage,
  typingNames,
  TYPING_MS,
  type RoomState,
} from '../../web/src/state/room.js';
import { applyRoomEvent } from '../../web/src/state/room-events.js';
import { mentionsMe } from '../../web/src/state/mention.js';
import { documentTitle, labelOf, titleOf, type AppState } from '../../web/src/state/app.js';

const ada: UserRef = { id: 'u-ada', name: 'ada' };
const bob: UserRef = { id: 'u-bob', name: 'bob' };

function message(seq: number, text = `m${seq}`, from: UserRef = bob, room = 'r'): ChatMessage {
  return { room, seq, msgId: `id${seq}`, cid: `c${seq}`, from, text, ts: 1_000 * seq };
}

function roomWith(...seqs: number[]): RoomState {
  return mergeMessages(
    newRoom('r'),
    seqs.map((seq) => message(seq)),
  );
}

const seqs = (room: RoomState): number[] => room.messages.map((m) => m.seq);
const elsewhere = { mine: false, inView: false, mention: false };

test('an appended message keeps every earlier message object; a merge sorts, replaces by seq and drops duplicates', () => {
  const before = roomWith(1, 2, 3);
  const after = mergeMessages(before, [message(4)]);
  assert.deepEqual(seqs(after), [1, 2, 3, 4]);
  before.messages.forEach((m, i) => assert.equal(after.messages[i], m));
  const merged = mergeMessages(after, [message(2, 'again'), message(0 + 6), message(5)]);
  assert.deepEqual(seqs(merged), [1, 2, 3, 4, 5, 6]);
  assert.equal(merged.messages[1]?.text, 'again');
  assert.equal(merged.messages[0], before.messages[0]);
  assert.equal(mergeMessages(after, []), after, 'nothing incoming: the same room');
  assert.deepEqual(seqs(mergeMessages(newRoom('r'), [message(3), message(1), message(3)])), [1, 3]);
});

test('a live message out of view counts unread (and mentions); in view or mine it does not; its author stops typing', () => {
  const typing = applyTyping(roomWith(1), bob, 0);
  assert.deepEqual(typingNames(typing, 1), ['bob']);
  const away = receiveMessage(typing, message(2), { ...elsewhere, mention: true });
  assert.equal(away.unread, 1);
  assert.equal(away.mentions, 1);
  assert.deepEqual(typingNames(away, 1), []);
  assert.equal(receiveMessage(away, message(3), elsewhere).mentions, 1);
  const looking = receiveMessage(away, message(3), { ...elsewhere, inView: true });
  assert.equal(looking.unread, 1);
  const mine = receiveMessage(away, message(3, 'hi', ada), { ...elsewhere, mine: true });
  assert.equal(mine.unread, 1);
  assert.deepEqual(seqs(mine), [1, 2, 3]);
});

test('viewing a room clears its counts; a room with nothing unread is returned as it is', () => {
  const unread = receiveMessage(roomWith(1), message(2), { ...elsewhere, mention: true });
  const viewed = markViewed(unread);
  assert.equal(viewed.unread, 0);
  assert.equal(viewed.mentions, 0);
  assert.equal(markViewed(viewed), viewed);
});

function joined(seq: number, members: UserRef[], online = members.length): JoinedEvent {
  return { room: 'r', seq, members, online, recovered: false, rejoin: false, access: { private: false, dm: true } };
}

test('a join sets members, count and access; a DM that came in by itself counts what is newer than it had seen', () => {
  const dm = { ...newRoom('r'), unseenAfter: 3, membersRead: true };
  const away = applyJoined(dm, joined(7, [ada, bob]), false);
  assert.equal(away.unread, 4);
  assert.equal(away.unseenAfter, undefined);
  assert.equal(away.membersRead, false);
  assert.deepEqual([...away.members.keys()], ['u-ada', 'u-bob']);
  assert.equal(away.access?.dm, true);
  assert.equal(applyJoined(dm, joined(7, [ada]), true).unread, 0, 'in view: nothing unread');
});

test('presence: a join counts once per user, a leave takes the user out of members and typists', () => {
  const base = { ...newRoom('r'), online: 1, members: new Map([[ada.id, ada]]) };
  const joinedBob = applyPresence(base, { type: 'presence', room: 'r', user: bob, event: 'join' });
  assert.equal(joinedBob.online, 2);
  assert.equal(applyPresence(joinedBob, { type: 'presence', room: 'r', user: bob, event: 'join' }).online, 2);
  const typing = applyTyping(joinedBob, bob, 0);
  const left = applyPresence(typing, { type: 'presence', room: 'r', user: bob, event: 'leave' });
  assert.equal(left.online, 1);
  assert.equal(left.members.has(bob.id), false);
  assert.equal(left.typing.size, 0);
  assert.equal(onlineCount({ ...left, online: 0 }), 1, 'the list knows more than the count');
});

test('typists are dropped once their notice is older than TYPING_MS; nothing to drop returns the same room', () => {
  const typing = applyTyping(newRoom('r'), bob, 0);
  assert.equal(expireTyping(typing, TYPING_MS - 1), typing);
  assert.equal(expireTyping(typing, TYPING_MS).typing.size, 0);
});

test('a gap starts the room over; the newest page and older pages say whether more history exists', () => {
  const gap = applyGap(roomWith(1, 2));
  assert.deepEqual(seqs(gap), []);
  assert.equal(gap.loaded, false);
  const recent = applyRecent(gap, [message(21), message(22)]);
  assert.equal(recent.loaded, true);
  assert.equal(recent.hasOlder, true);
  assert.equal(applyRecent(newRoom('r'), [message(1)]).hasOlder, false);
  const older = applyOlder(recent, [message(1), message(2)]);
  assert.equal(older.hasOlder, false);
  assert.deepEqual(seqs(older), [1, 2, 21, 22]);
  assert.equal(applyOlder(recent, [message(5)]).hasOlder, true);
});

test('read elsewhere: unread shrinks to what lies after the marker, mentions go with the last unread', () => {
  let room = roomWith(1, 2, 3, 4);
  room = { ...room, unread: 3, mentions: 1, readSeq: 1 };
  const partly = applyRead(room, 2);
  assert.equal(partly.unread, 2);
  assert.equal(partly.mentions, 1);
  const all = applyRead(partly, 4);
  assert.equal(all.unread, 0);
  assert.equal(all.mentions, 0);
  assert.equal(applyRead(all, 3), all, 'an older marker changes nothing');
});

test('the directory read marker sets unread for a room out of view and only the marker for the one in view', () => {
  const room = roomWith(1, 2);
  assert.equal(applyReadMarker(room, { seq: 5, read: 2 }, false).unread, 3);
  const inView = applyReadMarker({ ...room, unread: 0 }, { seq: 5, read: 2 }, true);
  assert.equal(inView.unread, 0);
  assert.equal(inView.readSeq, 2);
  assert.equal(applyReadMarker(inView, { seq: 5, read: 2 }, true), inView);
});

test('edit, delete and reaction replace only the message they name', () => {
  const room = roomWith(1, 2, 3);
  const edited = applyRoomEvent(room, { type: 'edit', room: 'r', seq: 2, text: 'new', editedAt: 9 }, ada.id);
  assert.equal(edited.messages[1]?.text, 'new');
  assert.equal(edited.messages[1]?.editedAt, 9);
  assert.equal(edited.messages[0], room.messages[0]);
  assert.equal(edited.messages[2], room.messages[2]);
  const reacted = applyRoomEvent(edited, { type: 'reaction', room: 'r', seq: 2, emoji: '👍', user: ada.id, on: true, count: 1 }, ada.id);
  assert.deepEqual(reacted.messages[1]?.reactions, [{ emoji: '👍', count: 1, users: [ada.id] }]);
  const unreacted = applyRoomEvent(reacted, { type: 'reaction', room: 'r', seq: 2, emoji: '👍', user: ada.id, on: false, count: 0 }, ada.id);
  assert.equal(unreacted.messages[1]?.reactions, undefined);
  const deleted = applyRoomEvent(reacted, { type: 'delete', room: 'r', seq: 2 }, ada.id);
  assert.deepEqual(deleted.messages[1], { ...message(2), text: '', deleted: true });
  assert.equal(applyRoomEvent(room, { type: 'edit', room: 'r', seq: 99, text: 'x', editedAt: 1 }, ada.id), room, 'not loaded: unchanged');
});

test('topic, mute and kick change the room settings; a mute or kick of someone else is not mine', () => {
  const room = {
    ...newRoom('r'),
    access: { private: false, dm: false },
    members: new Map([
      [ada.id, ada],
      [bob.id, bob],
    ]),
  };
  const topic = applyRoomEvent(room, { type: 'topic', room: 'r', topic: 'hello', by: bob }, ada.id);
  assert.equal(topic.access?.topic, 'hello');
  assert.equal(applyRoomEvent(topic, { type: 'topic', room: 'r', topic: '', by: bob }, ada.id).access?.topic, undefined);
  assert.equal(applyRoomEvent(room, { type: 'muted', room: 'r', user: ada.id, until: 50 }, ada.id).mutedUntil, 50);
  assert.equal(applyRoomEvent(room, { type: 'muted', room: 'r', user: bob.id, until: 50 }, ada.id), room);
  const kicked = applyRoomEvent(room, { type: 'kicked', room: 'r', user: bob.id, by: ada, reason: 'kick' }, ada.id);
  assert.deepEqual([...kicked.members.keys()], [ada.id]);
  assert.equal(applyRoomEvent(room, { type: 'kicked', room: 'r', user: ada.id, by: bob, reason: 'ban' }, ada.id), room);
});

test('quotes find a loaded message by seq; pending sends already stored are not shown twice', () => {
  const room = roomWith(1, 3, 5, 7, 9);
  assert.equal(findLoaded(room.messages, 7)?.seq, 7);
  assert.equal(findLoaded(room.messages, 4), undefined);
  assert.equal(findLoaded([], 1), undefined);
  const stored = mergeMessages(room, [{ ...message(10, 'hi', ada), cid: 'mine' }]);
  const pending = [
    { cid: 'mine', room: 'r', text: 'hi', createdAt: 1, attempts: 1 },
    { cid: 'later', room: 'r', text: 'there', createdAt: 2, attempts: 0 },
  ];
  assert.deepEqual(
    pendingOf({ ...stored, pending }, ada.id).map((p) => p.cid),
    ['later'],
  );
});

test('the mention rule: my name as a whole word, any case, with or without @; never my own message', () => {
  const said = (text: string, from = bob): boolean => mentionsMe(message(1, text, from), ada);
  assert.equal(said('hey @ada'), true);
  assert.equal(said('thanks Ada!'), true);
  assert.equal(said('adam is here'), false);
  assert.equal(said('ada2 too'), false);
  assert.equal(said('ada', ada), false);
  assert.equal(mentionsMe(message(1, 'ada'), undefined), false);
});

test('labels: a DM by its other user, rooms by name; the title counts unread', () => {
  const dm = applyJoined(newRoom('dm-1'), { ...joined(0, [ada, bob]), room: 'dm-1' }, true);
  const general = { ...newRoom('general'), unread: 2 };
  const state: AppState = {
    rooms: new Map([
      ['dm-1', dm],
      ['general', general],
    ]),
    active: 'dm-1',
    connection: { state: 'open', attempt: 0, wasOpen: true },
    backOnlineAt: 0,
    directory: [],
    notice: undefined,
    dmPeers: new Map(),
    me: ada,
    signedIn: false,
    notifications: 'default',
    unsent: 0,
    threads: [],
  };
  assert.equal(labelOf(state, 'dm-1'), 'bob');
  assert.equal(titleOf(state, 'dm-1'), '@bob');
  assert.equal(titleOf(state, 'general'), '#general');
  assert.equal(labelOf({ ...state, rooms: new Map([['dm-2', newRoom('dm-2')]]) }, 'dm-2'), 'Direct message');
  assert.equal(documentTitle(state), '(2) @bob · Parley');
  assert.equal(documentTitle({ ...state, rooms: new Map([['dm-1', dm]]) }), '@bob · Parley');
});
