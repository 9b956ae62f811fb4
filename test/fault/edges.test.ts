// Crash-proof connection edges, against a real server process: raw TCP clients that reset at every
// stage of a connection (before a byte, mid request line, mid headers, after each kind of upgrade
// refusal, after the 101, mid frame, mid POST body, mid static file), odd request targets, and a
// plain frame in the same write as its upgrade. Each was seen to end a default server before (an
// 'error' event with no listener, or a throw in the 'upgrade' listener or ws's data handler).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { spawnServer, killAllServers, type ServerProcess } from '../support/process.js';
import { rawConnect, rawUpgrade, upgradeRequest, responseHead, clientFrame } from '../support/raw-ws.js';
import { assertAlive } from './alive.js';

let server: ServerProcess;
let pid: number;
before(async () => {
  // Rate limits on (as in a default start): the plain path reads the identity for its rate limit.
  server = await spawnServer({ env: { PARLEY_RATE_LIMITS: 'on', PARLEY_MAX_CONN_PER_IP: '50', PARLEY_LOG_LEVEL: 'warn' } });
  pid = server.child.pid ?? 0;
});
after(() => killAllServers());

const closed = (socket: Socket): Promise<void> => new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

/** Every refusal handleUpgrade can give on this server, and its status. */
const REFUSALS: { reason: string; target: string; headers: string[]; status: number }[] = [
  { reason: 'path', target: '/nope', headers: [], status: 404 },
  { reason: 'origin', target: '/ws', headers: ['Origin: http://evil.example'], status: 403 },
  { reason: 'subprotocol', target: '/ws', headers: ['Sec-WebSocket-Protocol: nope.v9'], status: 400 },
  { reason: 'token_in_url', target: '/ws?token=abc', headers: ['Sec-WebSocket-Protocol: parley.v1'], status: 400 },
  { reason: 'nick', target: `/ws?nick=${'n'.repeat(40)}`, headers: [], status: 400 },
  { reason: 'bad_target', target: '//', headers: [], status: 400 },
  { reason: 'ws_handshake', target: '/ws', headers: ['Sec-WebSocket-Version: 8'], status: 400 },
];

test('a reset before anything, mid request line and mid headers', async () => {
  for (const [stage, bytes] of [
    ['nothing', ''],
    ['request-line', 'GET /w'],
    ['headers', 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgr'],
  ] as const) {
    const socket = await rawConnect(server.port);
    if (bytes !== '') socket.write(bytes);
    socket.resetAndDestroy();
    await closed(socket);
    await assertAlive(server, pid, `reset-${stage}`);
  }
});

test('a reset right after each kind of upgrade refusal, and racing it', async () => {
  for (const refusal of REFUSALS) {
    const socket = await rawConnect(server.port);
    socket.write(upgradeRequest(refusal.target, refusal.headers));
    const { status } = await responseHead(socket);
    assert.equal(status, refusal.status, refusal.reason);
    socket.resetAndDestroy();
    // And without waiting: the refusal's write meets the reset.
    const racing = await rawConnect(server.port);
    racing.write(upgradeRequest(refusal.target, refusal.headers), () => racing.resetAndDestroy());
    await closed(racing);
    await assertAlive(server, pid, `refusal-${refusal.reason}`);
  }
});

test('a reset after each refusal of the per-address limit', async () => {
  const held: Socket[] = [];
  for (let i = 0; i < 50; i++) held.push((await rawUpgrade(server.port, '127.0.0.4')).socket);
  for (let i = 0; i < 5; i++) {
    const socket = await rawConnect(server.port, '127.0.0.4');
    socket.write(upgradeRequest('/ws', ['Sec-WebSocket-Protocol: parley.v1']));
    assert.equal((await responseHead(socket)).status, 429);
    socket.resetAndDestroy();
  }
  for (const socket of held) socket.resetAndDestroy();
  await Promise.all(held.map(closed));
  await assertAlive(server, pid, 'refusal-per-ip');
});

test('a reset right after the 101, and mid frame', async () => {
  const { socket } = await rawUpgrade(server.port);
  socket.resetAndDestroy();
  await closed(socket);
  const mid = await rawUpgrade(server.port);
  const frame = clientFrame(1, true, Buffer.from(JSON.stringify({ id: 1, type: 'hello', nick: 'midframe' })));
  mid.socket.write(frame.subarray(0, 9), () => mid.socket.resetAndDestroy());
  await closed(mid.socket);
  await assertAlive(server, pid, 'reset-after-upgrade');
});

test('a reset mid POST body and mid static file', async () => {
  const post = await rawConnect(server.port);
  post.write('POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"username":"a', () =>
    post.resetAndDestroy(),
  );
  await closed(post);
  const file = await rawConnect(server.port);
  file.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
  await new Promise<void>((resolve) => file.once('data', () => resolve()));
  file.resetAndDestroy();
  await closed(file);
  await assertAlive(server, pid, 'reset-mid-body');
});

test('odd request targets are answered, never thrown on', async () => {
  const targets: [string, number | undefined][] = [
    ['//', 400],
    ['//:', 400],
    ['///ws', 400],
    ['*', 400],
    ['%', 400],
    ['/%', 404],
    ['/ws?nick=%', 101],
    ['http://x', 101],
    ['http://x/ws', 101],
    ['http://[::1', 400],
    [`/${'a'.repeat(8000)}`, 404],
    [`/${'a'.repeat(20_000)}`, 431],
    ['/ws?nick=\u00e9t\u00e9', undefined],
    ['/\u00e9', undefined],
  ];
  for (const [target, status] of targets) {
    const socket = await rawConnect(server.port);
    socket.write(Buffer.from(upgradeRequest(target), 'utf8'));
    const answer = await responseHead(socket).then(
      (head) => head.status,
      () => 0,
    );
    if (status !== undefined) assert.equal(answer, status, `status for ${JSON.stringify(target.slice(0, 30))}`);
    else assert.ok(answer >= 100, `some answer for ${JSON.stringify(target)}`);
    socket.resetAndDestroy();
  }
  await assertAlive(server, pid, 'odd-targets');
});

test('a plain frame in the same write as its upgrade is answered, before or after the lobby join', async () => {
  for (let i = 0; i < 20; i++) {
    const socket = await rawConnect(server.port);
    const frame = clientFrame(1, true, Buffer.from('hi early'));
    socket.write(Buffer.concat([Buffer.from(upgradeRequest(`/ws?nick=early${i}`)), frame]));
    const { status, rest } = await responseHead(socket);
    assert.equal(status, 101);
    // The first text frame from the server: the refusal, or the message itself once joined.
    let got = rest;
    while (got.length < 2 || got.length < 2 + ((got[1] ?? 0) & 0x7f)) {
      got = Buffer.concat([got, await new Promise<Buffer>((resolve) => socket.once('data', resolve))]);
    }
    const text = got.subarray(2, 2 + ((got[1] ?? 0) & 0x7f)).toString('utf8');
    assert.ok(text === 'error: still joining the lobby, try again' || text === `early${i}: hi early`, text);
    socket.resetAndDestroy();
  }
  await assertAlive(server, pid, 'early-plain-frame');
});
