// The chat service's rules, on a real SQLite store in memory and the one-process broker, presence
// and hub: who may send, read and moderate, edits and deletes, DM rooms, the room quota, and what a
// failed store answers. The participants are fakes of the hub's Member interface that keep what
// they were sent. Time is the service's clock, set by each test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Push, UserRef } from '../../protocol/messages.js';
import { ProtocolError, type ErrorCode } from '../../protocol/errors.js';
import { SqliteStore } from '../store/sqlite.js';
import { MemoryBroker } from '../broker/memory.js';
import { MemoryPresence } from '../presence/memory.js';
import { Hub } from '../hub/hub.js';
import type { OutgoingPush } from '../hub/outgoing.js';
import { GuestIssuer } from '../auth/guest.js';
import { IdentityResolver } from '../auth/identity.js';
import { ChatService, storesIn, type Participant } from './service.js';
import { RoomQuota, type RoomQuotaSpec } from './room-quota.js';
import { SearchRunner } from './search-runner.js';
import { dmRoomName } from './dm.js';

const T0 = 1_700_000_000_000;

interface Scene {
  chat: ChatService;
  store: SqliteStore;
  /** The service's clock: what `now()` answers. */
  clock: { now: number };
  /** A recorded user with one connection (from its own address); `pushes` is what it received. */
  user: (name: string) => Promise<Participant & { pushes: Push[] }>;
}

async function scene(quota: RoomQuotaSpec = { perUserPerHour: 0, perIpPerHour: 0 }): Promise<Scene> {
  const store = new SqliteStore({ file: ':memory:' });
  const broker = new MemoryBroker();
  const log = pino({ level: 'silent' });
  const clock = { now: T0 };
  const chat = new ChatService({
    ...storesIn(store),
    broker,
    presence: new MemoryPresence(),
    hub: new Hub(broker, store, log),
    identities: new IdentityResolver({ store, guests: new GuestIssuer(Buffer.alloc(32, 7)), external: undefined, guestsAllowed: true }),
    log,
    recoveryLimit: 1000,
    presenceLimit: 1000,
    searches: new SearchRunner({ budgetMs: 1000, perConnection: 2, concurrent: 4 }, { refused: () => undefined, truncated: () => undefined }),
    roomQuota: new RoomQuota(quota),
    roomsListLimit: 100,
    maxReactionsPerMessage: 20,
    onLimit: () => undefined,
    // Written before rooms were made only by `create`: a join of a new name creates it.
    joinCreates: true,
    now: () => clock.now,
  });
  let connections = 0;
  const user = async (name: string): Promise<Participant & { pushes: Push[] }> => {
    const ref: UserRef = { id: `u_${name}`, name };
    await store.recordUser(ref, 'guest', clock.now);
    const pushes: Push[] = [];
    connections++;
    const participant = {
      connId: `c${connections}`,
      user: ref,
      userId: ref.id,
      ip: `10.0.0.${connections}`,
      pushes,
      deliver: (_room: string, outgoing: OutgoingPush) => void pushes.push(outgoing.push),
      notify: (outgoing: OutgoingPush) => void pushes.push(outgoing.push),
      removed: () => undefined,
    };
    chat.connected(participant);
    return participant;
  };
  return { chat, store, clock, user };
}

/** Rejects with a ProtocolError of `code`. */
async function refused(work: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof ProtocolError, `a ProtocolError, not ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

test('refusals come in one order, from the store on send and from the service on react: banned, then not a member, then muted', async () => {
  const { chat, store, clock, user } = await scene();
  try {
    const [ada, bob] = [await user('ada'), await user('bob')];
    await chat.create(ada, 'club', { private: true });
    await chat.send(ada.user, 'club', 'hello', 'a1');
    await chat.mute(ada.user, 'club', bob.userId, 60);
    await chat.ban(ada.user, 'club', bob.userId);
    // Banned, not a member and muted at once: banned is what bob hears, from either path.
    await refused(chat.send(bob.user, 'club', 'hi', 'b1'), 'banned');
    await refused(chat.react(bob.user, 'club', 1, '👍', true), 'banned');
    await refused(chat.history(bob.user, 'club', undefined, 10), 'banned');
    await chat.unban(ada.user, 'club', bob.userId);
    await refused(chat.send(bob.user, 'club', 'hi', 'b2'), 'not_member');
    await refused(chat.react(bob.user, 'club', 1, '👍', true), 'not_member');
    await chat.invite(ada.user, 'club', bob.userId);
    await refused(chat.send(bob.user, 'club', 'hi', 'b3'), 'muted');
    await refused(chat.react(bob.user, 'club', 1, '👍', true), 'muted');
    await refused(chat.typing(bob.user, 'club'), 'muted');
    // The mute ends at the service's clock: sixty seconds later bob may send.
    clock.now = T0 + 60_000;
    const sent = await chat.send(bob.user, 'club', 'back', 'b4');
    assert.deepEqual([sent.message.seq, sent.message.ts], [2, T0 + 60_000]);
    assert.equal(await chat.react(bob.user, 'club', 1, '👍', true), 1);
  } finally {
    await store.close();
  }
});

test('roles: moderators act on members only, only the owner gives roles, nobody acts on an equal or higher role', async () => {
  const { chat, store, user } = await scene();
  try {
    const [ada, bob, cy, dee] = [await user('ada'), await user('bob'), await user('cy'), await user('dee')];
    await chat.create(ada, 'team', { private: false });
    for (const member of [bob, cy, dee]) await chat.invite(ada.user, 'team', member.userId);
    await chat.setRole(ada.user, 'team', bob.userId, 'moderator');
    await chat.setRole(ada.user, 'team', dee.userId, 'moderator');
    await refused(chat.setRole(bob.user, 'team', cy.userId, 'moderator'), 'forbidden');
    await refused(chat.setRole(ada.user, 'team', ada.userId, 'member'), 'forbidden');
    await refused(chat.kick(bob.user, 'team', ada.userId), 'forbidden');
    await refused(chat.mute(bob.user, 'team', dee.userId, 10), 'forbidden');
    await refused(chat.ban(bob.user, 'team', bob.userId), 'forbidden');
    await refused(chat.invite(cy.user, 'team', 'u_nobody'), 'forbidden');
    await refused(chat.kick(bob.user, 'team', 'u_nobody'), 'not_found');
    assert.equal(await chat.mute(bob.user, 'team', cy.userId, 10), T0 + 10_000, 'a mute ends at the clock plus its seconds');
    await chat.kick(bob.user, 'team', cy.userId);
    await chat.ban(ada.user, 'team', bob.userId);
    await refused(chat.setRole(ada.user, 'team', bob.userId, 'member'), 'banned');
    await refused(chat.invite(ada.user, 'team', bob.userId), 'banned');
    await refused(chat.setTopic(cy.user, 'team', 'only moderators and the owner set topics'), 'forbidden');
    await chat.setTopic(dee.user, 'team', 'set by a moderator');
  } finally {
    await store.close();
  }
});

test("edits are the author's; deletes are the author's or a moderator's; a tombstone is neither edited nor deleted again", async () => {
  const { chat, store, clock, user } = await scene();
  try {
    const [ada, bob, cy] = [await user('ada'), await user('bob'), await user('cy')];
    await chat.create(ada, 'notes', { private: false });
    await chat.send(bob.user, 'notes', 'first', 'b1');
    await chat.send(bob.user, 'notes', 'second', 'b2');
    await refused(chat.edit(ada.user, 'notes', 1, 'not mine'), 'forbidden');
    clock.now = T0 + 5;
    assert.equal(await chat.edit(bob.user, 'notes', 1, 'first, edited'), T0 + 5);
    const [edited] = await chat.history(cy.user, 'notes', 2, 1);
    assert.deepEqual([edited?.text, edited?.editedAt], ['first, edited', T0 + 5]);
    await refused(chat.delete(cy.user, 'notes', 1), 'forbidden');
    await chat.delete(ada.user, 'notes', 1);
    await chat.delete(bob.user, 'notes', 2);
    await refused(chat.delete(bob.user, 'notes', 1), 'not_found');
    await refused(chat.edit(bob.user, 'notes', 2, 'again'), 'not_found');
    await refused(chat.edit(bob.user, 'notes', 9, 'never sent'), 'not_found');
    await refused(chat.edit(bob.user, 'nowhere', 1, 'no room'), 'not_found');
  } finally {
    await store.close();
  }
});

test('a DM room is named from the pair, the same from either side, with both as its only members', async () => {
  const { chat, store, user } = await scene();
  try {
    const [ada, bob, cy] = [await user('ada'), await user('bob'), await user('cy')];
    const opened = await chat.dm(ada, bob.userId);
    assert.deepEqual(opened, { room: dmRoomName(ada.userId, bob.userId), user: bob.user });
    assert.equal((await chat.dm(bob, ada.userId)).room, opened.room);
    assert.deepEqual(
      bob.pushes.filter((push) => push.type === 'invited').map((push) => push.type === 'invited' && [push.room, push.by.id, push.dm]),
      [[opened.room, ada.userId, true]],
    );
    await chat.send(bob.user, opened.room, 'hi ada', 'b1');
    await refused(chat.history(cy.user, opened.room, undefined, 10), 'not_member');
    await refused(chat.dm(ada, ada.userId), 'bad_request');
    await refused(chat.dm(ada, 'u_nobody'), 'not_found');
    await refused(chat.create(ada, 'dm-mine', { private: false }), 'forbidden');
    await refused(chat.join(cy, dmRoomName(cy.userId, 'u_other'), undefined), 'not_found');
    await refused(chat.kick(ada.user, opened.room, bob.userId), 'forbidden');
  } finally {
    await store.close();
  }
});

test('the room quota counts the rooms a user creates, by create, dm or join, and gives back what created nothing', async () => {
  const { chat, store, user } = await scene({ perUserPerHour: 3, perIpPerHour: 0 });
  try {
    const [ada, bob] = [await user('ada'), await user('bob')];
    await chat.create(bob, 'taken', { private: false });
    await chat.create(ada, 'one', { private: false });
    await refused(chat.create(ada, 'taken', { private: false }), 'room_exists');
    await chat.join(ada, 'taken', undefined); // exists: costs nothing
    await chat.join(ada, 'two', undefined); // a new name: created
    await chat.dm(ada, bob.userId);
    await chat.dm(ada, bob.userId); // opened again: costs nothing
    await refused(chat.create(ada, 'four', { private: false }), 'room_quota');
    await refused(chat.join(ada, 'five', undefined), 'room_quota');
    await chat.create(bob, 'bobs-second', { private: false });
  } finally {
    await store.close();
  }
});

test('a store that fails answers store_failed, whatever the request', async () => {
  const { chat, store, user } = await scene();
  const ada = await user('ada');
  await chat.create(ada, 'lobby', { private: false });
  await store.close();
  await refused(chat.send(ada.user, 'lobby', 'lost', 'a1'), 'store_failed');
  await refused(chat.history(ada.user, 'lobby', undefined, 10), 'store_failed');
  await refused(chat.rooms(ada.user), 'store_failed');
});

test('a send to a room deleted while it was in flight is not_found and does not make the room again', async () => {
  const { chat, store, user } = await scene();
  try {
    const ada = await user('ada');
    await chat.create(ada, 'shed', { private: false });
    await chat.send(ada.user, 'shed', 'first', 'a1');
    // Raced: whichever the store takes first, no room is left behind.
    const [sent, destroyed] = await Promise.allSettled([chat.send(ada.user, 'shed', 'racing', 'a2'), chat.destroy(ada.user, 'shed')]);
    assert.equal(destroyed.status, 'fulfilled');
    if (sent.status === 'rejected') assert.equal((sent.reason as ProtocolError).code, 'not_found');
    assert.equal(await store.roomInfo('shed'), undefined);
    // A send that reaches the store after the deletion (its sender's checks ran before it).
    await refused(chat.send(ada.user, 'shed', 'late', 'a3'), 'not_found');
    assert.equal(await store.roomInfo('shed'), undefined, 'no ownerless room was made');
  } finally {
    await store.close();
  }
});

test('a storm of joins into one new room from one address pays for one room, not one per join', async () => {
  const { chat, store, user } = await scene({ perUserPerHour: 0, perIpPerHour: 2 });
  try {
    const joiners = await Promise.all(Array.from({ length: 20 }, (_, i) => user(`j${i}`)));
    // Every joiner from one address (the quota counts per address): give them all the same one.
    const sameIp = joiners.map((joiner) => ({ ...joiner, ip: '10.9.9.9' }));
    const outcomes = await Promise.allSettled(sameIp.map((joiner) => chat.join(joiner, 'fresh-room', undefined)));
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      sameIp.map(() => 'fulfilled'),
      'one room made, so one room of the quota taken',
    );
    // The quota still has one room left for this address, then none.
    await chat.join({ ...sameIp[0]!, connId: 'x1' }, 'second-room', undefined);
    await refused(chat.join({ ...sameIp[0]!, connId: 'x2' }, 'third-room', undefined), 'room_quota');
  } finally {
    await store.close();
  }
});
