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

  // Up to 16 MB for the slow member: more than loopback's kernel buffers absorb (about 4 MB of
  // send buffer plus the receiver's window), so the server's own backlog passes the 1 MiB limit.
  // Sent in bursts until the server has decided (its counter of slow consumers says so): the close
  // frame then waits behind the backlog for a 10 s grace, and the member reads again at once, well
  // within it, so the close it gets is the documented 4008, not a cut-off. One more burst after the
  // decision shows that the room goes on without the member.
  const text = 'x'.repeat(4000);
  const most = 4000;
  let sent = 0;
  const burst = async (): Promise<void> => {
    const acks = [];
    for (let i = 0; i < 100; i++, sent++) acks.push(fast.ok('send', { room, text, cid: `c${sent}` }));
    await Promise.all(acks);
  };
  const dropped = async (): Promise<number> => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    return Number(/^parley_slow_consumers_dropped_total (\d+)$/m.exec(metrics)?.[1] ?? 0);
  };
  while ((await dropped()) === 0) {
    assert.ok(sent < most, `the server never closed the member that does not read (${sent} messages sent)`);
    await burst();
  }
  slow.ws.resume();
  await burst();
  const closed = await slow.closed;
  assert.equal(closed.code, CloseCode.SlowConsumer, `closed as a slow consumer (4008), got ${closed.code} ${closed.reason}`);
  assert.equal(closed.reason, 'slow consumer');
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
