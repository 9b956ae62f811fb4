// The ConsoleStore contract (store/console-store.ts): every implementation runs it, on the same
// database as the Store it sits beside (sqlite-console.test.ts, postgres-console.test.ts).
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsoleStore } from '../../src/server/store/console-store.js';
import type { Store } from '../../src/server/store/store.js';

export interface ConsoleFixture {
  /** Opens the Store and the ConsoleStore on one fresh database. */
  open(): Promise<{ store: Store; console: ConsoleStore }>;
  dispose(): Promise<void>;
}

const ada = { id: 'a_ada', name: 'ada' };
const bob = { id: 'g_bob', name: 'Bob_%' };

export function runConsoleContract(name: string, makeFixture: () => Promise<ConsoleFixture>, options: { skip?: string | undefined } = {}): void {
  describe(`ConsoleStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: ConsoleFixture;
    let store: Store;
    let admin: ConsoleStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      ({ store, console: admin } = await fixture.open());
      await store.createAccount({ user: ada, username: 'ada', passwordHash: 'h1' }, 1000);
      await store.recordUser(bob, 'guest', 2000);
    });
    afterEach(async () => {
      await admin.close();
      await store.close();
      await fixture.dispose();
    });

    test('admins are granted once, listed with their names, and revoked', async () => {
      assert.equal(await admin.isAdmin(ada.id), false);
      assert.equal(await admin.grantAdmin(ada.id, 'cli', 5000), true);
      assert.equal(await admin.grantAdmin(ada.id, 'cli', 6000), false, 'once');
      assert.equal(await admin.isAdmin(ada.id), true);
      assert.deepEqual(await admin.listAdmins(), [{ user: ada, grantedAt: 5000, grantedBy: 'cli' }]);
      assert.equal(await admin.revokeAdmin(ada.id), true);
      assert.equal(await admin.revokeAdmin(ada.id), false);
      assert.equal(await admin.isAdmin(ada.id), false);
      assert.deepEqual(await admin.listAdmins(), []);
    });

    test('a user is found by its account username (any case) or by its id', async () => {
      assert.deepEqual(await admin.resolveUser('ADA'), ada);
      assert.deepEqual(await admin.resolveUser(ada.id), ada);
      assert.deepEqual(await admin.resolveUser(bob.id), bob);
      assert.equal(await admin.resolveUser('bob_%'), undefined, 'a guest has no username');
      assert.equal(await admin.resolveUser('nobody'), undefined);
    });

    test('the audit log keeps every entry whole, newest first, paged by id', async () => {
      for (let i = 1; i <= 5; i++) await admin.recordAudit({ at: i * 10, actor: ada, action: 'room.ban', room: 'hall', target: bob.id, detail: `n${i}` });
      await admin.recordAudit({ at: 60, actor: bob, action: 'admin.grant' });
      const all = await admin.auditLog({ limit: 10 });
      assert.deepEqual(
        all.map((entry) => entry.at),
        [60, 50, 40, 30, 20, 10],
      );
      const [newest, second] = all;
      assert.deepEqual({ ...newest, id: 0 }, { id: 0, at: 60, actor: bob, action: 'admin.grant' }, 'absent fields stay absent');
      assert.deepEqual({ ...second, id: 0 }, { id: 0, at: 50, actor: ada, action: 'room.ban', room: 'hall', target: bob.id, detail: 'n5' });
      const page = await admin.auditLog({ before: all[2]?.id ?? 0, limit: 2 });
      assert.deepEqual(
        page.map((entry) => entry.at),
        [30, 20],
      );
    });

    test('users are listed by a part of the name or id (any case, wildcards literal), most recently seen first, by kind', async () => {
      await store.recordUser({ id: 'g_cleo', name: 'cleo' }, 'guest', 3000);
      const names = async (search: string | undefined, kind?: 'guest' | 'account'): Promise<string[]> =>
        (await admin.listUsers({ ...(search === undefined ? {} : { search }), ...(kind === undefined ? {} : { kind }), limit: 50 })).map((u) => u.user.name);
      assert.deepEqual(await names(undefined), ['cleo', 'Bob_%', 'ada']);
      assert.deepEqual(await names('BOB'), ['Bob_%']);
      assert.deepEqual(await names('_%'), ['Bob_%'], 'wildcards are literal');
      assert.deepEqual(await names('a_'), ['ada'], 'the id matches too');
      assert.deepEqual(await names(undefined, 'account'), ['ada']);
      const [account] = await admin.listUsers({ search: 'ada', limit: 5 });
      assert.deepEqual(account, { user: ada, kind: 'account', createdAt: 1000, seenAt: 1000 });
      assert.equal((await admin.listUsers({ limit: 1 })).length, 1, 'limit');
    });

    test('an account is disabled and enabled again; a guest cannot be; a password hash is replaced', async () => {
      assert.equal(await admin.setDisabled(ada.id, 7000), true);
      assert.equal(await admin.isDisabled(ada.id), true);
      assert.equal((await admin.listUsers({ search: 'ada', limit: 1 }))[0]?.disabledAt, 7000);
      assert.equal(await admin.setDisabled(ada.id, null), true);
      assert.equal(await admin.isDisabled(ada.id), false);
      assert.equal(await admin.setDisabled(bob.id, 7000), false, 'a guest is no account');
      assert.equal(await admin.isDisabled('nobody'), false);
      assert.equal(await admin.setPasswordHash(ada.id, 'h2'), true);
      assert.equal((await store.findAccount('ada'))?.passwordHash, 'h2');
      assert.equal(await admin.setPasswordHash(bob.id, 'h3'), false);
    });

    test('an owner is changed (the old one a moderator); bans and live mutes of a user are listed across rooms', async () => {
      await store.createRoom({ room: 'hall', private: false, owner: ada.id, now: 100 });
      assert.equal(await admin.setOwner('hall', bob.id, 200), true);
      assert.equal((await store.standing('hall', bob.id)).role, 'owner');
      assert.equal((await store.standing('hall', ada.id)).role, 'moderator');
      assert.equal(await admin.setOwner('nowhere', bob.id, 200), false);
      await store.openDm('dm-y', [ada.id, bob.id], 300);
      assert.equal(await admin.setOwner('dm-y', bob.id, 300), false, 'a DM has no owner');
      await store.createRoom({ room: 'den', private: false, owner: ada.id, now: 100 });
      await store.setBan('den', bob.id, true, 400);
      await store.setMute('hall', bob.id, 10_000);
      await store.setMute('attic', bob.id, 500);
      assert.deepEqual(await admin.restrictionsOf(bob.id, 1000), [
        { room: 'den', kind: 'ban', at: 400 },
        { room: 'hall', kind: 'mute', at: 10_000 },
      ]);
    });

    test('rooms are listed with their joined users and owner, most recently active first, DMs left out', async () => {
      await store.createRoom({ room: 'hall', private: false, owner: ada.id, now: 100 });
      await store.createRoom({ room: 'vault', private: true, owner: ada.id, now: 200 });
      await store.markJoined('hall', ada.id, 300);
      await store.markJoined('hall', bob.id, 300);
      await store.append({ room: 'hall', cid: 'c1', from: ada, text: 'hi', ts: 400 });
      await store.openDm('dm-x', [ada.id, bob.id], 500);
      const rooms = await admin.listRooms({ limit: 10 });
      assert.deepEqual(
        rooms.map((r) => r.room),
        ['hall', 'vault'],
      );
      assert.deepEqual(rooms[0], { room: 'hall', private: false, archived: false, seq: 1, joined: 2, owner: ada.id, createdAt: 100, activeAt: 400 });
      assert.deepEqual(
        (await admin.listRooms({ search: 'VAU', limit: 10 })).map((r) => [r.room, r.private, r.joined]),
        [['vault', true, 0]],
      );
    });
  });
}
