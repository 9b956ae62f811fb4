// Guest ids and resume tokens: ids sort by creation (so bursts of new guests write at the right
// edge of the B-trees keyed by user id), a genuine token keeps its user, anything else is a new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { GuestIssuer, newGuestId } from './guest.js';

test('guest ids sort by the time they were made, in plain byte order, and stay distinct', () => {
  const times = [1_000, 1_764_000_000_000, 1_764_000_000_001, 2_500_000_000_000];
  const ids = times.map((now) => newGuestId(now));
  assert.deepEqual([...ids].sort(), ids);
  assert.ok(ids.every((id) => /^g_[0-9a-z]{8}[A-Za-z0-9_-]{12}$/.test(id)));
  const many = new Set(Array.from({ length: 1000 }, () => newGuestId(5)));
  assert.equal(many.size, 1000);
});

test('a genuine resume token keeps its user and comes back unchanged; a forged or foreign one makes a new user', () => {
  const issuer = new GuestIssuer(randomBytes(32));
  const first = issuer.issue('ann');
  const again = issuer.issue('ann2', first.resume);
  assert.equal(again.user.id, first.user.id);
  assert.equal(again.user.name, 'ann2');
  assert.equal(again.resume, first.resume);
  const [id, signature = ''] = first.resume.split('.');
  const forged = `${id}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
  assert.notEqual(issuer.issue('ann', forged).user.id, first.user.id);
  const other = new GuestIssuer(randomBytes(32)).issue('ann');
  assert.notEqual(issuer.issue('ann', other.resume).user.id, other.user.id);
  assert.equal(issuer.idOf(first.resume), first.user.id);
  assert.equal(issuer.idOf('nonsense'), undefined);
});
