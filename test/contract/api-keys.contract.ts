// The ApiKeyStore contract (store/api-keys.ts): every implementation runs it, on the same database
// as the Store it sits beside (see sqlite-api-keys.test.ts and postgres-api-keys.test.ts).
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiKeyStore, NewApiKey } from '../../src/server/store/api-keys.js';
import type { Store } from '../../src/server/store/store.js';

export interface ApiKeysFixture {
  /** Opens the Store and the ApiKeyStore on one fresh database. */
  open(): Promise<{ store: Store; keys: ApiKeyStore }>;
  dispose(): Promise<void>;
}

const key = (id: string, extra: Partial<NewApiKey> = {}): NewApiKey => ({
  id,
  keyHash: `hash-of-${id}`,
  name: `key ${id}`,
  scopes: ['publish', 'read'],
  createdAt: 1_700_000_000_000,
  ...extra,
});

export function runApiKeysContract(name: string, makeFixture: () => Promise<ApiKeysFixture>, options: { skip?: string | undefined } = {}): void {
  describe(`ApiKeyStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: ApiKeysFixture;
    let store: Store;
    let keys: ApiKeyStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      ({ store, keys } = await fixture.open());
    });
    afterEach(async () => {
      await keys.close();
      await store.close();
      await fixture.dispose();
    });

    test('a key is found by its hash until revoked, and listed with its state', async () => {
      await keys.createKey(key('k_one'));
      assert.deepEqual(await keys.findKey('hash-of-k_one'), { id: 'k_one', name: 'key k_one', scopes: ['publish', 'read'], createdAt: 1_700_000_000_000 });
      assert.equal(await keys.findKey('hash-of-nothing'), undefined);
      assert.equal(await keys.revokeKey('k_one', 1_700_000_001_000), true);
      assert.equal(await keys.revokeKey('k_one', 1_700_000_002_000), false, 'already revoked');
      assert.equal(await keys.revokeKey('k_none', 1), false);
      assert.equal(await keys.findKey('hash-of-k_one'), undefined);
      const [listed] = await keys.listKeys();
      assert.equal(listed?.revokedAt, 1_700_000_001_000);
    });

    test('a key made for a bot records the bot as a user, once, whoever reuses it', async () => {
      const bot = { id: 'bot:ci', name: 'ci' };
      await keys.createKey(key('k_a', { bot, scopes: ['admin'] }));
      await keys.createKey(key('k_b', { bot }));
      assert.deepEqual((await keys.findKey('hash-of-k_a'))?.bot, bot);
      assert.deepEqual((await keys.findKey('hash-of-k_a'))?.scopes, ['admin']);
      assert.deepEqual(await store.findUser('bot:ci'), bot, 'the bot can be invited and DMed');
      assert.deepEqual(
        (await keys.listKeys()).map((listed) => listed.id),
        ['k_a', 'k_b'],
      );
    });

    test('two keys may not share a hash', async () => {
      await keys.createKey(key('k_first'));
      await assert.rejects(keys.createKey({ ...key('k_second'), keyHash: 'hash-of-k_first' }));
    });

    test('hooks: made with their bot, found by secret hash, listed, deleted', async () => {
      await keys.createHook({ id: 'h_one', secretHash: 'secret-hash', room: 'deploys', bot: { id: 'bot:webhook', name: 'webhook' }, createdAt: 5 });
      assert.deepEqual(await keys.findHook('secret-hash'), { id: 'h_one', room: 'deploys', bot: { id: 'bot:webhook', name: 'webhook' }, createdAt: 5 });
      assert.deepEqual(await store.findUser('bot:webhook'), { id: 'bot:webhook', name: 'webhook' });
      assert.equal((await keys.listHooks()).length, 1);
      assert.equal(await keys.deleteHook('h_one'), true);
      assert.equal(await keys.deleteHook('h_one'), false);
      assert.equal(await keys.findHook('secret-hash'), undefined);
    });

    test("endSessionsOf ends that user's sessions only, resolving their hashes", async () => {
      for (const id of ['u_ada', 'u_bob']) {
        await store.createAccount({ user: { id, name: id }, username: id, passwordHash: 'x' }, 1);
      }
      const now = Date.now();
      for (const [hash, userId] of [
        ['s1', 'u_ada'],
        ['s2', 'u_ada'],
        ['s3', 'u_bob'],
      ] as const) {
        await store.createAuthSession({ tokenHash: hash, userId, createdAt: now, expiresAt: now + 60_000 });
      }
      assert.deepEqual((await keys.endSessionsOf('u_ada')).sort(), ['s1', 's2']);
      assert.equal(await store.findAuthSession('s1', now), undefined);
      assert.deepEqual(await store.findAuthSession('s3', now), { id: 'u_bob', name: 'u_bob' });
      assert.deepEqual(await keys.endSessionsOf('u_ada'), []);
    });
  });
}
