// The server as a process: it logs its URL, answers /healthz, keeps history across a restart with
// the same data dir, and exits 0 on SIGTERM after closing clients with 1001.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { killAllServers, spawnServer } from '../support/process.js';
import { tempDataDir } from '../support/server.js';
import { TestClient } from '../support/client.js';

after(killAllServers);

test('restart with the same data dir keeps history and seq continues', async () => {
  const dataDir = join(tempDataDir(), 'nested', 'data');
  try {
    const first = await spawnServer({ args: ['--data-dir', dataDir] });
    assert.ok(existsSync(join(dataDir, 'parley.db')), 'data dir created with the database in it');
    const health = await fetch(`${first.url}/healthz`);
    assert.equal(health.status, 200);
    const page = await fetch(`${first.url}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const client = await TestClient.guest(first.wsUrl, 'persistent');
    await client.ok('join', { room: 'durable' });
    for (let i = 1; i <= 3; i++) await client.ok('send', { room: 'durable', text: `before ${i}`, cid: `b${i}` });
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);

    const second = await spawnServer({ env: { PARLEY_DATA_DIR: dataDir } });
    const again = await TestClient.guest(second.wsUrl, 'persistent');
    const joined = await again.ok('join', { room: 'durable' });
    assert.equal(joined['seq'], 3);
    const sent = await again.ok('send', { room: 'durable', text: 'after', cid: 'a1' });
    assert.equal(sent['seq'], 4);
    const history = await again.ok('history', { room: 'durable' });
    assert.deepEqual(
      (history['messages'] as { seq: number; text: string }[]).map((m) => [m.seq, m.text]),
      [
        [1, 'before 1'],
        [2, 'before 2'],
        [3, 'before 3'],
        [4, 'after'],
      ],
    );
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('SIGTERM closes clients with 1001, stores what was acknowledged, and exits 0 within 5 s', async () => {
  const dataDir = tempDataDir();
  try {
    const server = await spawnServer({ args: ['--data-dir', dataDir] });
    // Started means /healthz answers; the log line was written just before and may still be in the pipe.
    const logsUrl = (): boolean => server.lines.some((line) => line.includes(`http://127.0.0.1:${server.port}`));
    for (let waited = 0; !logsUrl() && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok(logsUrl(), 'logs the URL it serves');
    const clients = await Promise.all([1, 2, 3].map((n) => TestClient.guest(server.wsUrl, `c${n}`)));
    for (const client of clients) await client.ok('join', { room: 'closing' });
    const acked = await (clients[0] as TestClient).ok('send', { room: 'closing', text: 'last words', cid: 'l' });
    const started = Date.now();
    server.child.kill('SIGTERM');
    for (const client of clients) assert.equal((await client.closed).code, 1001);
    assert.equal(await server.exited, 0);
    assert.ok(Date.now() - started < 5000, 'exited within 5 s');

    const after = await spawnServer({ args: ['--data-dir', dataDir] });
    const reader = await TestClient.guest(after.wsUrl, 'reader');
    const history = await reader.ok('history', { room: 'closing' });
    const [stored] = history['messages'] as { seq: number; msgId: string }[];
    assert.equal(stored?.msgId, acked['msgId']);
    after.child.kill('SIGINT');
    assert.equal(await after.exited, 0);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a bad setting stops the server at start with a clear message', async () => {
  await assert.rejects(spawnServer({ env: { PARLEY_HEARTBEAT_MS: 'often' } }), /exited \(2\).*PARLEY_HEARTBEAT_MS must be an integer/s);
});
