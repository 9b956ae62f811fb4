// Slow HTTP clients against a real server process with small timeouts: slowloris headers, a slow
// POST body and a silent connection are answered 408 or closed in time and their file descriptors
// are released; a body over the limit is answered 413; a storm of connections from one address is
// cut at the per-address bound while another address (127.0.0.2) is still served.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { spawnServer, killAllServers, type ServerProcess } from '../support/process.js';
import { rawConnect, openFds } from '../support/raw-ws.js';
import { TestClient } from '../support/client.js';
import { assertAlive } from './alive.js';

let server: ServerProcess;
let pid: number;
before(async () => {
  server = await spawnServer({
    env: {
      PARLEY_LOG_LEVEL: 'warn',
      PARLEY_HTTP_HEADERS_TIMEOUT_MS: '500',
      PARLEY_HTTP_REQUEST_TIMEOUT_MS: '1000',
      PARLEY_HTTP_IDLE_TIMEOUT_MS: '1500',
      PARLEY_MAX_HTTP_CONN_PER_IP: '20',
    },
  });
  pid = server.child.pid ?? 0;
});
after(() => killAllServers());

/** Resolves with everything the server sent before it closed the connection, and how long that took. */
function untilClosed(socket: Socket): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return new Promise((resolve) => socket.once('close', () => resolve({ text, ms: Date.now() - started })));
}

/** Writes `bytes` one at a time every `everyMs` until the socket closes. */
function trickle(socket: Socket, bytes: string, everyMs: number): void {
  let at = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || at >= bytes.length) return clearInterval(timer);
    socket.write(bytes[at++] ?? '');
  }, everyMs);
  socket.once('close', () => clearInterval(timer));
}

async function refusals(reason: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(new RegExp(`parley_http_refusals_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
}

test('slowloris headers are answered 408 and closed; their descriptors are released', async () => {
  const fdsBefore = openFds(pid);
  const sockets = await Promise.all(Array.from({ length: 10 }, () => rawConnect(server.port)));
  const ends = sockets.map(untilClosed);
  for (const socket of sockets) trickle(socket, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ' + 'a'.repeat(1000), 50);
  for (const end of await Promise.all(ends)) {
    assert.match(end.text, /^HTTP\/1\.1 408 /);
    assert.ok(end.ms < 5000, `closed after ${end.ms} ms`);
  }
  assert.ok((await refusals('timeout')) >= 10);
  assert.ok(openFds(pid) <= fdsBefore + 2, `fds ${fdsBefore} -> ${openFds(pid)}`);
  await assertAlive(server, pid, 'slowloris');
});

test('a slow POST body is answered 408 and closed', async () => {
  const socket = await rawConnect(server.port);
  const end = untilClosed(socket);
  socket.write('POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n');
  trickle(socket, `{"username":"${'a'.repeat(980)}"}`, 50);
  const { text, ms } = await end;
  assert.match(text, /^HTTP\/1\.1 408 /);
  assert.ok(ms < 5000, `closed after ${ms} ms`);
  await assertAlive(server, pid, 'slow-body');
});

test('a connection that sends nothing is closed', async () => {
  const socket = await rawConnect(server.port);
  const { ms } = await untilClosed(socket);
  assert.ok(ms < 5000, `closed after ${ms} ms`);
  await assertAlive(server, pid, 'silent');
});

test('a body over PARLEY_HTTP_BODY_LIMIT is answered 413', async () => {
  const response = await fetch(`${server.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'a'.repeat(20_000), password: 'x' }),
  });
  assert.equal(response.status, 413);
  assert.ok((await refusals('body_too_large')) >= 1);
});

test('a connection storm from one address is cut at the bound; another address is still served', async () => {
  // Not rawConnect: a reset can come before the client has seen its connect.
  const storm = Array.from({ length: 40 }, () => connect({ port: server.port, host: '127.0.0.1', localAddress: '127.0.0.3' }).on('error', () => undefined));
  const ends = storm.map(untilClosed);
  // The 20 over the bound are reset at once, long before any timeout.
  const cut = await new Promise<number>((resolve) => {
    let count = 0;
    for (const end of ends)
      void end.then(({ ms }) => {
        if (ms < 400 && ++count === 20) resolve(count);
      });
  });
  assert.equal(cut, 20);
  assert.ok((await refusals('per_ip')) >= 20);
  const status = await new Promise<number>((resolve, reject) => {
    get({ host: '127.0.0.1', port: server.port, path: '/healthz', localAddress: '127.0.0.2' }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(status, 200);
  await assertAlive(server, pid, 'storm');
  for (const socket of storm) socket.destroy();
  await Promise.all(ends);
  // Released: the address is served again once the server has seen the closes (polled: the
  // client sees its own close before the server does).
  const deadline = Date.now() + 5000;
  let answer = '';
  while (!answer.startsWith('HTTP/1.1 200 ') && Date.now() < deadline) {
    const again = connect({ port: server.port, host: '127.0.0.1', localAddress: '127.0.0.3' }).on('error', () => undefined);
    again.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    answer = (await untilClosed(again)).text;
  }
  assert.match(answer, /^HTTP\/1\.1 200 /);
});

test('an upgraded WebSocket outlives every HTTP timeout', async () => {
  const client = await TestClient.guest(server.wsUrl, 'longlived');
  // Past the request (1 s) and idle (1.5 s) timeouts, with no traffic at all.
  await new Promise((resolve) => setTimeout(resolve, 2500));
  const reply = await client.request('join', { room: 'long-lived' });
  assert.equal(reply.type, 'ok');
  await client.close();
});
