// The watch's state and /readyz's answer are one: a live check's answer is what the next upgrade
// sees, and an older check that answers late does not overwrite a newer one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReadinessWatch } from './readiness-watch.js';
import type { Readiness } from './http/ops-routes.js';

const state = (ready: boolean): Readiness => ({ ready, checks: {} });

/** A check whose answers the test gives, one call at a time. */
function scripted() {
  const pending: ((ready: boolean) => void)[] = [];
  const check = (): Promise<Readiness> => new Promise((resolve) => pending.push((ready) => resolve(state(ready))));
  return { check, answer: (index: number, ready: boolean) => pending[index]?.(ready), calls: () => pending.length };
}

test('a live check that finds the node ready is what ready says at once, after a failed timer check', async () => {
  const script = scripted();
  const watch = new ReadinessWatch(script.check, 60_000);
  try {
    script.answer(0, false); // the constructor's first check: the broker was still connecting
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(watch.ready, false);
    const live = watch.check(); // what /readyz does
    script.answer(1, true);
    assert.equal((await live).ready, true);
    assert.equal(watch.ready, true, 'the upgrade decision follows the answer the balancer just got');
  } finally {
    watch.stop();
  }
});

test('an older check that answers after a newer one does not overwrite it', async () => {
  const script = scripted();
  const watch = new ReadinessWatch(script.check, 60_000);
  try {
    const newer = watch.check();
    script.answer(1, true);
    await newer;
    script.answer(0, false); // the constructor's check, slow under load, answers last
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(watch.ready, true);
    assert.equal(script.calls(), 2);
  } finally {
    watch.stop();
  }
});

test('a check that throws counts as not ready, and /readyz still sees the error', async () => {
  const watch = new ReadinessWatch(() => Promise.reject(new Error('ping failed')), 60_000);
  try {
    await assert.rejects(watch.check(), /ping failed/);
    assert.equal(watch.ready, false);
  } finally {
    watch.stop();
  }
});
