// The HTTP side facing browsers: security headers on every response (a CSP with no inline script,
// nosniff, no framing, no referrer), no CORS for other origins, and the built web app free of
// inline script so that the CSP does not break it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server.stop();
});

const webIndex = fileURLToPath(new URL('../../../web/dist/index.html', import.meta.url));

for (const path of ['/', '/healthz', '/metrics', '/no-such-page']) {
  test(`security headers on ${path}`, async () => {
    const response = await fetch(`${server.url}${path}`);
    await response.arrayBuffer();
    const csp = response.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'scripts only from the origin: no inline, no eval');
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    assert.equal(response.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(response.headers.get('strict-transport-security'), null, 'HSTS only over TLS');
  });
}

test('CORS is closed: no Access-Control-Allow-Origin for another origin, preflights are not answered', async () => {
  const simple = await fetch(`${server.url}/healthz`, { headers: { origin: 'https://evil.example' } });
  await simple.arrayBuffer();
  assert.equal(simple.headers.get('access-control-allow-origin'), null);
  const preflight = await fetch(`${server.url}/healthz`, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
  });
  await preflight.arrayBuffer();
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  assert.equal(preflight.headers.get('access-control-allow-methods'), null);
});

test('the built web app has no inline script or style, so the CSP leaves it working', (t) => {
  if (!existsSync(webIndex)) {
    if (process.env['CI'] === 'true') assert.fail('web/dist/index.html is missing: npm run build:web');
    t.skip('SKIPPED: web/dist/index.html is not built (npm run build:web)');
    return;
  }
  const html = readFileSync(webIndex, 'utf8');
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.ok(scripts.length > 0, 'the page loads its script');
  for (const [, attributes, body] of scripts) {
    assert.match(attributes ?? '', /\bsrc=/, 'every script is a file');
    assert.equal((body ?? '').trim(), '', 'no inline script body');
  }
  assert.doesNotMatch(html, /<style\b/, 'no inline style element');
  assert.doesNotMatch(html, /\son[a-z]+=/i, 'no inline event handler');
});
