// Schema migrations keep what was stored: a database written by an earlier schema opens with every
// message, id and seq as it was, and appends carry on after the last seq.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '../../src/server/store/sqlite-schema.js';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { tempDataDir } from '../support/server.js';

const alice = { id: 'u_alice', name: 'alice' };

test('version 5 drops the index on msg_id and keeps every message, edit and tombstone', async () => {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  const old = new Database(file);
  migrate(old, 4);
  old.prepare("INSERT INTO rooms (name, seq, created_at) VALUES ('lobby', 3, 1)").run();
  const insert = old.prepare(
    'INSERT INTO messages (room, seq, msg_id, user_id, user_name, cid, text, ts, edited_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  insert.run('lobby', 1, 'm_one', alice.id, alice.name, 'c1', 'first', 10, null, null);
  insert.run('lobby', 2, 'm_two', alice.id, alice.name, 'c2', 'second, edited', 20, 25, null);
  insert.run('lobby', 3, 'm_three', alice.id, alice.name, 'c3', 'third', 30, null, 35);
  old.close();

  const store = new SqliteStore({ file });
  try {
    const history = await store.history('lobby', undefined, 10);
    assert.deepEqual(
      history.map((m) => [m.seq, m.msgId, m.cid, m.text, m.editedAt ?? null, m.deleted ?? false]),
      [
        [1, 'm_one', 'c1', 'first', null, false],
        [2, 'm_two', 'c2', 'second, edited', 25, false],
        [3, 'm_three', 'c3', '', null, true],
      ],
    );
    const next = await store.append({ room: 'lobby', cid: 'c4', from: alice, text: 'fourth', ts: 40 });
    assert.equal(next.message.seq, 4);
    const again = await store.append({ room: 'lobby', cid: 'c2', from: alice, text: 'retry', ts: 41 });
    assert.equal(again.duplicate, true, 'the cid index survived the rebuild');
    assert.equal(again.message.seq, 2);
  } finally {
    await store.close();
  }
  const check = new Database(file, { readonly: true });
  try {
    const indexes = check.pragma('index_list(messages)') as { name: string; unique: number }[];
    const columns = indexes.map((index) => (check.pragma(`index_info(${index.name})`) as { name: string }[]).map((c) => c.name));
    assert.ok(!columns.some((cols) => cols.length === 1 && cols[0] === 'msg_id'), `no index on msg_id alone: ${JSON.stringify(columns)}`);
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    check.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
