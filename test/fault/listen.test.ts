// A start on a port that is taken exits at once, non-zero, with one line that says so (before, the
// store and timers opened before listen kept the process alive, unbound, forever).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { spawnServer, freePort } from '../support/process.js';

test('parley serve on a port in use exits 69 with one EADDRINUSE line', async () => {
  const port = await freePort();
  // Drops what connects (spawnServer's health polls), so that closing it afterwards does not wait on them.
  const holder = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  try {
    const started = Date.now();
    const error = await spawnServer({ port }).then(
      () => undefined,
      (failure: unknown) => failure as Error,
    );
    assert.ok(error !== undefined, 'the server must not start');
    assert.match(error.message, /exited \(69\) before listening/);
    const lines = error.message.split('before listening: ')[1]?.trim().split('\n') ?? [];
    assert.equal(lines.length, 1, error.message);
    assert.match(lines[0] ?? '', new RegExp(`^parley: 127\\.0\\.0\\.1:${port} is already in use \\(EADDRINUSE\\)`));
    assert.ok(Date.now() - started < 15_000);
  } finally {
    await new Promise<void>((resolve) => holder.close(() => resolve()));
  }
});
