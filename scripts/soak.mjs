#!/usr/bin/env node
// npm run soak [-- --minutes N] [--clients N] [--rooms N] [--rate MSGS_PER_S] [--write docs/soak.md]
//
// Mixed load on a real `parley serve` for N minutes (default 10): clients in several rooms send,
// type, read history, and some drop and reconnect with `since` all the time. Every few seconds it
// samples the server's RSS. At the end it audits every room against the store (seqs 1..n, no gap,
// every acknowledged send stored exactly once) and every client's stream (each seq once, in order,
// nothing missing between its join and the end), and says whether RSS stayed flat after warm-up.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    clients: { type: 'string', default: '300' },
    rooms: { type: 'string', default: '30' },
    rate: { type: 'string', default: '300' },
    write: { type: 'string' },
  },
});
const MINUTES = Number(values.minutes);
const CLIENTS = Number(values.clients);
const ROOMS = Number(values.rooms);
const RATE = Number(values.rate); // messages per second over all clients
const DURATION_MS = MINUTES * 60_000;
const SAMPLE_MS = Math.max(2000, Math.min(15_000, DURATION_MS / 40));
// Warm-up: V8 grows its heap and SQLite its page cache to their working size in the first minutes.
const WARMUP_MS = Math.min(180_000, DURATION_MS / 5);
/** Share of clients that drop and reconnect with `since` every second. */
const CHURN_PER_S = 0.005;

const root = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'parley-soak-'));

function startServer() {
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/parley.js'), 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], {
    env: { ...process.env, PARLEY_LOG_LEVEL: 'info', PARLEY_RATE_LIMITS: 'off', PARLEY_MAX_CONN_PER_IP: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const match = /"url":"http:\/\/[^:]+:(\d+)"/.exec(line);
      if (match) resolve({ child, port: Number(match[1]) });
    });
  });
}

const rssOf = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1);

/** A protocol client that keeps its own record of what it saw per room. */
class SoakClient {
  constructor(url, index) {
    this.url = url;
    this.index = index;
    this.rooms = [`soak-${index % ROOMS}`, `soak-${(index * 7 + 3) % ROOMS}`].filter((r, i, all) => all.indexOf(r) === i);
    /** room -> { lastSeq, seen: number[], from: seq the stream starts after } */
    this.streams = new Map();
    this.pending = new Map();
    this.nextId = 1;
    this.resume = undefined;
    this.acked = [];
    this.failures = [];
    this.sentCount = 0;
    this.open = false;
  }

  request(type, params = {}) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify({ id, type, ...params }));
    });
  }

  async connect() {
    this.ws = new WebSocket(this.url, 'parley.v1');
    this.pending = new Map();
    await new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
    this.ws.on('error', () => undefined);
    this.ws.on('close', () => {
      this.open = false;
      for (const resolve of this.pending.values()) resolve({ type: 'error', code: 'closed' });
      this.pending.clear();
    });
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.id !== undefined) {
        const resolve = this.pending.get(frame.id);
        this.pending.delete(frame.id);
        resolve?.(frame);
      } else if (frame.type === 'message') {
        const stream = this.streams.get(frame.room);
        if (stream !== undefined) {
          stream.seen.push(frame.seq);
          stream.lastSeq = frame.seq;
        }
      }
    });
    const hello = await this.request('hello', this.resume === undefined ? { nick: `soak${this.index}` } : { nick: `soak${this.index}`, resume: this.resume });
    if (hello.type !== 'ok') throw new Error(`hello failed: ${JSON.stringify(hello)}`);
    this.resume = hello.resume;
    this.user = hello.user.id;
    for (const room of this.rooms) {
      const known = this.streams.get(room);
      // The stream exists before the join is sent: pushes right behind the ok (same read) may be
      // handled before the code after the await runs.
      const stream = known ?? { from: undefined, lastSeq: 0, seen: [] };
      this.streams.set(room, stream);
      const reply = await this.request('join', known === undefined ? { room } : { room, since: known.lastSeq });
      if (reply.type !== 'ok') throw new Error(`join failed: ${JSON.stringify(reply)}`);
      if (known === undefined) {
        stream.from = reply.seq;
        if (stream.seen.length === 0) stream.lastSeq = reply.seq;
      } else if (!reply.recovered) this.failures.push(`${room}: join since ${known.lastSeq} not recovered`);
    }
    this.open = true;
  }

  async send() {
    if (!this.open) return;
    const room = this.rooms[Math.floor(Math.random() * this.rooms.length)];
    const cid = `${this.index}-${this.sentCount++}`;
    const reply = await this.request('send', { room, text: `soak ${cid} ${'z'.repeat(Math.floor(Math.random() * 200))}`, cid });
    if (reply.type === 'ok') this.acked.push({ room, cid, seq: reply.seq });
    else if (reply.code !== 'closed') this.failures.push(`send ${cid}: ${reply.code}`);
  }

  async other() {
    if (!this.open) return;
    const room = this.rooms[0];
    const kind = Math.random();
    if (kind < 0.5) await this.request('typing', { room });
    else if (kind < 0.8) await this.request('history', { room, limit: 20 });
    else await this.request('rooms');
  }

  async churn() {
    if (!this.open) return;
    this.open = false;
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.terminate();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 900));
    await this.connect();
  }
}

async function historyAll(client, room) {
  const all = [];
  let before;
  for (;;) {
    const reply = await client.request('history', before === undefined ? { room, limit: 100 } : { room, before, limit: 100 });
    if (reply.messages.length === 0) break;
    all.unshift(...reply.messages);
    before = reply.messages[0].seq;
    if (before === 1) break;
  }
  return all;
}

const { child, port } = await startServer();
const url = `ws://127.0.0.1:${port}/ws`;
console.log(`soak: ${MINUTES} min, ${CLIENTS} clients in ${ROOMS} rooms, ~${RATE} msg/s, churn ${CHURN_PER_S * 100}%/s; server pid ${child.pid}`);
const clients = Array.from({ length: CLIENTS }, (_, i) => new SoakClient(url, i));
for (let i = 0; i < clients.length; i += 50) await Promise.all(clients.slice(i, i + 50).map((c) => c.connect()));

const started = Date.now();
const samples = [];
let sentTotal = 0;
/** The server's V8 heap in use, from its own /metrics (prom-client's default process metrics). */
async function heapUsed() {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return Number(/^parley_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}
const sampleTimer = setInterval(async () => {
  const at = Date.now() - started;
  const rss = rssOf(child.pid);
  const heap = await heapUsed();
  samples.push({ at, rss, heap, sent: sentTotal });
  console.log(`  t=${(at / 1000).toFixed(0).padStart(4)} s  rss=${mb(rss).padStart(6)} MB  heap=${mb(heap).padStart(6)} MB  sent=${sentTotal}`);
}, SAMPLE_MS);

const inFlight = new Set();
const track = (promise) => {
  inFlight.add(promise);
  promise.catch((error) => console.error('soak client error:', error.message)).finally(() => inFlight.delete(promise));
};
const TICK_MS = 50;
const tick = setInterval(() => {
  const sends = RATE * (TICK_MS / 1000);
  const count = Math.floor(sends) + (Math.random() < sends % 1 ? 1 : 0);
  for (let k = 0; k < count; k++) {
    sentTotal++;
    track(clients[Math.floor(Math.random() * CLIENTS)].send());
  }
  const others = (RATE / 3) * (TICK_MS / 1000);
  if (Math.random() < others % 1 || others >= 1) track(clients[Math.floor(Math.random() * CLIENTS)].other());
  const churns = CLIENTS * CHURN_PER_S * (TICK_MS / 1000);
  if (Math.random() < churns) track(clients[Math.floor(Math.random() * CLIENTS)].churn());
}, TICK_MS);

await new Promise((resolve) => setTimeout(resolve, DURATION_MS));
clearInterval(tick);
clearInterval(sampleTimer);
await Promise.allSettled([...inFlight]);
await new Promise((resolve) => setTimeout(resolve, 1000)); // last pushes arrive

// Audit: the store against the acks, and every client's stream against the store.
const auditor = new SoakClient(url, -1);
auditor.rooms = [];
await auditor.connect();
const problems = [];
const stored = new Map();
let storedTotal = 0;
for (let r = 0; r < ROOMS; r++) {
  const room = `soak-${r}`;
  const messages = await historyAll(auditor, room);
  storedTotal += messages.length;
  messages.forEach((m, i) => {
    if (m.seq !== i + 1) problems.push(`${room}: seq ${m.seq} at position ${i + 1} (gap or duplicate)`);
  });
  const cids = new Set(messages.map((m) => `${m.from.id}/${m.cid}`));
  if (cids.size !== messages.length) problems.push(`${room}: a cid stored twice`);
  stored.set(room, { seq: messages.length, bySeq: new Map(messages.map((m) => [m.seq, m])) });
}
let ackedTotal = 0;
for (const client of clients) {
  problems.push(...client.failures.map((f) => `client ${client.index}: ${f}`));
  for (const ack of client.acked) {
    ackedTotal++;
    const m = stored.get(ack.room).bySeq.get(ack.seq);
    if (m === undefined || m.cid !== ack.cid) problems.push(`acked ${ack.cid} (seq ${ack.seq} in ${ack.room}) not stored as acked`);
  }
  for (const [room, stream] of client.streams) {
    const last = client.open ? stored.get(room).seq : stream.lastSeq;
    const expected = last - stream.from;
    const unique = new Set(stream.seen);
    if (unique.size !== stream.seen.length) problems.push(`client ${client.index} ${room}: duplicate delivery`);
    for (let i = 1; i < stream.seen.length; i++) {
      if (stream.seen[i] !== stream.seen[i - 1] + 1) {
        problems.push(`client ${client.index} ${room}: seq ${stream.seen[i - 1]} then ${stream.seen[i]}`);
        break;
      }
    }
    if (stream.seen.length !== expected) problems.push(`client ${client.index} ${room}: saw ${stream.seen.length} of ${expected} messages`);
  }
}

// RSS flatness. RSS is a sawtooth (V8 grows the heap, collects, sometimes gives pages back), so
// averages of single samples mislead: after warm-up, the peak of the second half must not exceed
// the peak of the first half by more than 5%; the least-squares slope of the second half is reported.
const steady = samples.filter((s) => s.at >= WARMUP_MS);
const half = Math.floor(steady.length / 2);
const peak = (list, field) => Math.max(...list.map((s) => s[field]).filter(Number.isFinite));
function slopeMbPerMin(list, field) {
  const points = list.filter((s) => Number.isFinite(s[field]));
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((a, s) => a + s.at, 0) / n;
  const my = points.reduce((a, s) => a + s[field], 0) / n;
  const num = points.reduce((a, s) => a + (s.at - mx) * (s[field] - my), 0);
  const den = points.reduce((a, s) => a + (s.at - mx) ** 2, 0);
  return den === 0 ? 0 : ((num / den) * 60_000) / 1024 / 1024;
}
const early = peak(steady.slice(0, half), 'rss');
const late = peak(steady.slice(half), 'rss');
const growth = early > 0 ? (late - early) / early : 0;
const flat = steady.length >= 4 && growth < 0.05;
// The slope over the second half: the first half after warm-up may still hold the last sawtooth.
const rssSlope = slopeMbPerMin(steady.slice(half), 'rss');
const heapEarly = peak(steady.slice(0, half), 'heap');
const heapLate = peak(steady.slice(half), 'heap');

for (const c of [...clients, auditor]) c.ws.terminate();
child.kill('SIGTERM');
const exitCode = await new Promise((resolve) => child.once('exit', (code) => resolve(code)));
rmSync(dataDir, { recursive: true, force: true });

const summary = [
  `duration: ${MINUTES} min; clients: ${CLIENTS}; rooms: ${ROOMS}; target rate: ${RATE} msg/s; churn: ${CHURN_PER_S * 100}% of clients reconnect per second`,
  `sends attempted: ${sentTotal}; acknowledged: ${ackedTotal}; stored: ${storedTotal}`,
  `seq audit: ${problems.length === 0 ? 'OK: every room gapless, every ack stored once with its seq, every client stream complete, no duplicate' : `${problems.length} PROBLEMS`}`,
  `RSS: warm-up ${Math.round(WARMUP_MS / 1000)} s; peak in the first half after warm-up ${mb(early)} MB, in the second half ${mb(late)} MB ` +
    `(${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)}%); slope over the second half ${rssSlope.toFixed(2)} MB/min: ${flat ? 'flat' : 'NOT FLAT (or too few samples)'}`,
  `V8 heap in use: peak ${mb(heapEarly)} MB in the first half after warm-up, ${mb(heapLate)} MB in the second`,
  `server exit on SIGTERM: ${exitCode}`,
];
console.log(`\n${summary.join('\n')}`);
for (const problem of problems.slice(0, 20)) console.log(`  problem: ${problem}`);

if (values.write !== undefined) {
  const table = samples.map((s) => `| ${(s.at / 1000).toFixed(0)} | ${mb(s.rss)} | ${mb(s.heap)} | ${s.sent} |`).join('\n');
  const doc = `# Soak run

Produced by \`npm run soak -- --minutes ${MINUTES}${values.write ? ` --write ${values.write}` : ''}\` (scripts/soak.mjs) on ${new Date().toISOString().slice(0, 10)}.
Mixed load on one \`parley serve\` (SQLite, synchronous FULL): sends, typing, history and room
lists, with clients dropping and re-joining with \`since\` all along. The machine (2 cores) may be
shared with other builds and tests while it runs, so absolute rates mean little; the audit and the
RSS shape are the point.

## Summary

${summary.map((line) => `- ${line}`).join('\n')}

## RSS over time

RSS is sampled from /proc every ${Math.round(SAMPLE_MS / 1000)} s, the heap from the server's own /metrics. A sawtooth
is V8 growing its heap and collecting; flat means the peaks stop rising after warm-up.

| t (s) | RSS (MB) | V8 heap used (MB) | sends so far |
|---:|---:|---:|---:|
${table}
`;
  writeFileSync(values.write, doc);
  console.log(`wrote ${values.write}`);
}
process.exit(problems.length === 0 && flat ? 0 : 1);
