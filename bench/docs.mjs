#!/usr/bin/env node
// `node bench/docs.mjs` (after `npm run build`): the rooms' shared Yjs documents against one Parley
// process (pinned to CPU 0 where taskset exists; this generator on CPU 1), driven by stock
// y-websocket WebsocketProviders in this process:
//   1. 50 editors in one document, 5 updates per second each: from an update's insert to its
//      arrival at every other editor, p50/p99 (ms), with the server's CPU;
//   2. memory per open document: the server's heap after a full GC, before and after 100 documents
//      are open (one editor each, 1 KB of text), divided by 100;
//   3. time to open a 1 MB document: from a new provider to its `sync` event, the document unloaded
//      before (so it is read from the store), three times.
// There is no stock server to compare with in the same run: @y/websocket-server needs yjs 14
// (prereleases), and Parley runs the released yjs 13.
//
//   node bench/docs.mjs [--editors 50] [--rate 5] [--seconds 20] [--docs 100]
import { parseArgs } from 'node:util';
import * as Y from 'yjs';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { targets, pinSelf } from './lib/targets.mjs';

const { values: options } = parseArgs({
  options: {
    editors: { type: 'string', default: '50' },
    rate: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    docs: { type: 'string', default: '100' },
  },
});
const EDITORS = Number(options.editors);
const RATE = Number(options.rate);
const SECONDS = Number(options.seconds);
const DOCS = Number(options.docs);

pinSelf(1);
const server = await targets.parley.start();
const base = `ws://127.0.0.1:${server.port}`;
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A protocol v1 connection that can ask for tickets. */
async function chat(nick) {
  const ws = new WebSocket(`${base}/ws`, 'parley.v1');
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  let next = 1;
  const pending = new Map();
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    const waiter = pending.get(frame.id);
    if (waiter !== undefined) {
      pending.delete(frame.id);
      if (frame.type === 'ok') waiter.resolve(frame);
      else waiter.reject(new Error(JSON.stringify(frame)));
    }
  });
  const request = (type, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, type, ...params }));
    });
  await request('hello', { nick });
  return { request, close: () => ws.close() };
}

async function editor(client, room) {
  const doc = new Y.Doc();
  const { ticket } = await client.request('ticket', { room });
  const provider = new WebsocketProvider(`${base}/yjs`, room, doc, { params: { ticket }, WebSocketPolyfill: WebSocket, disableBc: true });
  const started = performance.now();
  await new Promise((resolve) => provider.once('sync', resolve));
  return { doc, text: doc.getText('text'), provider, syncMs: performance.now() - started, destroy: () => (provider.destroy(), doc.destroy()) };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const results = {};

// 1. Fan-out latency.
{
  const owner = await chat('owner');
  await owner.request('create', { room: 'bench-fanout' });
  const clients = await Promise.all(Array.from({ length: EDITORS }, (_, i) => chat(`e${i}`)));
  const editors = [];
  for (const client of clients) editors.push(await editor(client, 'bench-fanout'));
  const sentAt = new Map();
  const latencies = [];
  editors.forEach((e, index) =>
    e.text.observe((event) => {
      if (event.transaction.local) return;
      const now = performance.now();
      for (const change of event.changes.delta) {
        if (typeof change.insert !== 'string') continue;
        for (const match of change.insert.matchAll(/\{(\d+)\.(\d+)\}/g)) {
          const key = `${match[1]}.${match[2]}`;
          if (Number(match[1]) !== index && sentAt.has(key)) latencies.push(now - sentAt.get(key));
        }
      }
    }),
  );
  const cpuBefore = server.cpuMs();
  const until = performance.now() + SECONDS * 1000;
  let sent = 0;
  await Promise.all(
    editors.map(async (e, index) => {
      await wait(Math.random() * (1000 / RATE));
      for (let n = 0; performance.now() < until; n++) {
        const key = `${index}.${n}`;
        sentAt.set(key, performance.now());
        e.text.insert(n % 2 === 0 ? 0 : e.text.length, `{${key}}`);
        sent++;
        await wait(1000 / RATE);
      }
    }),
  );
  await wait(3000);
  const cpuMs = server.cpuMs() - cpuBefore;
  latencies.sort((a, b) => a - b);
  const expected = sent * (EDITORS - 1);
  const texts = new Set(editors.map((e) => e.text.toString()));
  results.fanout = {
    editors: EDITORS,
    ratePerEditor: RATE,
    seconds: SECONDS,
    updates: sent,
    deliveries: latencies.length,
    expectedDeliveries: expected,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    serverCpuPercent: (cpuMs / ((SECONDS + 3) * 1000)) * 100,
    converged: texts.size === 1,
  };
  console.log('fan-out', results.fanout);
  for (const e of editors) e.destroy();
  for (const client of clients) client.close();
  owner.close();
}

// 2. Memory per open document.
{
  await wait(1000);
  const client = await chat('mem');
  const rooms = Array.from({ length: DOCS }, (_, i) => `bench-mem-${i}`);
  for (const room of rooms) await client.request('create', { room });
  const before = await server.memory();
  const open = [];
  for (const room of rooms) {
    const e = await editor(client, room);
    e.text.insert(0, 'x'.repeat(1024));
    open.push(e);
  }
  await wait(2000);
  const after = await server.memory();
  results.memory = {
    documents: DOCS,
    heapPerDocumentKiB: (after.heapUsed - before.heapUsed) / DOCS / 1024,
    rssPerDocumentKiB: (after.rss - before.rss) / DOCS / 1024,
  };
  console.log('memory', results.memory);
  for (const e of open) e.destroy();
  await wait(1000);
  const unloaded = await server.memory();
  results.memory.heapAfterUnloadKiB = (unloaded.heapUsed - before.heapUsed) / 1024;
  console.log('after unload', results.memory.heapAfterUnloadKiB.toFixed(0), 'KiB above before');
  client.close();
}

// 3. Opening a 1 MB document.
{
  const client = await chat('big');
  await client.request('create', { room: 'bench-big' });
  const writer = await editor(client, 'bench-big');
  const chunk = 'lorem ipsum dolor sit amet '.repeat(2400); // ~64 KB
  while (writer.text.length < 1024 * 1024) {
    writer.text.insert(writer.text.length, chunk);
    await wait(20);
  }
  const characters = writer.text.length;
  const check = await editor(client, 'bench-big');
  while (check.text.length < characters) await wait(50);
  writer.destroy();
  check.destroy();
  const opens = [];
  for (let i = 0; i < 3; i++) {
    await wait(1000); // unloaded: the last editor left
    const reader = await editor(client, 'bench-big');
    if (reader.text.length < 1024 * 1024) throw new Error(`opened ${reader.text.length} characters`);
    opens.push(reader.syncMs);
    reader.destroy();
  }
  results.open1MB = { characters, openMs: opens };
  console.log('open 1 MB', results.open1MB);
  client.close();
}

await server.stop();
console.log(JSON.stringify(results, null, 2));
process.exit(0);
