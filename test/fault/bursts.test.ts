// Bursts: many requests answered in one turn, many connections from one address, a burst that trips
// the abuse close. Each runs against a real server process (its pid and memory read from /proc).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { CloseCode } from '../../src/protocol/errors.js';
import { killAllServers, spawnServer, type ServerProcess } from '../support/process.js';
import { TestClient, type Frame } from '../support/client.js';
import { RawWs, memoryOf } from '../support/raw-ws.js';
import { startTestServer } from '../support/server.js';

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

let honestCount = 0;
/** An honest client (from `localAddress`) sends a message in `room` and receives it back as a push. */
async function honestChats(url: string, room: string, localAddress?: string): Promise<void> {
  const n = ++honestCount;
  const honest = await TestClient.guest(url, `honest${n}`, localAddress);
  await honest.ok('join', { room });
  const text = `still here ${n}`;
  const pushed = honest.next((f) => f.type === 'message' && f['text'] === text, 'own message', 10_000);
  const ack = await honest.ok('send', { room, text, cid: `honest-${n}` });
  assert.equal((await pushed)['seq'], ack['seq']);
  await honest.close();
}

/** Every message of `room`, ascending, read with history from its newest end. */
async function wholeHistory(client: TestClient, room: string): Promise<Frame[]> {
  const pages: Frame[][] = [];
  let before: number | undefined;
  for (;;) {
    const reply = await client.ok('history', before === undefined ? { room, limit: 100 } : { room, before, limit: 100 });
    const messages = reply['messages'] as Frame[];
    if (messages.length === 0) break;
    pages.unshift(messages);
    before = messages[0]?.['seq'] as number;
    if (before <= 1) break;
  }
  return pages.flat();
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
  process.stderr.write(
    `never-read burst: server RSS ${(before.rss / MiB).toFixed(1)} MiB before, peak ${(peak / MiB).toFixed(1)} MiB (+${(grown / MiB).toFixed(1)} MiB)\n`,
  );
  const closed = await raw.readToClose(15_000);
  assert.equal(closed.code, CloseCode.SlowConsumer, `closed as a slow consumer, got ${closed.code} after ${raw.bytesRead} bytes`);
  // Without the bound the server answered everything into its own memory (+144 MiB, 41 MB sent);
  // now at most PARLEY_MAX_INFLIGHT history pages exist at once, and the outbox's 4 MiB.
  assert.ok(grown < 40 * MiB, `the server grew by ${(grown / MiB).toFixed(1)} MiB answering a burst it could not send`);
  await assertAlive(server, pid);
  await honestChats(server.wsUrl, room);
  await server.stop();
});

test(
  'a reader that keeps up recovers 3,000 missed long messages: the replay stops at its byte budget, history pages the rest',
  { timeout: 180_000 },
  async () => {
    const server = await spawnServer();
    const pid = server.child.pid as number;
    const room = 'recover';
    const writer = await TestClient.guest(server.wsUrl, 'writer');
    await writer.ok('join', { room });
    await writer.ok('send', { room, text: 'before the gap', cid: 'w0' });
    const since = 1;
    const missed = 3000;
    for (let n = 0; n < missed; n += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => writer.ok('send', { room, text: longText(n + i), cid: `w${n + i + 1}` })));
    }
    const seq = since + missed;

    const reader = await TestClient.guest(server.wsUrl, 'reader');
    const joined = await reader.ok('join', { room, since });
    assert.equal(joined['seq'], seq);
    // 3,000 messages of 4,000 characters are 12 MB: more than the replay budget (2 MiB, half the outbox).
    assert.equal(joined['recovered'], false);
    const replayFrom = joined['replayFrom'] as number;
    assert.ok(replayFrom > since + 1 && replayFrom <= seq, `replayFrom ${replayFrom}`);
    // A barrier: the reply to a later request comes after the whole replay.
    await reader.ok('rooms');
    const replayed = reader.pushes('message', room).map((m) => m['seq'] as number);
    assert.deepEqual(
      replayed,
      Array.from({ length: seq - replayFrom + 1 }, (_, i) => replayFrom + i),
      'the replay is the newest part of the gap, in order',
    );
    const replayedBytes = reader.pushes('message', room).reduce((sum, m) => sum + JSON.stringify(m).length, 0);
    assert.ok(replayedBytes <= 2 * MiB, `replayed ${replayedBytes} bytes`);
    // The rest, paged with history before replayFrom, one request at a time.
    const paged: number[] = [];
    for (let before = replayFrom; before > since + 1;) {
      const page = (await reader.ok('history', { room, before, limit: 100 }))['messages'] as Frame[];
      const seqs = page.map((m) => m['seq'] as number).filter((s) => s > since);
      paged.unshift(...seqs);
      before = page[0]?.['seq'] as number;
    }
    assert.deepEqual(
      [...paged, ...replayed],
      Array.from({ length: missed }, (_, i) => since + 1 + i),
      'history and the replay together are the whole gap',
    );
    // Not cut off: live messages still arrive.
    const live = reader.next((f) => f.type === 'message' && f['seq'] === seq + 1, 'live message', 10_000);
    await writer.ok('send', { room, text: 'after the recovery', cid: 'w-live' });
    await live;
    assert.equal(await metric(server, 'parley_slow_consumers_dropped_total'), 0);
    assert.ok((await metric(server, 'parley_recovery_truncated_total')) >= 1);
    await assertAlive(server, pid);
    await reader.close();
    await writer.close();
    await server.stop();
  },
);

test(
  '400 guest connections from one address store at most its quota; refusals say quota_exceeded; another address still chats',
  { timeout: 180_000 },
  async () => {
    const quota = 1024 * 1024;
    const server = await spawnServer({
      env: { PARLEY_RATE_LIMITS: 'on', PARLEY_MAX_CONN_PER_IP: '500', PARLEY_QUOTA_IP_BYTES_PER_HOUR: String(quota) },
    });
    const pid = server.child.pid as number;
    const room = 'crowd';
    const started = Date.now();
    const crowd: TestClient[] = [];
    for (let n = 0; n < 400; n += 50) {
      crowd.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => TestClient.guest(server.wsUrl, `crowd${n + i}`)))));
    }
    await Promise.all(crowd.map((client) => client.ok('join', { room })));
    // As fast as they can: each connection writes 40 sends of 4,000 characters without waiting. Every
    // request gets exactly one reply (ok or refusal), so each connection waits for its 40.
    const settled = await Promise.all(
      crowd.map(async (client, c) => {
        for (let i = 0; i < 40; i++) client.sendRaw(JSON.stringify({ id: 1000 + i, type: 'send', room, text: longText(c * 100 + i), cid: `c${c}-${i}` }));
        const replies = (): Frame[] => client.frames.filter((f) => typeof f['id'] === 'number' && f['id'] >= 1000);
        const deadline = Date.now() + 120_000;
        while (replies().length < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        return replies();
      }),
    ).then((lists) => lists.flat());
    assert.equal(settled.length, 400 * 40, 'every send was answered');
    const codes = new Map<string, number>();
    for (const reply of settled) {
      const code = reply.type === 'ok' ? 'ok' : String(reply['code']);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const closes = new Map<number, number>();
    await Promise.all(
      crowd.map(async (client) => {
        const info = await Promise.race([client.closed, new Promise<undefined>((resolve) => setImmediate(resolve, undefined))]);
        const code = info?.code ?? 0;
        closes.set(code, (closes.get(code) ?? 0) + 1);
      }),
    );
    process.stderr.write(
      `400 guests from one address: replies ${JSON.stringify(Object.fromEntries(codes))}, closes ${JSON.stringify(Object.fromEntries(closes))} (0: open)\n`,
    );
    const quotaRefusal = settled.find((reply) => reply['code'] === 'quota_exceeded');
    assert.ok(quotaRefusal !== undefined, 'some sends were refused with quota_exceeded');
    assert.ok((quotaRefusal['retryAfterMs'] as number) > 0);

    // What was stored, read back: within the address's budget (an hour's worth, plus what refilled since).
    const reader = await TestClient.guest(server.wsUrl, 'counter', '127.0.0.2');
    const stored = (await wholeHistory(reader, room)).filter((m) => String((m['from'] as Frame)['name']).startsWith('crowd'));
    const storedBytes = stored.reduce((sum, m) => sum + Buffer.byteLength(String(m['text'])), 0);
    const refilled = ((Date.now() - started) / 3_600_000) * quota;
    process.stderr.write(`stored ${stored.length} messages, ${storedBytes} bytes of text (quota ${quota} + ${Math.round(refilled)} refilled)\n`);
    assert.ok(storedBytes <= quota + refilled, `stored ${storedBytes} bytes from one address`);
    assert.ok(stored.length > 0);
    const acks = settled.filter((reply) => reply.type === 'ok').length;
    assert.equal(acks, stored.length, 'every stored message was acknowledged, and only those');
    assert.ok((await metric(server, 'parley_quota_exceeded_total')) >= 1);

    // A plain client from the same address is told in a text line.
    const { WebSocket } = await import('ws');
    const plain = new WebSocket(`${server.wsUrl}?nick=plainly`);
    const lines: string[] = [];
    plain.on('message', (data) => lines.push((data as Buffer).toString()));
    await new Promise((resolve) => plain.once('open', resolve));
    const refusedLine = new Promise<string>((resolve) =>
      plain.on('message', (data) => {
        if ((data as Buffer).toString().startsWith('error:')) resolve((data as Buffer).toString());
      }),
    );
    // The lobby join runs after the open: retry while it says it is still joining.
    for (let i = 0; i < 50; i++) {
      plain.send(longText(i));
      const line = await Promise.race([refusedLine, new Promise<undefined>((resolve) => setTimeout(resolve, 100, undefined))]);
      if (line !== undefined && !line.includes('still joining')) break;
    }
    assert.ok(
      lines.some((line) => /^error: your address stored the most message text allowed per hour/.test(line)),
      lines.join('\n'),
    );
    plain.close();

    await assertAlive(server, pid);
    await honestChats(server.wsUrl, room, '127.0.0.2');
    await reader.close();
    await Promise.all(crowd.map((client) => client.close()));
    await server.stop();
  },
);

test('a burst that trips the abuse close gets the ack of every message that was stored', { timeout: 60_000 }, async () => {
  const server = await spawnServer({
    env: { PARLEY_RATE_LIMITS: 'on', PARLEY_RATE_CONN_SEND: '1:30', PARLEY_RATE_ABUSE: '10' },
  });
  const pid = server.child.pid as number;
  const room = 'abuse';
  const abuser = await TestClient.guest(server.wsUrl, 'abuser');
  await abuser.ok('join', { room });
  // 200 sends back to back: the first 30 are accepted (and being stored) when the 10th refusal closes.
  for (let i = 0; i < 200; i++) abuser.sendRaw(JSON.stringify({ id: 1000 + i, type: 'send', room, text: `burst ${i}`, cid: `b${i}` }));
  const closed = await abuser.closed;
  assert.equal(closed.code, CloseCode.PolicyViolation);
  const acked = abuser.frames.filter((f) => f.type === 'ok' && (f['id'] as number) >= 1000).map((f) => `b${(f['id'] as number) - 1000}`);
  const reader = await TestClient.guest(server.wsUrl, 'reader');
  const stored = (await wholeHistory(reader, room))
    .filter((m) => (m['from'] as Frame)['name'] === 'abuser')
    .map((m) => String(m['text']).replace('burst ', 'b'));
  process.stderr.write(`abuse close: ${stored.length} stored, ${acked.length} acked\n`);
  assert.ok(stored.length > 0, 'some of the burst was stored');
  assert.deepEqual(acked.sort(), stored.sort(), 'every stored message was acknowledged before the close');
  await assertAlive(server, pid);
  await honestChats(server.wsUrl, room);
  await reader.close();
  await server.stop();
});

test('an honest client that pipelines 300 requests gets every reply, in order, none refused: past 32 in flight they wait', { timeout: 60_000 }, async () => {
  const server = await spawnServer();
  const pid = server.child.pid as number;
  const room = 'pipeline';
  const client = await TestClient.guest(server.wsUrl, 'piper');
  await client.ok('join', { room });
  // One write: a join-dependent verb mix, so that order matters (each send's seq follows the last).
  const replies = await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      i % 3 === 2 ? client.request('history', { room, limit: 5 }) : client.request('send', { room, text: `p${i}`, cid: `p${i}` }),
    ),
  );
  assert.deepEqual(
    replies.filter((r) => r.type !== 'ok'),
    [],
    'nothing refused',
  );
  const seqs = replies.filter((r) => typeof r['seq'] === 'number').map((r) => r['seq'] as number);
  assert.deepEqual(
    seqs,
    Array.from({ length: 200 }, (_, i) => i + 1),
    'sends stored in the order they were sent',
  );
  assert.equal(await metric(server, 'parley_busy_total'), 0);
  await assertAlive(server, pid);
  await client.close();
  await server.stop();
});

test('the user quota counts sends and edits before storing; duplicates and refused sends are given back', { timeout: 60_000 }, async () => {
  const server = await startTestServer({ quotas: { ipBytesPerHour: 0, userBytesPerHour: 64 * 1024 } });
  try {
    const client = await TestClient.guest(server.wsUrl, 'quoted');
    const room = 'quota';
    await client.ok('join', { room });
    const text = (n: number): string => `${n} `.padEnd(4000, 'q');
    // 16 texts of 4,000 bytes fit in 65,536; duplicates and refusals in between must cost nothing.
    for (let n = 0; n < 10; n++) await client.ok('send', { room, text: text(n), cid: `q${n}` });
    for (let n = 0; n < 5; n++) assert.equal((await client.ok('send', { room, text: text(n), cid: `q${n}` }))['duplicate'], true);
    for (let n = 0; n < 3; n++)
      assert.equal((await client.request('send', { room, text: text(100 + n), cid: `bad${n}`, replyTo: 999 }))['code'], 'bad_request');
    for (let n = 10; n < 16; n++) await client.ok('send', { room, text: text(n), cid: `q${n}` });
    const refused = await client.request('send', { room, text: text(16), cid: 'q16' });
    assert.equal(refused['code'], 'quota_exceeded');
    assert.ok((refused['retryAfterMs'] as number) > 1000, `retryAfterMs ${String(refused['retryAfterMs'])}`);
    // Edits store text too: 1,536 bytes are left, enough for one edit of 1,000, not for one of 4,000 or a second.
    assert.equal((await client.request('edit', { room, seq: 1, text: text(1) }))['code'], 'quota_exceeded');
    await client.ok('edit', { room, seq: 1, text: 'e'.repeat(1000) });
    assert.equal((await client.request('edit', { room, seq: 2, text: 'f'.repeat(1000) }))['code'], 'quota_exceeded');
    const stored = await wholeHistory(client, room);
    assert.deepEqual(
      stored.map((m) => m['seq']),
      Array.from({ length: 16 }, (_, i) => i + 1),
      'nothing refused was stored',
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /parley_quota_exceeded_total\{scope="user"\} 3/);
    await client.close();
  } finally {
    await server.stop();
  }
});
