// Reconnect delays grow exponentially up to a cap, with half of each delay random.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../src/client/backoff.js';

test('backoff doubles from initialMs, is capped at maxMs, and jitters within the upper half', () => {
  const options = { initialMs: 100, maxMs: 1000 };
  const low = (attempt: number): number => backoffDelay(attempt, options, () => 0);
  const high = (attempt: number): number => backoffDelay(attempt, options, () => 1);
  assert.deepEqual([0, 1, 2, 3, 4, 10].map(high), [100, 200, 400, 800, 1000, 1000]);
  assert.deepEqual([0, 1, 2, 3, 4, 10].map(low), [50, 100, 200, 400, 500, 500]);
  for (let i = 0; i < 100; i++) {
    const delay = backoffDelay(3, options);
    assert.ok(delay >= 400 && delay <= 800, `delay ${delay}`);
  }
  assert.equal(
    backoffDelay(0, {}, () => 1),
    500,
    'default initial delay',
  );
  assert.equal(
    backoffDelay(50, {}, () => 1),
    15_000,
    'default cap',
  );
});
