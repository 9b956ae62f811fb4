// Ids cut from a shared random pool must still be distinct, of the promised length and URL-safe,
// across pool refills.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomId } from '../../src/server/random-id.js';

test('randomId: distinct base64url ids of the right length across many pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = randomId(12);
    assert.match(id, /^[A-Za-z0-9_-]{16}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 20_000);
  assert.match(randomId(16), /^[A-Za-z0-9_-]{22}$/);
  assert.match(randomId(9), /^[A-Za-z0-9_-]{12}$/);
  assert.equal(randomId(5000).length, Math.ceil((5000 * 4) / 3));
});
