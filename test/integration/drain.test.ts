// Graceful drain: on shutdown, requests already being handled finish and are answered before the
// connections are closed with 1001; what was acknowledged is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode } from '../../src/protocol/errors.js';
import { startTestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';

test('sends in flight at shutdown are stored and acknowledged before the 1001 close', async () => {
  const server = await startTestServer();
  const client = await TestClient.guest(server.wsUrl, 'drainer');
  await client.ok('join', { room: 'drain' });
  const replies = Array.from({ length: 20 }, (_, i) => client.request('send', { room: 'drain', text: `d${i}`, cid: `d${i}` }));
  await replies[0]; // the batch has reached the server
  const closing = server.stop();
  const settled = await Promise.allSettled(replies);
  const closed = await client.closed;
  await closing;
  assert.equal(closed.code, CloseCode.GoingAway);
  const acked = settled.filter((r) => r.status === 'fulfilled' && r.value.type === 'ok').length;
  assert.equal(acked, 20, 'every send in flight was answered before the close');
});
