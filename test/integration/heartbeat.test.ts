// Heartbeats: a peer that stops answering pings is dropped within two intervals; one that answers
// stays. Pings go out in slices of the interval, so with many connections every one is still pinged
// (and a silent one dropped) within the same bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startTestServer } from '../support/server.js';

const HEARTBEAT_MS = 400;

/** An open connection, and how long after its open it was closed (listened for from the start, so a close is never missed). */
interface Peer {
  ws: WebSocket;
  lived: Promise<number>;
}

function open(url: string, answerPings: boolean): Promise<Peer> {
  const ws = new WebSocket(url, 'parley.v1', { autoPong: answerPings });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      const openedAt = Date.now();
      const lived = new Promise<number>((closed) => ws.once('close', () => closed(Date.now() - openedAt)));
      ws.send(JSON.stringify({ id: 1, type: 'hello', nick: answerPings ? 'talker' : 'silent' }));
      resolve({ ws, lived });
    });
    ws.once('error', reject);
  });
}

test('silent peers are dropped within two heartbeat intervals, answering peers are kept', { timeout: 20_000 }, async () => {
  const server = await startTestServer({ heartbeatMs: HEARTBEAT_MS });
  try {
    const silent = await Promise.all(Array.from({ length: 25 }, () => open(server.wsUrl, false)));
    const talkers = await Promise.all(Array.from({ length: 25 }, () => open(server.wsUrl, true)));
    const lifetimes = await Promise.all(silent.map((peer) => peer.lived));
    const slowest = Math.max(...lifetimes);
    assert.ok(slowest <= 2 * HEARTBEAT_MS + 400, `every silent peer was dropped within ${slowest} ms of its open`);
    // Two more full intervals: every talker was pinged and answered at least twice meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_MS));
    assert.ok(
      talkers.every((peer) => peer.ws.readyState === WebSocket.OPEN),
      'peers that answer pings stay connected',
    );
    for (const peer of talkers) peer.ws.close();
  } finally {
    await server.stop();
  }
});
