// Messages in pieces: 200 connections each sending a message of thousands of one-byte continuation
// frames that never ends. ws keeps one Buffer per fragment until the message ends, so before
// PARLEY_MAX_FRAGMENTS this held about 124 MB more in the server (200 x 5000 fragments); now each is
// closed with 1008 at the bound and memory stays flat. A message within the bound still works, and
// a frame trickled in one-byte reads is bounded the same way (PARLEY_MAX_FRAME_CHUNKS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnServer, killAllServers, type ServerProcess } from '../support/process.js';
import { rawUpgrade, clientFrame, closeFrame, rssKiB } from '../support/raw-ws.js';
import { assertAlive } from './alive.js';

let server: ServerProcess;
let pid: number;
before(async () => {
  server = await spawnServer({ env: { PARLEY_LOG_LEVEL: 'warn' } });
  pid = server.child.pid ?? 0;
});
after(() => killAllServers());

const piece = (opcode: number, fin: boolean, text: string): Buffer => clientFrame(opcode, fin, Buffer.from(text));

test('200 connections of never-finished fragments are closed with 1008 and memory stays bounded', async () => {
  const before = rssKiB(pid);
  const closes: Promise<{ code: number; reason: string }>[] = [];
  const sockets = [];
  for (let i = 0; i < 200; i++) {
    const { socket, rest } = await rawUpgrade(server.port);
    closes.push(closeFrame(socket, rest));
    const parts = [piece(1, false, 'x')];
    for (let j = 0; j < 5000; j++) parts.push(piece(0, false, 'x'));
    socket.write(Buffer.concat(parts));
    sockets.push(socket);
  }
  const results = await Promise.all(closes);
  const grown = rssKiB(pid) - before;
  process.stderr.write(`never-finished fragments (200 x 5,000): server RSS +${(grown / 1024).toFixed(1)} MiB\n`);
  for (const result of results) {
    assert.equal(result.code, 1008);
    assert.match(result.reason, /PARLEY_MAX_FRAGMENTS/);
  }
  // Unbounded, this was ~124 MB; 200 closed connections and their read buffers are a fraction.
  assert.ok(grown < 64 * 1024, `RSS grew by ${grown} KiB`);
  for (const socket of sockets) socket.destroy();
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /parley_ws_receive_limit_closes_total\{limit="fragments"\} 200/);
  await assertAlive(server, pid, 'fragments');
});

test('a message in 64 fragments (the default bound) is still read', async () => {
  const { socket, rest } = await rawUpgrade(server.port);
  const text = JSON.stringify({ id: 1, type: 'hello', nick: 'pieces' }).padEnd(64 * 2, ' ');
  const parts = [];
  for (let i = 0; i < 64; i++) parts.push(piece(i === 0 ? 1 : 0, i === 63, text.slice(i * 2, i * 2 + 2)));
  let got = rest;
  const reply = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      const short = (got[1] ?? 0) & 0x7f;
      const header = short === 126 ? 4 : 2;
      if (got.length < header) return;
      const length = short === 126 ? got.readUInt16BE(2) : short;
      if (got.length >= header + length) {
        socket.removeListener('data', onData);
        resolve(got.subarray(header, header + length).toString('utf8'));
      }
    };
    socket.on('data', onData);
  });
  socket.write(Buffer.concat(parts));
  const frame = JSON.parse(await reply) as { id: number; type: string };
  assert.equal(frame.id, 1);
  assert.equal(frame.type, 'ok');
  socket.destroy();
});

test('a frame trickled one byte per read is closed with 1008 at PARLEY_MAX_FRAME_CHUNKS', async () => {
  const { socket, rest } = await rawUpgrade(server.port);
  socket.setNoDelay(true);
  const closed = closeFrame(socket, rest);
  // Declares 60,000 bytes; the default bound is 65536 / 256 + 16 = 272 reads.
  const frame = clientFrame(1, true, Buffer.alloc(60_000, 0x20));
  socket.write(frame.subarray(0, 8));
  let outcome: { code: number; reason: string } | undefined;
  void closed.then(
    (result) => (outcome = result),
    () => undefined,
  );
  for (let i = 8; i < 2000 && outcome === undefined; i++) {
    socket.write(frame.subarray(i, i + 1));
    // Separate reads on the server need separate segments in time; this is pacing, not a proof.
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const result = await closed;
  assert.equal(result.code, 1008);
  socket.destroy();
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /parley_ws_receive_limit_closes_total\{limit="chunks"\} 1/);
  await assertAlive(server, pid, 'trickled-frame');
});
