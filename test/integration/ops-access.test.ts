// Who may read /readyz and /metrics: anyone by default (as before, with a warning at startup when the
// port is public), only `Authorization: Bearer <PARLEY_METRICS_TOKEN>` when a token is set, and only
// the ops listener when PARLEY_METRICS_PORT gives them one. /healthz answers everyone everywhere.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../support/server.js';
import { killAllServers, spawnServer } from '../support/process.js';
import { bearerMatches } from '../../src/server/http/ops-routes.js';

after(() => killAllServers());

const TOKEN = 'ops-token-0123456789abcdef';
const get = async (url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; auth: string | null }> => {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.text(), auth: response.headers.get('www-authenticate') };
};

test('by default /readyz and /metrics answer anyone, as before', async () => {
  const server = await startTestServer();
  try {
    assert.equal((await get(`${server.url}/readyz`)).status, 200);
    assert.match((await get(`${server.url}/metrics`)).body, /parley_connections /);
    assert.equal((await get(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.stop();
  }
});

test('with PARLEY_METRICS_TOKEN, /readyz and /metrics need the bearer token; /healthz stays open', async () => {
  const server = await startTestServer({ ops: { token: TOKEN, port: undefined, host: '127.0.0.1' } });
  try {
    for (const path of ['/readyz', '/metrics']) {
      for (const headers of [
        {},
        { authorization: 'Bearer wrong-token-0123456789' },
        { authorization: `Bearer ${TOKEN}x` },
        { authorization: TOKEN },
        { authorization: 'Bearer ' },
      ]) {
        const refused = await get(`${server.url}${path}`, headers);
        assert.equal(refused.status, 401, `${path} ${JSON.stringify(headers)}`);
        assert.equal(refused.auth, 'Bearer realm="parley-ops"');
        assert.equal((JSON.parse(refused.body) as { error: string }).error, 'unauthorized');
        assert.doesNotMatch(refused.body, /parley_|pid/, 'nothing of what it guards');
      }
      assert.equal((await get(`${server.url}${path}`, { authorization: `Bearer ${TOKEN}` })).status, 200, path);
    }
    assert.equal((await get(`${server.url}/healthz`)).status, 200, 'liveness needs no token');
    const metrics = (await get(`${server.url}/metrics`, { authorization: `bearer ${TOKEN}` })).body;
    assert.match(metrics, /parley_ops_unauthorized_total\{path="\/readyz"\} 5/);
    assert.match(metrics, /parley_ops_unauthorized_total\{path="\/metrics"\} 5/);
  } finally {
    await server.stop();
  }
});

test('with PARLEY_METRICS_PORT they move to the ops listener, off the public port', async () => {
  const server = await startTestServer({ ops: { token: TOKEN, port: 0, host: '127.0.0.1' } });
  try {
    assert.ok(server.opsPort !== undefined && server.opsPort !== server.port);
    const ops = `http://127.0.0.1:${String(server.opsPort)}`;
    assert.equal((await get(`${server.url}/metrics`, { authorization: `Bearer ${TOKEN}` })).status, 404, 'not on the public port');
    assert.equal((await get(`${server.url}/readyz`, { authorization: `Bearer ${TOKEN}` })).status, 404);
    assert.equal((await get(`${server.url}/healthz`)).status, 200);
    assert.equal((await get(`${ops}/metrics`)).status, 401, 'the token still applies there');
    assert.equal((await get(`${ops}/metrics`, { authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await get(`${ops}/readyz`, { authorization: `Bearer ${TOKEN}` })).status, 200);
    assert.equal((await get(`${ops}/healthz`)).status, 200);
    assert.equal((await get(`${ops}/api/login`)).status, 404, 'the ops listener serves nothing else');
  } finally {
    await server.stop();
  }
});

test('a start on a public address without a token warns; on loopback it does not', async () => {
  const open = await spawnServer({ args: ['--host', '0.0.0.0'] });
  const quiet = await spawnServer();
  const guarded = await spawnServer({ args: ['--host', '0.0.0.0'], env: { PARLEY_METRICS_TOKEN: TOKEN } });
  // A reply from each is the barrier: their startup lines are all written by then.
  for (const server of [open, quiet, guarded]) assert.equal((await get(`${server.url}/healthz`)).status, 200);
  const warned = (lines: string[]): boolean => lines.some((line) => line.includes('/readyz and /metrics answer anyone'));
  assert.equal(warned(open.lines), true);
  assert.equal(warned(quiet.lines), false);
  assert.equal(warned(guarded.lines), false);
  for (const server of [open, quiet, guarded]) await server.stop();
});

test('bearerMatches: exact token only, scheme case-insensitive', () => {
  assert.equal(bearerMatches(`Bearer ${TOKEN}`, TOKEN), true);
  assert.equal(bearerMatches(`bearer ${TOKEN}`, TOKEN), true);
  assert.equal(bearerMatches(`Bearer ${TOKEN.slice(0, -1)}`, TOKEN), false);
  assert.equal(bearerMatches(`Basic ${TOKEN}`, TOKEN), false);
  assert.equal(bearerMatches(undefined, TOKEN), false);
  assert.equal(bearerMatches('Bearer', TOKEN), false);
});
