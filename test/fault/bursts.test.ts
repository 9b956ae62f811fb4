// Bursts: many requests answered in one turn, many connections from one address, a burst that trips
// the abuse close. Each runs against a real server process (its pid and memory read from /proc).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode } from '../../src/protocol/errors.js';
import { killAllServers, spawnServer, type ServerProcess } from '../support/process.js';
import { TestClient } from '../support/client.js';
import { RawWs, memoryOf } from '../support/raw-ws.js';

after(() => killAllServers());

const MiB = 1024 * 1024;
const longText = (n: number): string => `${n} `.padEnd(4000, 'x');

async function metric(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && !line.startsWith('#')) sum += Number(line.split(' ').pop());
  return sum;
}

async function assertAlive(server: ServerProcess, pid: number): Promise<void> {
  assert.equal(server.child.pid, pid);
  assert.equal(server.child.exitCode, null, 'the server is still running');
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
}

/** An honest client sends a message in `room` and receives it back as a push. */
async function honestChats(url: string, room: string, localAddress?: string): Promise<void> {
  const honest = await TestClient.guest(url, `honest${Math.floor(Math.random() * 1e6)}`);
  await honest.ok('join', { room });
  const pushed = honest.next((f) => f.type === 'message' && f['text'] === 'still here', 'own message', 10_000);
  await honest.ok('send', { room, text: 'still here', cid: 'honest-1' });
  await pushed;
  await honest.close();
  void localAddress;
}

test('hello + 99 history requests in one write, never read: memory stays bounded and the connection is closed 4008', { timeout: 120_000 }, async () => {
  const server = await spawnServer();
  const pid = server.child.pid as number;
  const room = 'burst';
  const seeder = await TestClient.guest(server.wsUrl, 'seeder');
  await seeder.ok('join', { room });
  for (let n = 0; n < 100; n += 20) {
    await Promise.all(Array.from({ length: 20 }, (_, i) => seeder.ok('send', { room, text: longText(n + i), cid: `s${n + i}` })));
  }
  await seeder.close();

  const before = memoryOf(pid);
  const raw = await RawWs.open(server.port);
  const frames = [JSON.stringify({ id: 0, type: 'hello', nick: 'burster' })];
  for (let i = 1; i <= 99; i++) frames.push(JSON.stringify({ id: i, type: 'history', room, limit: 100 }));
  raw.writeAll(frames);
  // What the server does with the burst is over once it has dropped the connection as slow (or,
  // without a bound, once it has answered everything into its own memory): watch both, up to 15 s.
  let peak = before.peak;
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    peak = Math.max(peak, memoryOf(pid).peak);
    if ((await metric(server, 'parley_slow_consumers_dropped_total')) >= 1) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  peak = Math.max(peak, memoryOf(pid).peak);
  const grown = peak - before.rss;
  process.stderr.write(`never-read burst: server RSS ${(before.rss / MiB).toFixed(1)} MiB before, peak ${(peak / MiB).toFixed(1)} MiB (+${(grown / MiB).toFixed(1)} MiB)\n`);
  const closed = await raw.readToClose(15_000);
  assert.equal(closed.code, CloseCode.SlowConsumer, `closed as a slow consumer, got ${closed.code} after ${raw.bytesRead} bytes`);
  assert.ok(grown < 40 * MiB, `the server grew by ${(grown / MiB).toFixed(1)} MiB answering a burst it could not send`);
  await assertAlive(server, pid);
  await honestChats(server.wsUrl, room);
  await server.stop();
});
