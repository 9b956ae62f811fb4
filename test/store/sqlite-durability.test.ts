// Under synchronous 'full' nothing is answered before it is on disk: every write of the SQLite store,
// not only appends, resolves only after a WAL sync that ran after it was asked for, but for the
// bookkeeping no reply promises (the user and joined-room records), which is answered at its commit. A power cut
// cannot be staged here; what is pinned down is that each write waits for a sync (counted by
// WalSync on a real file), that the list of writes covers every method of the store, and that a
// write failing inside a batch fails alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { StoreError } from '../../src/server/store/store.js';
import { tempDataDir } from '../support/server.js';

const ada = { id: 'u_ada', name: 'ada' };
const bob = { id: 'u_bob', name: 'bob' };
const now = 1_700_000_000_000;

type Write = [name: string, run: (store: SqliteStore) => Promise<unknown>];

// In an order where each write finds what it needs (a message to edit, a user with a session...).
const writes: Write[] = [
  ['recordUser', (s) => s.recordUser(ada, 'guest', now)],
  ['ensureRoom', (s) => s.ensureRoom('lobby', now)],
  ['append', (s) => s.append({ room: 'lobby', cid: 'c1', from: ada, text: 'one', ts: now })],
  ['createRoom', (s) => s.createRoom({ room: 'owned', private: true, owner: ada.id, now })],
  ['openDm', (s) => s.openDm('dm-x', [ada.id, bob.id], now)],
  ['setRole', (s) => s.setRole('owned', bob.id, 'member', now)],
  ['setBan', (s) => s.setBan('lobby', bob.id, true, now)],
  ['setTopic', (s) => s.setTopic('lobby', 'a topic')],
  ['setMute', (s) => s.setMute('lobby', bob.id, now + 60_000)],
  ['editMessage', (s) => s.editMessage('lobby', 1, 'one, edited', now + 1)],
  ['react', (s) => s.react('lobby', 1, ada.id, '👍', true, now + 2, 20)],
  ['markRead', (s) => s.markRead('lobby', ada.id, 1)],
  ['followThread', (s) => s.followThread('lobby', 1, ada.id, now)],
  ['markThreadRead', (s) => s.markThreadRead('lobby', 1, ada.id, 1, now)],
  ['deleteMessage', (s) => s.deleteMessage('lobby', 1, now + 3)],
  ['markJoined', (s) => s.markJoined('lobby', ada.id, now)],
  ['markLeft', (s) => s.markLeft('lobby', ada.id, 1)],
  ['setArchived', (s) => s.setArchived('owned', now + 4)],
  ['deleteRoom', (s) => s.deleteRoom('owned')],
  ['createAccount', (s) => s.createAccount({ user: { id: 'u_cy', name: 'cy' }, username: 'cy', passwordHash: '$argon2id$x' }, now)],
  ['createAuthSession', (s) => s.createAuthSession({ tokenHash: 'h1', userId: 'u_cy', createdAt: now, expiresAt: now + 1000 })],
  ['deleteAuthSession', (s) => s.deleteAuthSession('h1')],
  ['pruneAuthSessions', (s) => s.pruneAuthSessions(now + 10_000)],
];

const reads = new Set([
  'roomSeq',
  'listRooms',
  'roomInfo',
  'standing',
  'standingIn',
  'findUser',
  'message',
  'history',
  'thread',
  'search',
  'after',
  'readMarkers',
  'dmPeers',
  'hasJoined',
  'followedThreads',
  'joinedRooms',
  'findAccount',
  'findAuthSession',
  'close',
  'walSyncs',
]);

test('every method of SqliteStore is either a read or one of the writes checked below', () => {
  const methods = Object.getOwnPropertyNames(SqliteStore.prototype).filter((name) => name !== 'constructor');
  const unclassified = methods.filter((name) => !reads.has(name) && !writes.some(([write]) => write === name));
  assert.deepEqual(unclassified, [], 'a new method must be added to the reads or to the writes of this test');
});

// Bookkeeping no reply promises is on disk (the user record of a hello, the joined-room record):
// answered at its commit, taken to disk by the next synced write (the log is written in order).
const bookkeeping = new Set(['recordUser', 'markJoined', 'markLeft']);

test("synchronous 'full': every write but bookkeeping resolves only after a WAL sync that started after it", async () => {
  const dir = tempDataDir();
  const store = new SqliteStore({ file: join(dir, 'parley.db') });
  try {
    for (const [name, run] of writes) {
      const before = store.walSyncs;
      await run(store);
      if (bookkeeping.has(name)) {
        assert.equal(store.walSyncs, before, `${name} waited for a sync it does not need`);
        continue;
      }
      // Nothing else runs on this store: a sync completed since the call is one this write waited for.
      assert.ok(store.walSyncs > before, `${name} was answered before the WAL was synced`);
    }
    // Bookkeeping in the same turn as a durable write waits with it: one transaction, one sync.
    const before = store.walSyncs;
    await Promise.all([store.recordUser(bob, 'guest', now), store.markRead('lobby', bob.id, 1)]);
    assert.equal(store.walSyncs, before + 1);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("synchronous 'normal': writes are answered without a sync", async () => {
  const dir = tempDataDir();
  const store = new SqliteStore({ file: join(dir, 'parley.db'), synchronous: 'normal' });
  try {
    for (const [, run] of writes) await run(store);
    assert.equal(store.walSyncs, 0);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write that fails inside a batch fails alone: the appends of the same turn are stored', async () => {
  const dir = tempDataDir();
  const store = new SqliteStore({ file: join(dir, 'parley.db') });
  try {
    await store.createAccount({ user: { id: 'u_cy', name: 'cy' }, username: 'cy', passwordHash: '$argon2id$x' }, now);
    await store.createAuthSession({ tokenHash: 'same', userId: 'u_cy', createdAt: now, expiresAt: now + 1000 });
    // One turn, one transaction: the second session breaks the token_hash primary key.
    const first = store.append({ room: 'lobby', cid: 'a', from: ada, text: 'before', ts: now });
    const broken = store.createAuthSession({ tokenHash: 'same', userId: 'u_cy', createdAt: now, expiresAt: now + 1000 });
    const second = store.append({ room: 'lobby', cid: 'b', from: ada, text: 'after', ts: now });
    await assert.rejects(broken, (error: unknown) => error instanceof StoreError && /UNIQUE|PRIMARY/.test(error.message));
    assert.deepEqual([(await first).message.seq, (await second).message.seq], [1, 2]);
    assert.deepEqual(
      (await store.history('lobby', undefined, 10)).map((m) => m.text),
      ['before', 'after'],
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
