// WalSync answers a commit only after an fdatasync of the WAL that started after it. Durability
// itself needs a power cut to test; these pin down the rest: every caller is answered, a failed
// sync is an error for exactly the callers it covered, and a store that cannot sync answers every
// append with a StoreError (stored or not, nobody is told "stored").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { WalSync } from '../../src/server/store/wal-sync.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { StoreError } from '../../src/server/store/store.js';
import { tempDataDir } from '../support/server.js';

const alice = { id: 'u_alice', name: 'alice' };

test('every caller of durable() is answered, however many arrive while a sync runs', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'db.sqlite');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v TEXT)');
    const sync = new WalSync(file);
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    const answered: number[] = [];
    const calls = Array.from({ length: 50 }, (_, i) => {
      insert.run(`row ${i}`);
      return sync.durable().then(() => answered.push(i));
    });
    await Promise.all(calls);
    assert.equal(answered.length, 50);
    assert.ok(statSync(`${file}-wal`).size > 0, 'the rows went to the WAL');
    await sync.close();
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a WAL that cannot be synced is an error for its callers, and the next sync tries again', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'never-opened.sqlite');
  try {
    const sync = new WalSync(file);
    await assert.rejects(sync.durable(), /ENOENT/);
    await assert.rejects(sync.durable(), /ENOENT/);
    await sync.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SqliteStore (synchronous full) answers appends, in order, once they are synced', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  const store = new SqliteStore({ file });
  try {
    const first = await store.append({ room: 'lobby', cid: 'c1', from: alice, text: 'one', ts: Date.now() });
    assert.equal(first.message.seq, 1);
    const results = await Promise.all([2, 3, 4].map((n) => store.append({ room: 'lobby', cid: `c${n}`, from: alice, text: `n${n}`, ts: Date.now() })));
    assert.deepEqual(
      results.map((r) => r.message.seq),
      [2, 3, 4],
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SqliteStore with a WAL it cannot sync: the append is refused with a StoreError, not acknowledged', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  // WalSync opens the WAL on the first sync, after the first commit: removing the data directory
  // in between makes that sync fail (the database itself keeps its open, now nameless, files).
  const store = new SqliteStore({ file });
  try {
    const pending = store.append({ room: 'lobby', cid: 'c1', from: alice, text: 'one', ts: Date.now() });
    rmSync(dir, { recursive: true, force: true });
    await assert.rejects(pending, (error: unknown) => error instanceof StoreError && /flush the database to disk/.test(error.message));
  } finally {
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
