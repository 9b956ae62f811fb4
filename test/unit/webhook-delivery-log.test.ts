// The delivery worker's batched log writes (webhooks/delivery-log.ts), against a store whose
// `logAttempts` the test answers by hand: attempts of a moment go in one write, in order; one write
// at a time; a full batch goes at once; a failed write is told once and dropped; past the bound the
// oldest waiting attempts are dropped and that is told; flush writes everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { BATCH_MAX, DeliveryLog, PENDING_MAX, type DeliveryLogStore } from '../../src/server/webhooks/delivery-log.js';
import type { AttemptOf, LoggedAttempt } from '../../src/server/store/webhook-store.js';

const attempt = (n: number): LoggedAttempt => ({
  eventId: `msg_${n}`,
  type: 'message.created',
  attempt: 1,
  at: n,
  ok: true,
  status: 200,
  latencyMs: 1,
  payload: '{}',
  createdAt: n,
});

/** A store whose writes wait until the test settles them, one by one. */
class HeldStore implements DeliveryLogStore {
  readonly writes: { batch: AttemptOf[]; keep: number; settle: (error?: Error) => void }[] = [];
  #waiters: (() => void)[] = [];

  logAttempts(attempts: readonly AttemptOf[], keep: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push({ batch: [...attempts], keep, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  /** Resolves once `count` writes have started. */
  async started(count: number): Promise<void> {
    while (this.writes.length < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }
}

function logger(): { log: Logger; lines: { level: number; msg: string; dropped?: number }[] } {
  const lines: { level: number; msg: string; dropped?: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

const events = (batch: AttemptOf[] | undefined): string[] => (batch ?? []).map((one) => `${one.subscriptionId}:${one.attempt.at}`);

test('the attempts of a moment go in one write, in order; the next write waits for the one in flight', async () => {
  const store = new HeldStore();
  const deliveryLog = new DeliveryLog(store, logger().log);
  deliveryLog.add('a', attempt(1));
  deliveryLog.add('b', attempt(2));
  deliveryLog.add('a', attempt(3));
  assert.equal(store.writes.length, 0, 'gathered, not written at once');
  await store.started(1);
  assert.deepEqual(events(store.writes[0]?.batch), ['a:1', 'b:2', 'a:3']);
  assert.equal(store.writes[0]?.keep, 100);
  deliveryLog.add('a', attempt(4));
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(store.writes.length, 1, 'no second write while the first is in flight');
  store.writes[0]?.settle();
  await store.started(2);
  assert.deepEqual(events(store.writes[1]?.batch), ['a:4']);
  store.writes[1]?.settle();
  await deliveryLog.flush();
});

test('a full batch is written at once, the rest after it; flush writes everything and waits', async () => {
  const store = new HeldStore();
  const deliveryLog = new DeliveryLog(store, logger().log);
  for (let n = 0; n < BATCH_MAX + 10; n++) deliveryLog.add('a', attempt(n));
  assert.equal(store.writes.length, 1, 'the full batch went without waiting');
  assert.equal(store.writes[0]?.batch.length, BATCH_MAX);
  let flushed = false;
  const flushing = deliveryLog.flush().then(() => (flushed = true));
  store.writes[0]?.settle();
  await store.started(2);
  assert.equal(store.writes[1]?.batch.length, 10);
  assert.equal(flushed, false, 'flush waits for the last write');
  store.writes[1]?.settle();
  await flushing;
  assert.equal(flushed, true);
});

test('a failed write is told once and dropped; the next that works says so', async () => {
  const store = new HeldStore();
  const { log, lines } = logger();
  const deliveryLog = new DeliveryLog(store, log);
  for (let round = 0; round < 3; round++) {
    deliveryLog.add('a', attempt(round));
    await store.started(round + 1);
    store.writes[round]?.settle(new Error('the database is gone'));
    await deliveryLog.flush();
  }
  assert.equal(lines.filter((line) => line.msg.includes('could not write the delivery log')).length, 1);
  deliveryLog.add('a', attempt(9));
  await store.started(4);
  assert.deepEqual(events(store.writes[3]?.batch), ['a:9'], 'the failed attempts are not written again');
  store.writes[3]?.settle();
  await deliveryLog.flush();
  const again = lines.find((line) => line.msg.includes('writing the delivery log again'));
  assert.equal(again?.dropped, 3);
});

test(`past ${PENDING_MAX} waiting attempts the oldest are dropped, and that is told`, async () => {
  const store = new HeldStore();
  const { log, lines } = logger();
  const deliveryLog = new DeliveryLog(store, log);
  deliveryLog.add('a', attempt(0));
  await store.started(1);
  // The first write hangs; meanwhile more than the bound arrive.
  for (let n = 1; n <= PENDING_MAX + 5; n++) deliveryLog.add('a', attempt(n));
  store.writes[0]?.settle();
  const flushing = deliveryLog.flush();
  let count = 0;
  for (let i = 1; count < PENDING_MAX; i++) {
    await store.started(i + 1);
    count += store.writes[i]?.batch.length ?? 0;
    store.writes[i]?.settle();
  }
  await flushing;
  const written = store.writes.slice(1).flatMap((write) => write.batch.map((one) => one.attempt.at));
  assert.equal(written.length, PENDING_MAX);
  assert.equal(written[0], 6, 'the oldest five were dropped');
  assert.equal(written.at(-1), PENDING_MAX + 5);
  const behind = lines.find((line) => line.msg.includes('fell behind'));
  assert.equal(behind?.dropped, 5);
});
