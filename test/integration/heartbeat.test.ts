// Heartbeats: a peer that stops answering pings is dropped within two intervals; one that answers
// stays. Pings go out in slices of the interval, so with many connections every one is still pinged
// (and a silent one dropped) within the same bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startTestServer } from '../support/server.js';

const HEARTBEAT_MS = 400;

function open(url: string, answerPings: boolean): Promise<WebSocket> {
  const ws = new WebSocket(url, 'parley.v1', { autoPong: answerPings });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.send(JSON.stringify({ id: 1, type: 'hello', nick: answerPings ? 'talker' : 'silent' }));
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

test('silent peers are dropped within two heartbeat intervals, answering peers are kept', { timeout: 20_000 }, async () => {
  const server = await startTestServer({ heartbeatMs: HEARTBEAT_MS });
  try {
    const silent = await Promise.all(Array.from({ length: 25 }, () => open(server.wsUrl, false)));
    const talkers = await Promise.all(Array.from({ length: 25 }, () => open(server.wsUrl, true)));
    const started = Date.now();
    const closedAt = await Promise.all(
      silent.map((ws) => new Promise<number>((resolve) => ws.once('close', () => resolve(Date.now() - started)))),
    );
    const slowest = Math.max(...closedAt);
    assert.ok(slowest <= 2 * HEARTBEAT_MS + 400, `every silent peer was dropped within ${slowest} ms`);
    // Two more full intervals: every talker was pinged and answered at least twice meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_MS));
    assert.ok(
      talkers.every((ws) => ws.readyState === WebSocket.OPEN),
      'peers that answer pings stay connected',
    );
    for (const ws of talkers) ws.close();
  } finally {
    await server.stop();
  }
});
