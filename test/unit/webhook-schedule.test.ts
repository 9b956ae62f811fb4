// The webhook retry schedule: parsed from PARLEY_WEBHOOK_RETRY_SCHEDULE, at least 24 hours by
// default, with bounded jitter, and spent after its last wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_SCHEDULE, parseSchedule, retryDelay } from '../../src/server/webhooks/schedule.js';
import { loadConfig } from '../../src/server/config.js';

test('the default schedule retries for more than 24 hours, growing', () => {
  const waits = parseSchedule(DEFAULT_RETRY_SCHEDULE);
  assert.deepEqual(waits, [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
  assert.ok(waits.reduce((a, b) => a + b, 0) >= 24 * 3_600_000);
  assert.deepEqual(loadConfig([], {}).webhooks.retryScheduleMs, waits);
});

test('jitter adds at most a fifth; after the last wait the schedule is spent', () => {
  const waits = parseSchedule('100ms,1s');
  assert.equal(
    retryDelay(waits, 1, () => 0),
    100,
  );
  assert.equal(
    retryDelay(waits, 1, () => 0.999_999),
    120,
  );
  assert.equal(
    retryDelay(waits, 2, () => 0.5),
    1100,
  );
  assert.equal(retryDelay(waits, 3), undefined);
});

test('a malformed schedule is refused at start', () => {
  for (const bad of ['', '5', '5 minutes', '-5s', '5s,,x', '1y']) {
    assert.throws(() => loadConfig([], { PARLEY_WEBHOOK_RETRY_SCHEDULE: bad }), /PARLEY_WEBHOOK_RETRY_SCHEDULE/, bad);
  }
});
