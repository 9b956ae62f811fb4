// Logs: pino JSON, one object per line; every line about a connection carries its `conn` id, and at
// info level no message text and no resume token ever reaches the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { rmSync } from 'node:fs';
import { pino } from 'pino';
import { loadConfig } from '../../src/server/config.js';
import { startServer } from '../../src/server/server.js';
import { CloseCode } from '../../src/protocol/errors.js';
import { TEST_JOIN_CREATES, TEST_LIMITS_OFF, tempDataDir } from '../support/server.js';
import { TestClient, settle } from '../support/client.js';

for (const level of ['info', 'debug'] as const) {
  test(`at ${level} level: conn on every connection line, no message text or token`, async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line) => line !== ''),
        );
        done();
      },
    });
    const config = {
      ...loadConfig([], { ...TEST_LIMITS_OFF, ...TEST_JOIN_CREATES, PARLEY_RATE_CONN_SEND: '1:1', PARLEY_RATE_LIMITS: 'on', PARLEY_RATE_ABUSE: '3' }),
      port: 0,
      host: '127.0.0.1',
      dataDir: tempDataDir(),
      helloTimeoutMs: 200,
      logLevel: level,
    };
    const server = await startServer(config, pino({ level }, sink));
    const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
    try {
      const secretText = 'the-secret-message-text-0451';
      const client = await TestClient.connect(wsUrl);
      const hello = await client.ok('hello', { nick: 'logged' });
      const token = String(hello['resume']);
      await client.ok('join', { room: 'logs' });
      await client.ok('send', { room: 'logs', text: secretText, cid: 'c1' });
      // Rate-limit abuse (warn) and a hello timeout (info) are logged against their connection.
      for (let i = 0; i < 10; i++) client.sendRaw(JSON.stringify({ type: 'send', room: 'logs', text: secretText, cid: `x${i}` }));
      assert.equal((await client.closed).code, CloseCode.PolicyViolation);
      const silent = await TestClient.connect(wsUrl);
      assert.equal((await silent.closed).code, CloseCode.HelloTimeout);
      await settle(50);

      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.ok(parsed.length > 0);
      for (const line of parsed) assert.equal(typeof line['level'], 'number', 'pino JSON');
      const connectionLines = parsed.filter((line) => /rate limit|hello in time|connected|disconnected|slow consumer/.test(String(line['msg'])));
      assert.ok(connectionLines.length >= 2, `connection events were logged: ${JSON.stringify(parsed.map((l) => l['msg']))}`);
      for (const line of connectionLines) assert.equal(typeof line['conn'], 'string', `conn id on: ${JSON.stringify(line)}`);
      const all = lines.join('\n');
      assert.ok(!all.includes(secretText), 'no message text in the log');
      assert.ok(!all.includes(token), 'no resume token in the log');
    } finally {
      await server.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
}

test('a slow consumer is logged with its conn id and counted, while the sender keeps getting every message', { timeout: 60_000 }, async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  const config = {
    ...loadConfig([], { ...TEST_LIMITS_OFF, ...TEST_JOIN_CREATES }),
    port: 0,
    host: '127.0.0.1',
    dataDir: tempDataDir(),
    outboxLimitBytes: 1024 * 1024,
  };
  const server = await startServer(config, pino({ level: 'info' }, sink));
  const wsUrl = `ws://127.0.0.1:${server.port}/ws`;
  try {
    const fast = await TestClient.guest(wsUrl, 'fast');
    const slow = await TestClient.connect(wsUrl);
    const slowConn = String((await slow.ok('hello', { nick: 'slow' }))['conn']);
    for (const c of [fast, slow]) await c.ok('join', { room: 'slowlog' });
    slow.ws.pause();
    const text = 'y'.repeat(4000);
    let sent = 0;
    const dropped = (): boolean => lines.some((line) => line.includes('slow consumer'));
    while (!dropped() && sent < 8000) {
      await Promise.all(Array.from({ length: 100 }, () => fast.ok('send', { room: 'slowlog', text, cid: `s${sent++}` })));
    }
    const line = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l['msg']).includes('slow consumer'));
    assert.ok(line !== undefined, 'the drop is logged');
    assert.equal(line['conn'], slowConn, 'with the dropped connection id');
    assert.equal(line['level'], 40, 'at warn');
    const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    assert.match(metrics, /parley_slow_consumers_dropped_total 1\b/);
    const messages = await fast.waitFor('message', sent, 'slowlog', 30_000);
    assert.deepEqual(
      messages.map((m) => m['seq']),
      Array.from({ length: sent }, (_, i) => i + 1),
    );
    slow.ws.terminate();
  } finally {
    await server.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  }
});
