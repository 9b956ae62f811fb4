// The SQLite store writes everything that arrives in one turn in one transaction and allocates each
// room's seqs in memory within it. These tests pin down what that must not change: gapless seqs per
// room, dedupe by cid even inside one batch, seqs that continue after a reopen, and a failed batch
// that stores nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { tempDataDir } from '../support/server.js';

const alice = { id: 'u_alice', name: 'alice' };
const bob = { id: 'u_bob', name: 'bob' };

function withStore(): { file: string; dir: string; open: () => SqliteStore } {
  const dir = tempDataDir();
  const file = join(dir, 'parley.db');
  return { file, dir, open: () => new SqliteStore({ file }) };
}

test('appends from one turn to several rooms get gapless seqs per room, in call order', async () => {
  const { dir, open } = withStore();
  const store = open();
  try {
    const pending = [];
    for (let i = 0; i < 30; i++) {
      pending.push(store.append({ room: i % 3 === 0 ? 'a' : 'b', cid: `c${i}`, from: alice, text: `m${i}`, ts: i }));
    }
    const results = await Promise.all(pending);
    const seqsA = results.filter((r) => r.message.room === 'a').map((r) => r.message.seq);
    const seqsB = results.filter((r) => r.message.room === 'b').map((r) => r.message.seq);
    assert.deepEqual(
      seqsA,
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    assert.deepEqual(
      seqsB,
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    assert.equal(await store.roomSeq('a'), 10);
    assert.equal(await store.roomSeq('b'), 20);
    const history = await store.history('b', undefined, 100);
    assert.deepEqual(
      history.map((m) => m.text),
      results.filter((r) => r.message.room === 'b').map((r) => r.message.text),
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cid repeated inside one batch and in a later one returns the first message and uses no seq', async () => {
  const { dir, open } = withStore();
  const store = open();
  try {
    const [first, again, other] = await Promise.all([
      store.append({ room: 'r', cid: 'same', from: alice, text: 'one', ts: 1 }),
      store.append({ room: 'r', cid: 'same', from: alice, text: 'one (retry)', ts: 2 }),
      store.append({ room: 'r', cid: 'same', from: bob, text: 'bob has his own cids', ts: 3 }),
    ]);
    assert.equal(first?.duplicate, false);
    assert.equal(again?.duplicate, true);
    assert.deepEqual(again?.message, first?.message);
    assert.equal(other?.duplicate, false);
    assert.equal(other?.message.seq, 2);
    const later = await store.append({ room: 'r', cid: 'same', from: alice, text: 'late retry', ts: 4 });
    assert.equal(later.duplicate, true);
    assert.equal(later.message.msgId, first?.message.msgId);
    const next = await store.append({ room: 'r', cid: 'new', from: alice, text: 'next', ts: 5 });
    assert.equal(next.message.seq, 3);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('seqs continue after the store is reopened', async () => {
  const { dir, open } = withStore();
  const first = open();
  await Promise.all([1, 2, 3].map((i) => first.append({ room: 'r', cid: `c${i}`, from: alice, text: 't', ts: i })));
  await first.close();
  const second = open();
  try {
    assert.equal((await second.ensureRoom('r', 5)).seq, 3);
    const next = await second.append({ room: 'r', cid: 'c4', from: alice, text: 't', ts: 4 });
    assert.equal(next.message.seq, 4);
    await second.recordUser(alice, 'guest', 5);
  } finally {
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a batch that fails stores nothing and rejects every append in it; later appends carry on gaplessly', async () => {
  const { dir, open } = withStore();
  const store = open();
  try {
    await store.append({ room: 'r', cid: 'ok1', from: alice, text: 'kept', ts: 1 });
    // A ts that is not an integer breaks the STRICT table: the whole turn's transaction rolls back.
    const bad = { room: 'r', cid: 'bad', from: alice, text: 'bad', ts: 'soon' as unknown as number };
    const outcomes = await Promise.allSettled([store.append({ room: 'r', cid: 'lost', from: alice, text: 'same turn', ts: 2 }), store.append(bad)]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    assert.equal(await store.roomSeq('r'), 1);
    const next = await store.append({ room: 'r', cid: 'ok2', from: alice, text: 'after', ts: 3 });
    assert.equal(next.message.seq, 2);
    assert.deepEqual(
      (await store.history('r', undefined, 10)).map((m) => m.cid),
      ['ok1', 'ok2'],
    );
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
