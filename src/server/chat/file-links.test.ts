// Download links: genuine until they expire, then refused; bound to their file, variant, reader and
// login session; signed with the server's secret (another server's link is refused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FileLinks, type LinkQuery } from './file-links.js';

const TTL_MS = 10 * 60_000;

function queryOf(url: string): LinkQuery {
  const params = new URL(url, 'http://parley.test').searchParams;
  return { u: params.get('u') ?? undefined, s: params.get('s') ?? undefined, e: params.get('e') ?? undefined, sig: params.get('sig') ?? undefined };
}

test('a link works for its reader until it expires, and not a millisecond after', () => {
  let now = 1_764_000_000_000;
  const links = new FileLinks(randomBytes(32), TTL_MS, () => now);
  const made = links.make('f_abc', 'file', { user: 'g_ada', session: 'h1' });
  assert.equal(made.expiresAt, now + TTL_MS);
  assert.match(made.url, /^\/files\/f_abc\?/);
  const query = queryOf(made.url);
  assert.deepEqual(links.check('f_abc', 'file', query), { user: 'g_ada', session: 'h1' });
  now += TTL_MS;
  assert.deepEqual(links.check('f_abc', 'file', query), { user: 'g_ada', session: 'h1' }, 'still good at its expiry');
  now += 1;
  assert.equal(links.check('f_abc', 'file', query), undefined);
});

test('a link is refused for another file, variant, reader, session or expiry, and from another server', () => {
  const now = 1_764_000_000_000;
  const secret = randomBytes(32);
  const links = new FileLinks(secret, TTL_MS, () => now);
  const query = queryOf(links.make('f_abc', 'thumb', { user: 'g_ada' }).url);
  assert.deepEqual(links.check('f_abc', 'thumb', query), { user: 'g_ada' });
  assert.equal(links.check('f_abd', 'thumb', query), undefined);
  assert.equal(links.check('f_abc', 'file', query), undefined);
  assert.equal(links.check('f_abc', 'thumb', { ...query, u: 'g_eve' }), undefined);
  assert.equal(links.check('f_abc', 'thumb', { ...query, s: 'h2' }), undefined);
  assert.equal(links.check('f_abc', 'thumb', { ...query, e: String(now + 365 * 24 * 3_600_000) }), undefined);
  assert.equal(links.check('f_abc', 'thumb', { ...query, sig: undefined }), undefined);
  assert.equal(links.check('f_abc', 'thumb', { ...query, e: '1e20' }), undefined);
  assert.equal(new FileLinks(randomBytes(32), TTL_MS, () => now).check('f_abc', 'thumb', query), undefined);
  assert.deepEqual(new FileLinks(secret, TTL_MS, () => now).check('f_abc', 'thumb', query), { user: 'g_ada' }, 'the same secret after a restart');
});
