#!/usr/bin/env node
// `node bench/docs.mjs` (after `npm run build`): the rooms' shared Yjs documents against one Parley
// process (pinned to CPU 0 where taskset exists; the generator processes on the other CPUs), driven
// by stock y-websocket WebsocketProviders:
//   1. 50 editors in one document, 5 updates per second each, spread over 5 editor processes
//      (lib/doc-editors.mjs, 10 editors each: one event loop could not apply 12,000 updates a
//      second and keep its rate): from an update's insert to its arrival at every other editor,
//      p50/p99 (ms), on a clock all processes share; the send rate achieved (it must be >= 95% of
//      the rate aimed for, or the latencies are the generator's), the server's CPU and the
//      generator's;
//   2. memory per open document: the server's heap after a full GC, before and after 100 documents
//      are open (one editor each, 1 KB of text), divided by 100;
//   3. time to open a 1 MB document: from a new provider to its `sync` event, the document unloaded
//      before (so it is read from the store), three times.
// There is no stock server to compare with in the same run: @y/websocket-server (the maintained
// y-websocket server, 0.1.5 in 2026-03) still depends on yjs ^14.0.0-7 (prereleases) and Parley
// runs the released yjs 13. The server bundled with y-websocket 1.5.x (bin/utils.js, peer yjs
// ^13.5.6, in memory) would run on Parley's yjs, but it is not a dependency here.
//
//   node bench/docs.mjs [--editors 50] [--processes 5] [--rate 5] [--seconds 20] [--docs 100] [--generator-cpus 1]
import { execFileSync, fork } from 'node:child_process';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { targets, pinSelf, hasTaskset } from './lib/targets.mjs';
import { chat as chatOn, editor as editorOn, runQueueWaitMs, sharedClockMs, wait } from './lib/doc-clients.mjs';
import { percentile } from './lib/percentile.mjs';

const { values: options } = parseArgs({
  options: {
    editors: { type: 'string', default: '50' },
    processes: { type: 'string', default: '5' },
    rate: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '20' },
    docs: { type: 'string', default: '100' },
    /** taskset's list for the editor processes (e.g. 1-3); see generatorCpus below. */
    'generator-cpus': { type: 'string' },
  },
});
const EDITORS = Number(options.editors);
const PROCESSES = Math.max(1, Math.min(Number(options.processes), EDITORS));
const RATE = Number(options.rate);
const SECONDS = Number(options.seconds);
const DOCS = Number(options.docs);
/** The send rate below which the latencies are not the server's (the generator fell behind). */
const MIN_RATE_SHARE = 0.95;
/** How long the updates sent are waited for after the last one. */
const DRAIN_MS = 30_000;

pinSelf(1);
// Each WebsocketProvider in this process (scenarios 2 and 3) listens for the process's exit.
process.setMaxListeners(0);
const server = await targets.parley.start();
const base = `ws://127.0.0.1:${server.port}`;
const chat = (nick) => chatOn(base, nick);
const editor = (client, room) => editorOn(base, client, room);

const results = {};

/**
 * Where the editor processes run: every CPU but the server's CPU 0 (CPU 1 alone on two cores). The
 * 50 editors' 12,250 arrivals a second took 56-68% of a core on a loaded 2-core machine once they
 * were read from the updates (lib/doc-editors.mjs); `--generator-cpus 0-1` lets them use both.
 */
const cores = cpus().length;
const generatorCpus = options['generator-cpus'] ?? (cores >= 2 ? `1-${cores - 1}` : '0');

/** One editor process: resolves with its handle once its providers have synced. */
async function editorProcess(index, first, count) {
  const child = fork(new URL('./lib/doc-editors.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // A forked child inherits this process's CPU 1 alone: set its own list.
  if (hasTaskset) execFileSync('taskset', ['-a', '-p', '-c', generatorCpus, String(child.pid)], { stdio: 'ignore' });
  const next = () =>
    new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`editor process ${index} exited with ${code}`));
      child.once('exit', onExit);
      child.once('message', (message) => (child.off('exit', onExit), resolve(message)));
    });
  const ready = next();
  child.send({ base, room: 'bench-fanout', first, count, rate: RATE });
  await ready;
  return { child, next };
}

// 1. Fan-out latency, the editors spread over processes.
{
  const owner = await chat('owner');
  await owner.request('create', { room: 'bench-fanout' });
  const processes = [];
  for (let p = 0, first = 0; p < PROCESSES; p++) {
    const count = Math.floor(EDITORS / PROCESSES) + (p < EDITORS % PROCESSES ? 1 : 0);
    processes.push(await editorProcess(p, first, count));
    first += count;
  }
  const cpuBefore = server.cpuMs();
  const serverWaitBefore = runQueueWaitMs(server.pid);
  const startAt = sharedClockMs() + 500;
  const sending = processes.map(({ next }) => next());
  for (const { child } of processes) child.send({ go: { t0: startAt, startAt, seconds: SECONDS } });
  const totalSent = (await Promise.all(sending)).reduce((sum, { sent }) => sum + sent, 0);
  const sendingMs = sharedClockMs() - startAt;
  // The last updates arrive: all of them, or what came within DRAIN_MS (a backlog then shows as deliveries missing).
  const drainUntil = sharedClockMs() + DRAIN_MS;
  for (;;) {
    const counts = await Promise.all(processes.map(({ child, next }) => (child.send({ count: true }), next())));
    if (counts.reduce((sum, { received }) => sum + received, 0) >= totalSent * (EDITORS - 1) || sharedClockMs() > drainUntil) break;
    await wait(200);
  }
  const drainMs = sharedClockMs() - startAt - sendingMs;
  const cpuMs = server.cpuMs() - cpuBefore;
  const serverWaitMs = runQueueWaitMs(server.pid) - serverWaitBefore;
  const elapsedMs = sharedClockMs() - startAt;
  const reports = await Promise.all(processes.map(({ child, next }) => (child.send({ report: true }), next())));
  const latencies = reports.flatMap(({ done }) => done.latencies).sort((a, b) => a - b);
  const updates = reports.reduce((sum, { done }) => sum + done.sent, 0);
  const generatorCpuMs = reports.reduce((sum, { done }) => sum + done.cpuMs, 0);
  const generatorWaitMs = Math.max(...reports.map(({ done }) => done.runQueueWaitMs));
  const loopDelayP99 = Math.max(...reports.map(({ done }) => done.loopDelayP99Ms));
  const aimedPerSecond = EDITORS * RATE;
  const sentPerSecond = updates / (Math.min(sendingMs, SECONDS * 1000) / 1000);
  const texts = new Set(reports.flatMap(({ done }) => done.texts));
  // The p50 of the updates sent in each second: flat is a steady state, rising is a queue growing.
  const p50BySecond = Array.from({ length: SECONDS }, (_, second) => {
    const inSecond = reports.flatMap(({ done }) => done.bySecond[second] ?? []).sort((a, b) => a - b);
    return inSecond.length === 0 ? null : Math.round(percentile(inSecond, 50));
  });
  results.fanout = {
    editors: EDITORS,
    processes: PROCESSES,
    ratePerEditor: RATE,
    seconds: SECONDS,
    updates,
    aimedPerSecond,
    sentPerSecond,
    sentShare: sentPerSecond / aimedPerSecond,
    rateKept: sentPerSecond >= MIN_RATE_SHARE * aimedPerSecond,
    deliveries: latencies.length,
    expectedDeliveries: updates * (EDITORS - 1),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies.at(-1),
    serverCpuPercent: (cpuMs / elapsedMs) * 100,
    /** Of the run's time, how much the server's event loop was runnable and waiting for a CPU. */
    serverRunQueueWaitPercent: (serverWaitMs / elapsedMs) * 100,
    generatorRunQueueWaitPercent: (generatorWaitMs / elapsedMs) * 100,
    generatorCpuPercent: (generatorCpuMs / elapsedMs) * 100,
    generatorCpus: hasTaskset ? generatorCpus : 'unpinned',
    generatorLoopDelayP99Ms: loopDelayP99,
    converged: texts.size === 1,
    drainMs,
    p50BySecond,
  };
  console.log('fan-out', results.fanout);
  const f = results.fanout;
  console.log(
    `send rate: ${f.sentPerSecond.toFixed(1)}/s of ${aimedPerSecond}/s aimed (${(f.sentShare * 100).toFixed(1)}%): ` +
      (f.rateKept ? `kept (>= ${MIN_RATE_SHARE * 100}%)` : `BELOW ${MIN_RATE_SHARE * 100}%: the latencies below are the generator's, not the server's`),
  );
  console.log(
    `update to every other editor: p50 ${f.p50.toFixed(0)} ms, p99 ${f.p99.toFixed(0)} ms, max ${f.max.toFixed(0)} ms; ` +
      `${f.deliveries}/${f.expectedDeliveries} deliveries, ${f.converged ? 'converged' : 'NOT converged'}; ` +
      `server CPU ${f.serverCpuPercent.toFixed(0)}% of a core, generator ${f.generatorCpuPercent.toFixed(0)}% of a core over ${PROCESSES} processes ` +
      `(CPUs ${f.generatorCpus}), their event loops late by up to ${loopDelayP99.toFixed(0)} ms (p99 of the worst)`,
  );
  console.log(
    `waiting for a CPU while runnable: the server's event loop ${f.serverRunQueueWaitPercent.toFixed(0)}% of the run, ` +
      `the most starved editor process ${f.generatorRunQueueWaitPercent.toFixed(0)}% (on a machine to itself both are near 0)`,
  );
  // Sending is paced on the clock and catches up, so a busy generator still sends its rate; an event
  // loop that is late is what says its arrivals are read late, i.e. the latencies include its wait.
  if (loopDelayP99 > f.p50 / 2) console.log(`the generator's event loops were late by more than half the p50: read the latencies as the generator's`);
  if (f.serverRunQueueWaitPercent > 10)
    console.log(`the server waited for a CPU ${f.serverRunQueueWaitPercent.toFixed(0)}% of the time: the machine is busy, read the latencies as its`);
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
