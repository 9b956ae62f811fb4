// Checkpoints run in a worker thread: the serving connection never checkpoints, yet what it
// commits reaches the main database file while it stays open (with no checkpoint at all, it would
// stay in the WAL until the store closed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { tempDataDir } from '../support/server.js';

const alice = { id: 'u_alice', name: 'alice' };

test('the worker copies committed pages into the database file while the store is open', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  const store = new SqliteStore({ file });
  try {
    const before = statSync(file).size;
    const text = 'x'.repeat(400);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 300 }, (_, i) => store.append({ room: 'lobby', cid: `c${batch}-${i}`, from: alice, text, ts: Date.now() })));
    }
    // About 1.2 MB went through the WAL; the worker checkpoints every 200 ms.
    const deadline = Date.now() + 5000;
    while (statSync(file).size - before < 1_000_000 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(statSync(file).size - before >= 1_000_000, `database file grew by ${statSync(file).size - before} bytes`);
    // Writing goes on after the log was started over.
    await store.append({ room: 'lobby', cid: 'after', from: alice, text, ts: Date.now() });
    const history = await store.history('lobby', undefined, 1);
    assert.equal(history.at(-1)?.cid, 'after');
    assert.equal(history.at(-1)?.seq, 3001);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
