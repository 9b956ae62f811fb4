// A member that stops reading must not hold a room back: once its queued bytes pass the outbox
// limit, the server closes it with 4008 (slow consumer) and everyone else keeps getting every
// message in seq order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode } from '../../src/protocol/errors.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';

let server: TestServer;
before(async () => {
  // The limit counts what one write round carries too: the fast member's rounds carry up to a burst
  // of 100 pushes of 4,000 characters and their acks (about 420 KB), which a reader that keeps up
  // must be allowed.
  server = await startTestServer({ outboxLimitBytes: 1024 * 1024 });
});
after(async () => {
  await server.stop();
});

test('a member that stops reading is closed with 4008 while the room goes on in order', { timeout: 60_000 }, async () => {
  const room = 'flood';
  const fast = await TestClient.guest(server.wsUrl, 'fast');
  const slow = await TestClient.guest(server.wsUrl, 'slow');
  await fast.ok('join', { room });
  await slow.ok('join', { room });
  slow.ws.pause(); // stops reading: the kernel buffers fill, then the server's outbox

  // 16 MB for the slow member: more than loopback's kernel buffers absorb (about 4 MB of send
  // buffer plus the receiver's window), so the server's own backlog passes the 1 MiB limit.
  const text = 'x'.repeat(4000);
  const sent = 4000;
  for (let n = 0; n < sent; ) {
    const burst = [];
    for (let i = 0; i < 100; i++, n++) burst.push(fast.ok('send', { room, text, cid: `c${n}` }));
    await Promise.all(burst);
  }
  // Reading again, it gets what was already on its way, then the close frame with 4008; if it did
  // not read that within the server's grace period (a busy machine), the server cut it off (1006).
  slow.ws.resume();
  const closed = await slow.closed;
  assert.ok(
    [CloseCode.SlowConsumer, 1006].includes(closed.code),
    `closed as a slow consumer (4008, or cut off after the grace period), got ${closed.code}`,
  );
  const received = slow.pushes('message', room).length;
  assert.ok(received < sent, `the slow member was cut off before the end (got ${received} of ${sent})`);
  const left = await fast.next((f) => f.type === 'presence' && f['event'] === 'leave', 'presence leave', 5000).catch(() => undefined);
  const leftBefore = fast.pushes('presence', room).some((p) => p['event'] === 'leave');
  assert.ok(left !== undefined || leftBefore, 'the others hear that the slow member left');

  const messages = await fast.waitFor('message', sent, room, 20_000);
  assert.deepEqual(
    messages.map((m) => m['seq']),
    Array.from({ length: sent }, (_, i) => i + 1),
  );
  await fast.close();
});
