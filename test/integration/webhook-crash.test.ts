// Webhooks are never lost to kill -9: a real `parley serve` delivers to a slow receiver, is
// SIGKILLed while deliveries are in flight, and restarts on the same data directory. Every event
// then arrives, verified, in order, with no gap once deduplicated by webhook-id (a delivery the
// receiver answered but the dead process never heard of is sent again: at least once).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { killAllServers, spawnServer } from '../support/process.js';
import { tempDataDir } from '../support/server.js';
import { call, makeKey } from '../support/api-v1.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { TestClient } from '../support/client.js';
import { loadConfig } from '../../src/server/config.js';

after(killAllServers);

const EVENTS = 40;

test('kill -9 mid-delivery, then restart: every event arrives, in order, none lost', async () => {
  const dataDir = tempDataDir();
  const receiver = await WebhookReceiver.start();
  try {
    const env = {
      PARLEY_DATA_DIR: dataDir,
      PARLEY_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
      PARLEY_WEBHOOK_POLL_MS: '20',
      PARLEY_WEBHOOK_TIMEOUT_MS: '1000',
      PARLEY_WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms',
    };
    const { key } = await makeKey(loadConfig([], env), 'ops', ['admin', 'publish']);
    receiver.holdMs = 30;
    const first = await spawnServer({ env });
    const made = await call(first.url, 'POST', '/api/v1/webhooks', { key, body: { url: receiver.url, events: ['message.created'] } });
    assert.equal(made.status, 201, made.text);
    receiver.secret = String(made.body['secret']);
    // Spawned servers let a join create its room.
    const guest = await TestClient.guest(first.wsUrl, 'maker');
    await guest.ok('join', { room: 'crash-hooks' });
    await guest.close();
    for (let i = 0; i < EVENTS; i++) {
      const sent = await call(first.url, 'POST', '/api/v1/rooms/crash-hooks/messages', { key, body: { text: `event ${i}`, cid: `e${i}` } });
      assert.ok(sent.status === 201, sent.text);
    }
    // Strike while deliveries are in flight: some delivered, some not, one held by the receiver.
    await receiver.waitFor(() => receiver.attempts.length >= 8);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    const deliveredBefore = receiver.unique.length;
    assert.ok(deliveredBefore < EVENTS, `killed before the end (${deliveredBefore} delivered)`);

    const second = await spawnServer({ env });
    await receiver.waitFor(() => receiver.unique.length >= EVENTS, 60_000);
    const seqs = receiver.unique.map((d) => d.data['seq']);
    assert.deepEqual(
      seqs,
      Array.from({ length: EVENTS }, (_, i) => i + 1),
      'every event, in order, no gap',
    );
    assert.ok(
      receiver.attempts.every((d) => d.verified),
      'every attempt verifies',
    );
    await second.stop();
  } finally {
    await receiver.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
