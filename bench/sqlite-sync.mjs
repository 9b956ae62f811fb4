#!/usr/bin/env node
// SQLite durability cost: acknowledged (stored) messages per second through a real `parley serve`
// with PARLEY_SQLITE_SYNC=full and =normal, for one client with one send in flight (each ack waits
// for its own commit: the fsync latency shows) and for many clients with many in flight (commits
// are shared by the turn's batch). Usage: node bench/sqlite-sync.mjs [--seconds 5] [--dir /path]
// (--dir picks the file system the data dir lives on; the default is the OS temp dir).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, dir: { type: 'string' } } });
const SECONDS = Number(values.seconds);
const root = new URL('..', import.meta.url).pathname;

async function startServer(sync, dataDir) {
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/parley.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    env: { ...process.env, PARLEY_SQLITE_SYNC: sync, PARLEY_LOG_LEVEL: 'info', PARLEY_RATE_LIMITS: 'off', PARLEY_MAX_CONN_PER_IP: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /"url":"http:\/\/[^:]+:(\d+)"/.exec(line);
      if (match) resolve(Number(match[1]));
    });
  });
  return { child, port };
}

async function client(url, index) {
  const ws = new WebSocket(url, 'parley.v1');
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const waiting = new Map();
  let nextId = 1;
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.id !== undefined) {
      waiting.get(frame.id)?.(frame);
      waiting.delete(frame.id);
    }
  });
  const request = (type, params) =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, type, ...params }));
    });
  await request('hello', { nick: `b${index}` });
  await request('join', { room: `sync-${index % 10}` });
  return { ws, request };
}

async function run(sync, clients, inFlight) {
  const dataDir = mkdtempSync(join(values.dir ?? tmpdir(), 'parley-sync-'));
  const { child, port } = await startServer(sync, dataDir);
  const conns = await Promise.all(Array.from({ length: clients }, (_, i) => client(`ws://127.0.0.1:${port}/ws`, i)));
  let acked = 0;
  let n = 0;
  const until = Date.now() + SECONDS * 1000;
  const latencies = [];
  const loop = async (conn, c) => {
    while (Date.now() < until) {
      const started = performance.now();
      const reply = await conn.request('send', { room: `sync-${c % 10}`, text: `message ${n} ${'x'.repeat(100)}`, cid: `c${n++}` });
      if (reply.type !== 'ok') throw new Error(JSON.stringify(reply));
      latencies.push(performance.now() - started);
      acked++;
    }
  };
  await Promise.all(conns.flatMap((conn, c) => Array.from({ length: inFlight }, () => loop(conn, c))));
  for (const conn of conns) conn.ws.terminate();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  return { rate: Math.round(acked / SECONDS), p50: p(0.5), p99: p(0.99) };
}

const shapes = [
  { clients: 1, inFlight: 1, label: '1 client, 1 send in flight' },
  { clients: 50, inFlight: 4, label: '50 clients, 4 sends in flight each' },
];
console.log(`| load | synchronous | acked msgs/s | ack p50 (ms) | ack p99 (ms) |`);
console.log(`|---|---|---:|---:|---:|`);
for (const shape of shapes) {
  for (const sync of ['full', 'normal']) {
    const result = await run(sync, shape.clients, shape.inFlight);
    console.log(`| ${shape.label} | ${sync.toUpperCase()} | ${result.rate} | ${result.p50} | ${result.p99} |`);
  }
}
