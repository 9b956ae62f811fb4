// The AccountStore and AuthSessionStore contract: every engine runs it. Usernames are unique; a
// login session is found by its token's hash until it expires or is deleted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeContract, type ContractOptions, type MakeFixture } from './store-fixture.js';

export function runAccountStoreContract(name: string, makeFixture: MakeFixture, options: ContractOptions = {}): void {
  describeContract(`AccountStore and AuthSessionStore contract: ${name}`, makeFixture, options, (scene) => {
    test('createAccount stores an account once per username; findAccount reads it back', async () => {
      const { store } = scene;
      const account = { user: { id: 'u_acc1', name: 'carol' }, username: 'carol', passwordHash: '$argon2id$fake' };
      assert.equal(await store.createAccount(account, 1_700_000_000_000), true);
      assert.deepEqual(await store.findAccount('carol'), account);
      const twin = { user: { id: 'u_acc2', name: 'carol' }, username: 'carol', passwordHash: '$argon2id$other' };
      assert.equal(await store.createAccount(twin, 1_700_000_000_001), false, 'the username is taken');
      assert.deepEqual(await store.findAccount('carol'), account, 'the first account is unchanged');
      assert.equal(await store.findAccount('nobody'), undefined);
      await store.recordUser({ id: 'g_guest', name: 'dave' }, 'guest', 1_700_000_000_000);
      assert.equal(await store.findAccount('dave'), undefined, 'a guest is not an account');
    });

    test('auth sessions are found by hash until they expire or are deleted', async () => {
      const { store } = scene;
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
  });
}
