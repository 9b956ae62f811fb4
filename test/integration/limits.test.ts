// Limits a public server needs, each with its documented error or close code: rate limits per
// connection and per user (rate_limited with retryAfterMs, then 1008 for a connection that keeps
// going), hello within a deadline (4408), connections per address (HTTP 429), rooms per connection
// (too_many_rooms), and JSON shape bounds checked before the schema (bad_frame).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode } from '../../src/protocol/errors.js';
import type { Config } from '../../src/server/config.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient, settle } from '../support/client.js';

const noRates: Config['rateLimits'] = {
  connSend: null,
  connOther: null,
  userSend: null,
  userOther: null,
  ipSend: null,
  abuseRefusals: 0,
  abuseWindowMs: 10_000,
};

async function withServer(overrides: Partial<Config>, body: (server: TestServer) => Promise<void>): Promise<void> {
  const server = await startTestServer(overrides);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

test('sends over the per-connection bucket get rate_limited with retryAfterMs; waiting that long works', async () => {
  const rateLimits = { ...noRates, connSend: { perSecond: 2, burst: 3 } };
  await withServer({ rateLimits }, async (server) => {
    const client = await TestClient.guest(server.wsUrl, 'eager');
    await client.ok('join', { room: 'limited' });
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => client.request('send', { room: 'limited', text: `m${n}`, cid: `c${n}` })));
    assert.deepEqual(
      replies.map((r) => r.type),
      ['ok', 'ok', 'ok', 'error', 'error'],
    );
    const refused = replies[3] as Record<string, unknown>;
    assert.equal(refused['code'], 'rate_limited');
    const wait = refused['retryAfterMs'];
    assert.ok(typeof wait === 'number' && wait > 0 && wait <= 500, `retryAfterMs is the time to the next token: ${String(wait)}`);
    await settle(wait + 20);
    await client.ok('send', { room: 'limited', text: 'after waiting', cid: 'c6' });
    // Other verbs have their own bucket: still fine.
    await client.ok('rooms');
    const history = await client.ok('history', { room: 'limited' });
    assert.deepEqual(
      (history['messages'] as { text: string; seq: number }[]).map((m) => [m.seq, m.text]),
      [
        [1, 'm1'],
        [2, 'm2'],
        [3, 'm3'],
        [4, 'after waiting'],
      ],
    );
  });
});

test('the per-user bucket is shared by all connections of one user', async () => {
  const rateLimits = { ...noRates, userSend: { perSecond: 0.5, burst: 4 } };
  await withServer({ rateLimits }, async (server) => {
    const first = await TestClient.connect(server.wsUrl);
    const hello = await first.ok('hello', { nick: 'twin' });
    const second = await TestClient.connect(server.wsUrl);
    await second.ok('hello', { nick: 'twin', resume: hello['resume'] });
    for (const c of [first, second]) await c.ok('join', { room: 'shared' });
    const replies = await Promise.all(
      [first, second].flatMap((c, i) => [1, 2, 3].map((n) => c.request('send', { room: 'shared', text: `t${i}${n}`, cid: `c${i}${n}` }))),
    );
    assert.equal(replies.filter((r) => r.type === 'ok').length, 4);
    assert.deepEqual(new Set(replies.filter((r) => r.type === 'error').map((r) => r['code'])), new Set(['rate_limited']));
  });
});

test('other verbs have their own bucket, and garbage frames spend it too', async () => {
  const rateLimits = { ...noRates, connOther: { perSecond: 1, burst: 3 } };
  await withServer({ rateLimits }, async (server) => {
    const client = await TestClient.guest(server.wsUrl, 'curious'); // hello took one token
    client.sendRaw('not json');
    const errorFrame = client.next((f) => f.type === 'error' && f['id'] === undefined, 'bad_frame');
    assert.equal((await errorFrame)['code'], 'bad_frame');
    const replies = await Promise.all([1, 2].map(() => client.request('rooms')));
    assert.deepEqual(
      replies.map((r) => (r.type === 'ok' ? 'ok' : r['code'])),
      ['ok', 'rate_limited'],
    );
  });
});

test('a connection that keeps going after refusals is closed with 1008', async () => {
  const rateLimits = { ...noRates, connSend: { perSecond: 1, burst: 2 }, abuseRefusals: 10 };
  await withServer({ rateLimits }, async (server) => {
    const abuser = await TestClient.guest(server.wsUrl, 'flood');
    const bystander = await TestClient.guest(server.wsUrl, 'calm');
    await abuser.ok('join', { room: 'abuse' });
    await bystander.ok('join', { room: 'abuse' });
    for (let i = 0; i < 40; i++) abuser.sendRaw(JSON.stringify({ type: 'send', room: 'abuse', text: `x${i}`, cid: `x${i}` }));
    const closed = await abuser.closed;
    assert.equal(closed.code, CloseCode.PolicyViolation);
    const limited = abuser.frames.filter((f) => f['code'] === 'rate_limited').length;
    assert.ok(limited >= 1 && limited < 10, `refusals before the close: ${limited}`);
    // Everyone else carries on.
    await bystander.ok('send', { room: 'abuse', text: 'still here', cid: 'b1' });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /parley_rate_limited_total\{kind="send"\} (\d+)/);
    assert.match(metrics, /parley_disconnects_total\{code="1008"\} 1/);
  });
});

test('a protocol connection that does not say hello in time is closed with 4408; one that does stays', async () => {
  await withServer({ helloTimeoutMs: 300 }, async (server) => {
    const silent = await TestClient.connect(server.wsUrl);
    const polite = await TestClient.guest(server.wsUrl, 'polite');
    const closed = await silent.closed;
    assert.equal(closed.code, CloseCode.HelloTimeout);
    await settle(400);
    await polite.ok('rooms');
    // A frame that is not hello does not count as one.
    const chatty = await TestClient.connect(server.wsUrl);
    const refused = await chatty.request('rooms');
    assert.equal(refused['code'], 'hello_required');
    assert.equal((await chatty.closed).code, CloseCode.HelloTimeout);
    await polite.close();
  });
});

test('connections per address: the one over the limit is refused with HTTP 429, and a freed slot is reusable', async () => {
  await withServer({ maxConnectionsPerIp: 3 }, async (server) => {
    const open = await Promise.all([1, 2, 3].map((n) => TestClient.guest(server.wsUrl, `ip${n}`)));
    await assert.rejects(TestClient.connect(server.wsUrl), /429/);
    await (open[0] as TestClient).close();
    await settle(50);
    const again = await TestClient.guest(server.wsUrl, 'again');
    await again.ok('rooms');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /parley_upgrades_refused_total\{reason="per_ip"\} 1/);
  });
});

test('rooms per connection: a join beyond the limit gets too_many_rooms; leaving one makes room', async () => {
  await withServer({ maxRoomsPerConnection: 2 }, async (server) => {
    const client = await TestClient.guest(server.wsUrl, 'roamer');
    await client.ok('join', { room: 'r1' });
    await client.ok('join', { room: 'r2' });
    await client.ok('join', { room: 'r2' }); // joining again is not a new room
    const refused = await client.request('join', { room: 'r3' });
    assert.equal(refused['code'], 'too_many_rooms');
    await client.ok('leave', { room: 'r1' });
    await client.ok('join', { room: 'r3' });
  });
});

test('frames nested too deep or with too many fields get bad_frame before any schema runs', async () => {
  await withServer({ jsonBounds: { maxDepth: 4, maxFields: 16 } }, async (server) => {
    const client = await TestClient.guest(server.wsUrl, 'shapes');
    const deep = `{"id":1,"type":"rooms","x":${'['.repeat(4)}${']'.repeat(4)}}`;
    const wide = JSON.stringify({ id: 2, type: 'rooms', ...Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}`, i])) });
    const replyDeep = client.next((f) => f.type === 'error' && f['id'] === undefined, 'deep refused');
    client.sendRaw(deep);
    const deepError = await replyDeep;
    assert.equal(deepError['code'], 'bad_frame');
    assert.match(String(deepError['message']), /deeper than 4/);
    const replyWide = client.next((f) => f.type === 'error' && f['id'] === undefined, 'wide refused');
    client.sendRaw(wide);
    assert.match(String((await replyWide)['message']), /more than 16 fields/);
    // Within the bounds, even with brackets inside strings, all is well.
    const fine = await client.request('rooms', { note: '[[[[[[[[{{{{{{{,,,,,:::::' });
    assert.equal(fine.type, 'ok');
  });
});
