// Behind a reverse proxy every connection comes from the proxy's address. With PARLEY_TRUST_PROXY the
// per-address connection limit and login throttling count the client named in X-Forwarded-For, and
// only when the direct peer is a trusted proxy; without it (the default) the header changes nothing.
// Real sockets: connections from 127.0.0.1 play the trusted proxy, from 127.0.0.2 an untrusted
// client that forges the header (on Linux the whole of 127.0.0.0/8 is the loopback interface).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { WebSocket } from 'ws';
import { loadConfig, type Config } from '../../src/server/config.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { upgradeOrRefusal } from '../support/upgrade.js';

interface From {
  /** The socket's own address: 127.0.0.1 (the proxy) or 127.0.0.2 (a client reaching the port directly). */
  local: string;
  /** X-Forwarded-For as sent; absent: no header. */
  forwardedFor?: string;
}

const PROXY = '127.0.0.1';
const STRANGER = '127.0.0.2';

/** Opens a WebSocket; resolves with it, or with the HTTP status that refused the upgrade. */
function upgrade(server: TestServer, from: From): Promise<WebSocket | number> {
  return upgradeOrRefusal(server.wsUrl, {
    localAddress: from.local,
    ...(from.forwardedFor === undefined ? {} : { forwardedFor: from.forwardedFor }),
  });
}

async function open(server: TestServer, from: From): Promise<WebSocket> {
  const result = await upgrade(server, from);
  if (typeof result === 'number') throw new Error(`upgrade from ${JSON.stringify(from)} refused with ${result}`);
  return result;
}

/** A failing login (an unknown user) from `from`; resolves with the HTTP status. */
function badLogin(server: TestServer, from: From, username: string): Promise<number> {
  const body = JSON.stringify({ username, password: 'not the password' });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  if (from.forwardedFor !== undefined) headers['x-forwarded-for'] = from.forwardedFor;
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/api/login`, { method: 'POST', headers, localAddress: from.local }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function withServer(trustProxy: Config['trustProxy'], body: (server: TestServer, logs: Record<string, unknown>[]) => Promise<void>): Promise<void> {
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const defaults = loadConfig([], {});
  const server = await startTestServer(
    { maxConnectionsPerIp: 2, trustProxy, auth: { ...defaults.auth, loginFailuresPerIp: 3, loginFailuresPerAccount: 100 } },
    pino({ level: 'debug' }, sink),
  );
  try {
    await body(server, logs);
  } finally {
    await server.stop();
  }
}

const loginStatuses = async (server: TestServer, attempts: From[]): Promise<number[]> => {
  const statuses: number[] = [];
  for (const [i, from] of attempts.entries()) statuses.push(await badLogin(server, from, `nobody${i}`));
  return statuses;
};

test('trust off (default): a forged X-Forwarded-For neither splits the per-address quota nor the login budget', async () => {
  await withServer(false, async (server, logs) => {
    const first = await open(server, { local: PROXY, forwardedFor: '203.0.113.1' });
    const second = await open(server, { local: PROXY, forwardedFor: '203.0.113.2' });
    assert.equal(await upgrade(server, { local: PROXY, forwardedFor: '203.0.113.3' }), 429, 'all three are 127.0.0.1');
    const refusal = logs.find((line) => line['msg'] === 'too many connections from one address; upgrade refused (429)');
    assert.equal(refusal?.['ip'], PROXY);
    first.terminate();
    second.terminate();

    const statuses = await loginStatuses(
      server,
      ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'].map((forwardedFor) => ({ local: PROXY, forwardedFor })),
    );
    assert.deepEqual(statuses, [401, 401, 401, 429], 'one budget for 127.0.0.1, whatever the header says');
  });
});

test('trust 127.0.0.1: each forwarded client has its own quota; a forged header from an untrusted peer is ignored', async () => {
  await withServer([PROXY], async (server, logs) => {
    const sockets = [await open(server, { local: PROXY, forwardedFor: '203.0.113.1' }), await open(server, { local: PROXY, forwardedFor: '203.0.113.1' })];
    assert.equal(await upgrade(server, { local: PROXY, forwardedFor: '203.0.113.1' }), 429, '203.0.113.1 has used its two');
    // Another client behind the same proxy has its own two.
    sockets.push(await open(server, { local: PROXY, forwardedFor: '203.0.113.2' }));
    sockets.push(await open(server, { local: PROXY, forwardedFor: '203.0.113.2' }));
    // nginx appends the peer to what the client sent: the left-most entry is the client's invention,
    // the right-most untrusted one is who connected to the proxy.
    assert.equal(await upgrade(server, { local: PROXY, forwardedFor: '198.51.100.7, 203.0.113.2' }), 429, 'a forged left-most entry changes nothing');
    // A client that reaches the port directly is not a proxy: its header is ignored.
    sockets.push(await open(server, { local: STRANGER, forwardedFor: '198.51.100.8' }));
    sockets.push(await open(server, { local: STRANGER, forwardedFor: '198.51.100.9' }));
    assert.equal(await upgrade(server, { local: STRANGER, forwardedFor: '198.51.100.10' }), 429, 'counted as 127.0.0.2 however it is dressed');

    const refusedIps = logs.filter((line) => line['msg'] === 'too many connections from one address; upgrade refused (429)').map((line) => line['ip']);
    assert.deepEqual(refusedIps, ['203.0.113.1', '203.0.113.2', STRANGER], 'logs name the client, not the proxy');
    const connectedIps = logs.filter((line) => line['msg'] === 'connected').map((line) => line['ip']);
    assert.deepEqual(connectedIps, ['203.0.113.1', '203.0.113.1', '203.0.113.2', '203.0.113.2', STRANGER, STRANGER]);
    for (const socket of sockets) socket.terminate();

    const viaProxy = (forwardedFor: string): From => ({ local: PROXY, forwardedFor });
    assert.deepEqual(
      await loginStatuses(server, [viaProxy('198.51.100.1'), viaProxy('198.51.100.1'), viaProxy('198.51.100.1'), viaProxy('198.51.100.1')]),
      [401, 401, 401, 429],
    );
    assert.deepEqual(
      await loginStatuses(server, [viaProxy('198.51.100.2'), viaProxy('10.9.9.9, 198.51.100.2')]),
      [401, 401],
      'another client behind the proxy is not throttled',
    );
    const forged = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'].map((forwardedFor) => ({ local: STRANGER, forwardedFor }));
    assert.deepEqual(await loginStatuses(server, forged), [401, 401, 401, 429], 'a forged header from an untrusted peer buys no fresh budget');
    const throttled = logs.filter((line) => line['msg'] === 'throttled (429)').map((line) => line['ip']);
    assert.deepEqual(throttled, ['198.51.100.1', STRANGER]);
  });
});

test('trust true: the direct peer is the proxy, whoever it is, and only the right-most entry is believed', async () => {
  await withServer('peer', async (server) => {
    const sockets = [await open(server, { local: STRANGER, forwardedFor: '203.0.113.1' }), await open(server, { local: PROXY, forwardedFor: '203.0.113.1' })];
    assert.equal(await upgrade(server, { local: PROXY, forwardedFor: '203.0.113.1' }), 429);
    // Trusting every hop would make the left-most entry (which the client wrote) the address.
    assert.equal(await upgrade(server, { local: PROXY, forwardedFor: '198.51.100.1, 203.0.113.1' }), 429);
    sockets.push(await open(server, { local: PROXY, forwardedFor: '203.0.113.2' }));
    // No header: the peer itself is the client.
    sockets.push(await open(server, { local: PROXY }));
    for (const socket of sockets) socket.terminate();
  });
});
