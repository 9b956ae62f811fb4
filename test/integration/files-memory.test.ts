// Uploads stream to disk: in a server process of its own, six concurrent 24 MB uploads and one of
// 400 MB (refused at 25 MiB, mid-stream) leave its resident memory far below what buffering them
// would take. The bound is half of the buffered size, so a loaded machine's noise cannot fail it
// while a regression to buffering (every byte in memory at once) would.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { killAllServersAndWait, spawnServer } from '../support/process.js';
import { memoryOf } from '../support/raw-ws.js';
import { guestWithToken } from '../support/client.js';
import { streamUpload } from '../support/files.js';

after(killAllServersAndWait);

test('six concurrent 24 MB uploads and a refused 400 MB one do not grow the server by their size', async () => {
  const server = await spawnServer({ env: { PARLEY_LOG_LEVEL: 'warn' } });
  const pid = server.child.pid ?? 0;
  const guests = await Promise.all(Array.from({ length: 6 }, (_, i) => guestWithToken(server.wsUrl, `big${i}`)));
  const before = memoryOf(pid).rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, memoryOf(pid).rss)), 20);
  try {
    const size = 24 * 1000 * 1000;
    const accepted = await Promise.all(guests.map((guest) => streamUpload(server.url, guest.resume, size)));
    for (const answer of accepted) assert.equal(answer.status, 201, answer.body);
    const huge = 400 * 1000 * 1000;
    const refused = await streamUpload(server.url, guests[0]?.resume ?? '', huge);
    assert.equal(refused.status, 413);
    assert.ok(refused.written < huge / 4, `refused after ${refused.written} bytes`);
  } finally {
    clearInterval(sampler);
  }
  const grown = peak - before;
  assert.ok(grown < (6 * 24 * 1000 * 1000) / 2, `the server grew by ${(grown / 1048576).toFixed(0)} MiB`);
  await Promise.all(guests.map((guest) => guest.client.close()));
  await server.stop();
});
