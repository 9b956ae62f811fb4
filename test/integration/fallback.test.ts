// The HTTP fallback (event stream + POSTs) over real HTTP: the same sessions as WebSocket (hello,
// join with since, acks after storing, fan-out both ways between the two transports, recovery
// after the stream is cut), and its bounds: unknown streams, wrong secrets, huge or crowded POSTs,
// malformed frames, the hello deadline, per-address streams, heartbeats, slow readers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { CloseCode } from '../../src/protocol/errors.js';
import { loadConfig } from '../../src/server/config.js';
import { startTestServer, TEST_JOIN_CREATES, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { SseTestClient } from '../support/sse-client.js';
import { api, authConfig, register } from '../support/auth.js';

let server: TestServer;
before(async () => {
  server = await startTestServer({ outboxLimitBytes: 1024 * 1024 });
});
after(async () => {
  await server.stop();
});

test('a fallback session says hello, joins, sends with an ack, and chats with a WebSocket client both ways', async () => {
  const sse = await SseTestClient.guest(server.url, 'ada');
  const ws = await TestClient.guest(server.wsUrl, 'bob');
  const joined = await sse.ok('join', { room: 'mixed' });
  assert.equal(joined['seq'], 0);
  await ws.ok('join', { room: 'mixed' });

  const ack = await sse.ok('send', { room: 'mixed', text: 'from the fallback', cid: 'c1' });
  assert.equal(ack['seq'], 1);
  const atWs = await ws.waitFor('message', 1, 'mixed');
  assert.equal(atWs[0]?.['text'], 'from the fallback');

  await ws.ok('send', { room: 'mixed', text: 'from websocket', cid: 'w1' });
  const atSse = await sse.waitFor('message', 2, 'mixed');
  assert.deepEqual(
    atSse.map((m) => [m['seq'], m['text']]),
    [
      [1, 'from the fallback'],
      [2, 'from websocket'],
    ],
  );
  // Presence and typing travel too.
  ws.sendRaw(JSON.stringify({ type: 'typing', room: 'mixed' }));
  await sse.next((f) => f.type === 'typing', 'typing push');
  await sse.barrier();
  assert.deepEqual(
    sse.postStatuses.filter((status) => status !== 202),
    [],
    'every POST accepted',
  );
  await sse.close();
  const left = await ws.next((f) => f.type === 'presence' && f['event'] === 'leave', 'presence leave', 5000);
  assert.equal((left['user'] as { name: string }).name, 'ada');
  await ws.close();
});

test('after its stream is cut, a client re-hellos on a new stream and rejoins with since: nothing lost, nothing twice', async () => {
  const room = 'cut';
  const first = await SseTestClient.guest(server.url, 'cara');
  const ws = await TestClient.guest(server.wsUrl, 'dan');
  await first.ok('join', { room });
  await ws.ok('join', { room });
  for (let i = 1; i <= 3; i++) await ws.ok('send', { room, text: `m${i}`, cid: `a${i}` });
  const seen = await first.waitFor('message', 3, room);
  const lastSeq = seen.at(-1)?.['seq'] as number;
  await first.close();
  for (let i = 4; i <= 8; i++) await ws.ok('send', { room, text: `m${i}`, cid: `a${i}` });

  const second = await SseTestClient.guest(server.url, 'cara');
  const rejoined = await second.ok('join', { room, since: lastSeq });
  assert.equal(rejoined['recovered'], true);
  await ws.ok('send', { room, text: 'm9', cid: 'a9' });
  const replayed = await second.waitFor('message', 6, room);
  await second.barrier();
  assert.deepEqual(
    second.pushes('message', room).map((m) => m['text']),
    ['m4', 'm5', 'm6', 'm7', 'm8', 'm9'],
  );
  assert.equal(replayed.length, 6);
  await second.close();
  await ws.close();
});

test('POSTs to no stream, with a wrong or missing secret, too large or too crowded are refused with their codes', async () => {
  const sse = await SseTestClient.guest(server.url, 'eve');
  const other = await SseTestClient.guest(server.url, 'fay');
  const hello = '{"id":1,"type":"rooms"}';

  const unknown = await sse.post(hello, { stream: `${sse.stream.split('.')[0] ?? ''}.AAAAAAAAAAAAAAAA` });
  assert.equal(unknown.status, 403, "an id nobody was given has no valid secret (this stream's does not fit it)");
  const garbage = await sse.post(hello, { stream: 'not-a-stream' });
  assert.equal(garbage.status, 404);
  assert.equal(((await garbage.json()) as { error: string }).error, 'not_found');

  const wrong = await sse.post(hello, { secret: other.secret });
  assert.equal(wrong.status, 403, "another stream's secret does not open this one");
  const crossed = await sse.post(hello, { stream: other.stream });
  assert.equal(crossed.status, 403, "this stream's secret does not open another's");
  assert.equal((await sse.post(hello, { stream: 'a'.repeat(90) })).status, 400, 'a stream id past its bound is refused before any lookup');
  assert.equal((await sse.post(hello, { stream: 'a'.repeat(5000) })).status, 414, 'a path parameter past Fastify’s bound');
  const longSecret = await sse.post(hello, { secret: 's'.repeat(10_000) });
  assert.equal(longSecret.status, 401);
  const missing = await fetch(`${server.url}/fallback/stream/${sse.stream}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: hello });
  assert.equal(missing.status, 401);

  const huge = await sse.post(JSON.stringify({ id: 2, type: 'send', room: 'x', text: 'y'.repeat(server.config.maxFrameBytes), cid: 'h' }));
  assert.equal(huge.status, 413, 'a frame over PARLEY_MAX_FRAME');
  const hugeBody = await sse.post('z'.repeat(server.config.maxFrameBytes * 5));
  assert.equal(hugeBody.status, 413, 'a body over the POST bound');
  const crowded = await sse.post(Array.from({ length: 33 }, (_, i) => `{"id":${100 + i},"type":"rooms"}`).join('\n'));
  assert.equal(crowded.status, 413, 'more frames than one POST may carry');
  const json = await sse.post(hello, { contentType: 'application/json' });
  assert.ok(json.status === 415 || json.status === 400, `a JSON body is not the fallback's format (${json.status})`);

  // None of the refused POSTs reached the session: the barrier's reply is the next frame after hello's.
  const before = sse.frames.length;
  await sse.barrier();
  assert.equal(sse.frames.length, before + 1);

  // The stream's secret was taken by a stream that has ended: its POSTs are refused as for no stream.
  const { stream, secret } = other;
  await other.close();
  let ended = 202;
  for (let tries = 0; tries < 50 && ended === 202; tries++) ended = (await sse.post(hello, { stream, secret })).status;
  assert.equal(ended, 404);
  await sse.close();
});

test('malformed frames in a POST get protocol errors on the stream, in order with the good ones', async () => {
  const sse = await SseTestClient.guest(server.url, 'gus');
  const response = await sse.post(['not json', '{"id":"a","type":"nonsense"}', '[1,2]', '{"id":"b","type":"rooms"}', '{"id":"c","type":"join"}'].join('\n'));
  assert.equal(response.status, 202);
  const c = await sse.next((f) => f['id'] === 'c', 'reply c');
  const errors = sse.frames.filter((f) => f.type === 'error').map((f) => [f['id'], f['code']]);
  assert.deepEqual(errors, [
    [undefined, 'bad_frame'],
    ['a', 'unknown_type'],
    [undefined, 'bad_frame'],
    ['c', 'bad_request'],
  ]);
  assert.equal(c.type, 'error');
  assert.ok(
    sse.frames.some((f) => f['id'] === 'b' && f.type === 'ok'),
    'the good frame between them was answered',
  );
  await sse.close();
});

test('a stream that says no hello in time is closed with 4408; heartbeats are comment lines; streams per address are bounded', async () => {
  const strict = await startTestServer({
    ...loadConfig([], { ...TEST_JOIN_CREATES, PARLEY_RATE_LIMITS: 'off', PARLEY_MAX_HTTP_CONN_PER_IP: '0' }),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    dataDir: server.config.dataDir + '-strict',
    helloTimeoutMs: 400,
    heartbeatMs: 200,
    maxConnectionsPerIp: 2,
  });
  try {
    const silent = await SseTestClient.open(strict.url);
    const closed = await silent.closed;
    assert.equal(closed.code, CloseCode.HelloTimeout);

    const raw = await new Promise<string>((resolve, reject) => {
      get(`${strict.url}/fallback/stream`, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString();
          if (text.includes(': ping\n\n')) {
            response.destroy();
            resolve(text);
          }
        });
      }).once('error', reject);
    });
    assert.match(raw, /^event: stream\n/);

    const a = await SseTestClient.guest(strict.url, 'hal');
    const b = await TestClient.guest(strict.wsUrl, 'ida');
    const third = await fetch(`${strict.url}/fallback/stream`);
    assert.equal(third.status, 429, 'a stream and a WebSocket are two of one bound: a third connection from the address is refused');
    await a.close();
    let again = 429;
    for (let tries = 0; tries < 50 && again === 429; tries++) {
      const attempt = await fetch(`${strict.url}/fallback/stream`, { signal: AbortSignal.timeout(1000) }).catch(() => undefined);
      again = attempt?.status ?? 0;
      await attempt?.body?.cancel();
    }
    assert.equal(again, 200, 'a stream that ended frees its place');
    await b.close();
  } finally {
    await strict.stop();
  }
});

test('a POST flood is rate limited per frame and, kept up, closes the stream with 1008, as over WebSocket', async () => {
  const limited = await startTestServer({
    ...loadConfig([], { ...TEST_JOIN_CREATES, PARLEY_MAX_CONN_PER_IP: '0', PARLEY_MAX_HTTP_CONN_PER_IP: '0' }),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    dataDir: server.config.dataDir + '-limited',
  });
  try {
    const sse = await SseTestClient.guest(limited.url, 'jon');
    await sse.ok('join', { room: 'flood' });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const frames = Array.from({ length: 32 }, (_, j) => JSON.stringify({ id: `f${i}-${j}`, type: 'send', room: 'flood', text: 'x', cid: `f${i}-${j}` }));
      statuses.push((await sse.post(frames.join('\n'))).status);
    }
    const closed = await sse.closed;
    assert.equal(closed.code, CloseCode.PolicyViolation, `closed for the flood, got ${closed.code} ${closed.reason}`);
    assert.ok(
      sse.frames.some((f) => f.type === 'error' && f['code'] === 'rate_limited'),
      'sends past the limit were refused as rate limited first',
    );
    const stored = sse.frames.filter((f) => f.type === 'ok' && typeof f['id'] === 'string' && f['id'].startsWith('f'));
    assert.ok(stored.length < 640, `not all 640 sends were taken (${stored.length})`);
    assert.equal(statuses.at(-1), 404, 'POSTs after the close find no stream');
    // The sends that were stored are in the room, once each: read back from the store over a new stream.
    const reader = await SseTestClient.guest(limited.url, 'kit');
    const joined = await reader.ok('join', { room: 'flood' });
    assert.equal(joined['seq'], stored.length);
    await reader.close();
  } finally {
    await limited.stop();
  }
});

test('a fallback reader that stops reading is closed with 4008 while the room goes on', { timeout: 60_000 }, async () => {
  const room = 'slow-sse';
  const fast = await TestClient.guest(server.wsUrl, 'kim');
  const slow = await SseTestClient.guest(server.url, 'lee');
  await fast.ok('join', { room });
  await slow.ok('join', { room });
  slow.response.pause();
  const text = 'x'.repeat(4000);
  let sent = 0;
  const dropped = async (): Promise<number> => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^parley_slow_consumers_dropped_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
  };
  const before = await dropped();
  while ((await dropped()) === before) {
    assert.ok(sent < 4000, `the server never closed the reader that does not read (${sent} sent)`);
    const acks = [];
    for (let i = 0; i < 100; i++, sent++) acks.push(fast.ok('send', { room, text, cid: `s${sent}` }));
    await Promise.all(acks);
  }
  slow.response.resume();
  const closed = await slow.closed;
  assert.equal(closed.code, CloseCode.SlowConsumer, `closed as a slow consumer, got ${closed.code} ${closed.reason}`);
  assert.ok(slow.pushes('message', room).length < sent);
  const messages = await fast.waitFor('message', sent, room, 20_000);
  assert.deepEqual(
    messages.map((m) => m['seq']),
    Array.from({ length: sent }, (_, i) => i + 1),
  );
  await fast.close();
});

test('a server shutting down closes fallback streams with 1001, and a logout closes its streams with 4401', async () => {
  const own = await startTestServer({ auth: authConfig() });
  const account = await register(own.url, 'stream-user');
  const signedIn = await SseTestClient.open(own.url);
  await signedIn.ok('hello', { token: account.token });
  const guest = await SseTestClient.guest(own.url, 'leaving');
  const loggedOut = await api(own.url, '/api/logout', undefined, { authorization: `Bearer ${account.token}` });
  assert.equal(loggedOut.status, 204);
  assert.equal((await signedIn.closed).code, CloseCode.Unauthorized);
  const stopped = own.stop();
  assert.equal((await guest.closed).code, CloseCode.GoingAway);
  await stopped;
});
