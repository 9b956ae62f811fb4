// Write rounds: one write per connection per round, and after an expensive round the next one
// waits min(3 × its duration, the pacing limit) so that it carries more. The sockets are real Duplex
// streams whose write takes a set time, standing in for a round over thousands of sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable, Duplex } from 'node:stream';
import { Outbox } from './outbox.js';
import { WriteRounds } from './write-rounds.js';

/** A socket whose every write busy-waits `costMs` and records when it happened and what it carried. */
function slowSocket(costMs: number): { socket: Duplex; writes: { at: number; bytes: number }[] } {
  const writes: { at: number; bytes: number }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const start = performance.now();
      while (performance.now() - start < costMs) {
        // the kernel's time, in a real round over thousands of sockets
      }
      writes.push({ at: performance.now(), bytes: chunk.length });
      done();
    },
  });
  const socket = Duplex.from({ writable: sink, readable: null });
  return { socket, writes };
}

const owner = { slowConsumer: () => assert.fail('not slow') };
const frame = (n: number): Buffer => Buffer.from(`frame ${n}`);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function twoRounds(pacingMs: number, costMs = 30): Promise<{ gap: number; writes: { at: number; bytes: number }[] }> {
  const { socket, writes } = slowSocket(costMs);
  const rounds = new WriteRounds(pacingMs);
  const outbox = new Outbox(socket, 1 << 20, owner, rounds);
  outbox.enqueue(frame(1));
  outbox.enqueue(frame(2));
  while (writes.length < 1) await turn();
  const firstEnded = writes[0]?.at ?? 0;
  outbox.enqueue(frame(3));
  while (writes.length < 2) await new Promise((resolve) => setTimeout(resolve, 1));
  return { gap: (writes[1]?.at ?? 0) - costMs - firstEnded, writes };
}

test('what a connection gets before its round leaves in one write', async () => {
  const { writes } = await twoRounds(0);
  assert.equal(writes[0]?.bytes, frame(1).length + frame(2).length);
});

test('after a 30 ms round, pacing 20 holds the next round back about 20 ms', async () => {
  const { gap } = await twoRounds(20);
  assert.ok(gap >= 18, `next round started ${gap.toFixed(1)} ms after the first ended`);
});

test('after a 5 ms round, the next waits about three times as long (15 ms), not 5', async () => {
  const { gap } = await twoRounds(20, 5);
  assert.ok(gap >= 13, `next round started ${gap.toFixed(1)} ms after the first ended`);
});

// Counted in event-loop turns, not milliseconds: a paced round waits on a timer, an unpaced one runs
// in the very next check phase (setImmediate), ahead of a turn the test schedules after queueing.
async function roundsAfterOneTurn(pacingMs: number): Promise<number> {
  const { socket, writes } = slowSocket(30);
  const outbox = new Outbox(socket, 1 << 20, owner, new WriteRounds(pacingMs));
  outbox.enqueue(frame(1));
  while (writes.length < 1) await turn();
  outbox.enqueue(frame(2));
  await turn();
  return writes.length;
}

test('with pacing off the next round follows at once: in the next turn, on no timer', async () => {
  assert.equal(await roundsAfterOneTurn(0), 2, 'the second round ran in the turn after its frame was queued');
  // The same check tells a paced round apart, so it can fail.
  assert.equal(await roundsAfterOneTurn(20), 1, 'after a 30 ms round, pacing 20 holds the next one on a timer');
});
