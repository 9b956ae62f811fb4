// RoomOrder against a real SQLite store: pushes that arrive out of order or not at all reach the
// members in seq order with no gap, from one store read per gap.
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { SqliteStore } from '../../src/server/store/sqlite.js';
import { RoomOrder } from '../../src/server/hub/room-order.js';
import type { MessagePush } from '../../src/protocol/messages.js';
import { tempDataDir } from '../support/server.js';

let dir: string;
let store: SqliteStore;
let pushes: MessagePush[];
const log = pino({ level: 'silent' });

beforeEach(async () => {
  dir = tempDataDir();
  store = new SqliteStore({ file: join(dir, 'parley.db') });
  pushes = [];
  for (let i = 1; i <= 20; i++) {
    const { message } = await store.append({ room: 'r', cid: `c${i}`, from: { id: 'u', name: 'n' }, text: `t${i}`, ts: 1 });
    pushes.push({ type: 'message', ...message });
  }
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function order(): { order: RoomOrder; seqs: number[] } {
  const seqs: number[] = [];
  return { order: new RoomOrder({ room: 'r', reader: store, log, emit: (push) => seqs.push(push.seq) }), seqs };
}
const push = (seq: number): MessagePush => pushes[seq - 1] as MessagePush;
const until = async (check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

test('in-order pushes pass straight through without reading the store', () => {
  const { order: o, seqs } = order();
  o.start(0);
  for (let seq = 1; seq <= 5; seq++) o.accept(push(seq));
  o.accept(push(3)); // a repeat
  assert.deepEqual(seqs, [1, 2, 3, 4, 5]);
  assert.equal(o.reads, 0);
});

test('a lost push is read from the store before the one after it is handed on', async () => {
  const { order: o, seqs } = order();
  o.start(0);
  o.accept(push(1));
  o.accept(push(2));
  o.accept(push(5)); // 3 and 4 were lost
  o.accept(push(6));
  await until(() => seqs.length === 6);
  assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6]);
  assert.equal(o.reads, 1, 'one read for the gap');
  o.accept(push(4)); // a late copy of a lost one
  o.accept(push(7));
  assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7]);
});

test('pushes that arrive before the baseline are checked against it', async () => {
  const { order: o, seqs } = order();
  o.accept(push(9));
  o.accept(push(12));
  o.start(10);
  await until(() => seqs.length === 2);
  assert.deepEqual(seqs, [11, 12], '9 is older than the baseline; 11 came from the store');
});

test('a resync reads everything after the last seq handed on', async () => {
  const { order: o, seqs } = order();
  o.start(15);
  o.resync();
  await until(() => seqs.length === 5);
  assert.deepEqual(seqs, [16, 17, 18, 19, 20]);
});

test('a stopped room hands on nothing more', async () => {
  // The gap read the stopped room has in flight is watched, so that the test waits for exactly it
  // (it still reads the real store), not for some time that a slow machine may not give it.
  const reads: Promise<unknown>[] = [];
  const reader = {
    roomSeq: (room: string) => store.roomSeq(room),
    after: (room: string, after: number, limit: number) => {
      const read = store.after(room, after, limit);
      reads.push(read);
      return read;
    },
  };
  const seqs: number[] = [];
  const o = new RoomOrder({ room: 'r', reader, log, emit: (pushed) => seqs.push(pushed.seq) });
  o.start(0);
  o.accept(push(3));
  o.stop();
  assert.equal(reads.length, 1, 'the gap before seq 3 is being read');
  await Promise.all(reads);
  await new Promise((resolve) => setImmediate(resolve)); // the room has handled what the read returned
  o.accept(push(1));
  assert.deepEqual(seqs, []);
  assert.equal(reads.length, 1, 'and read nothing more');
});
