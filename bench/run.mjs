#!/usr/bin/env node
// `npm run bench`: Parley against the naive ws loop and Socket.IO, same machine, same invocation,
// same 100-byte messages. Each server runs as its own process pinned to CPU 0; this process is the
// load generator, pinned to CPU 1. Writes docs/benchmarks.md (+ .svg, + .json) on a full run and
// bench/results/quick.* on a --quick run.
//
//   npm run bench                       full run (about 15 minutes)
//   npm run bench -- --quick            smoke run (about 2 minutes)
//   npm run bench -- --only room1000,store --targets parley,ws
//   PARLEY_BENCH_BASE=../old-checkout npm run bench -- --only room1000 --targets ws,base,parley --out /tmp/b
//                                       a change before (base) and after (this checkout) in one run
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { closeAll, connectMany, idle, storeThroughput, summarize, sweep, MESSAGE_BYTES } from './lib/scenarios.mjs';
import { blip, storm } from './lib/storm.mjs';
import { apiPublish, webhookDeliveries } from './lib/api-scenarios.mjs';
import { hasTaskset, pinSelf, setNiceness, targets } from './lib/targets.mjs';
import { renderMarkdown, renderSvg } from './lib/report.mjs';
import { fallbackVsWebSocket } from './lib/fallback.mjs';

const benchRoot = new URL('.', import.meta.url).pathname;
const repoRoot = join(benchRoot, '..');

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    targets: { type: 'string' },
    out: { type: 'string' },
    /** Comma-separated rates (msg/s; per client for rooms100x10) replacing the sweep's list. */
    rates: { type: 'string' },
    /** Write a V8 CPU profile of each Parley server process to this directory. */
    'cpu-prof': { type: 'string' },
    /** Niceness for the generator and every server, e.g. -5 on a machine shared with other work. */
    nice: { type: 'string' },
    /** Re-render the .md and .svg from a saved results .json (after editing bench/analysis.md), without running. */
    render: { type: 'string' },
    /** Internal: run one `scenario:target` in this (fresh) process and write its result to --child-out. */
    child: { type: 'string' },
    'child-out': { type: 'string' },
  },
});

if (options.render !== undefined) {
  const report = JSON.parse(readFileSync(options.render, 'utf8'));
  for (const scenario of ['room1000', 'room5000', 'rooms100x10']) {
    for (const [name, result] of Object.entries(report.results[scenario] ?? {})) {
      if (result?.steps !== undefined) report.results[scenario][name] = { ...result, ...summarize(result.steps) };
    }
  }
  const dir = dirname(options.render);
  const base = basename(options.render, '.json');
  const analysisFile = join(benchRoot, 'analysis.md');
  const analysis = !report.quick && existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8') : undefined;
  writeFileSync(join(dir, `${base}.svg`), renderSvg(report));
  writeFileSync(join(dir, `${base}.md`), renderMarkdown(report, `${base}.svg`, analysis));
  console.log(`rendered ${join(dir, base)}.{md,svg}`);
  process.exit(0);
}

// 10,000 idle connections need that many descriptors on each side: raise the soft limit to the
// hard one by re-running this script under a shell that does so (node cannot call setrlimit).
const NEED_FDS = options.quick ? 3000 : 12_000;
const softLimit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
const hardLimit = spawnSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).stdout.trim();
if (Number.isFinite(softLimit) && softLimit < NEED_FDS && process.env.PARLEY_BENCH_REEXEC !== '1') {
  console.log(`ulimit -n is ${softLimit}; raising it to ${hardLimit} for this run`);
  const child = spawnSync('sh', ['-c', `ulimit -n ${hardLimit} && exec "$0" "$@"`, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, PARLEY_BENCH_REEXEC: '1' },
  });
  process.exit(child.status ?? 1);
}

const quick = options.quick;
const config = quick
  ? {
      room1000: { members: 200, rates: [50, 200, 1000], durationMs: 1000, drainMs: 2000 },
      room5000: { members: 500, rates: [25, 100, 400], durationMs: 1000, drainMs: 2000 },
      rooms100x10: { rooms: 10, size: 10, rates: [5, 20, 50], durationMs: 1000, drainMs: 2000 },
      idle: { count: 1000, roomSize: 10 },
      store: { senders: 100, window: 16, durationMs: 2000 },
      api: { concurrency: 50, durationMs: 2000 },
      webhooks: { subscriptions: 4, events: 500 },
      fallback: { members: 200, rate: 20, durationMs: 2000, posts: 200 },
      storm: { count: 1000, roomSize: 10, before: 3, after: 3, lanes: 200 },
    }
  : {
      room1000: {
        members: 1000,
        rates: [25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000],
        durationMs: 3000,
        drainMs: 4000,
      },
      room5000: { members: 5000, rates: [5, 10, 15, 25, 35, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000, 1500], durationMs: 3000, drainMs: 4000 },
      rooms100x10: { rooms: 100, size: 10, rates: [2, 5, 10, 15, 20, 30, 50, 75, 100], durationMs: 3000, drainMs: 4000 },
      idle: { count: 10_000, roomSize: 10 },
      store: { senders: 100, window: 16, durationMs: 5000 },
      api: { concurrency: 50, durationMs: 5000 },
      webhooks: { subscriptions: 4, events: 2000 },
      // The HTTP fallback against WebSocket on one server: 1,000 readers each, a rate both sustain.
      fallback: { members: 1000, rate: 50, durationMs: 3000, posts: 1000 },
      // 10,000 clients in rooms of 10 lose their connections at once and come back with what they
      // last saw; 500 set-ups in flight (each retried after 50-150 ms when refused).
      storm: { count: 10_000, roomSize: 10, before: 3, after: 3, lanes: 500 },
    };

if (options.rates !== undefined) {
  const rates = options.rates.split(',').map(Number);
  for (const name of ['room1000', 'room5000', 'rooms100x10']) config[name].rates = rates;
}

const allScenarios = ['room1000', 'room5000', 'rooms100x10', 'idle', 'store', 'api', 'webhooks', 'fallback', 'storm'];
const scenarioNames = options.only ? options.only.split(',') : allScenarios;
const targetNames = options.targets ? options.targets.split(',') : ['ws', 'sio', 'parley'];
for (const name of scenarioNames) if (!allScenarios.includes(name)) throw new Error(`unknown scenario ${name}`);
for (const name of targetNames) if (!(name in targets)) throw new Error(`unknown target ${name}`);

const log = (line) => console.log(line);

function machine() {
  const sh = (cmd) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' }).stdout.trim();
  return {
    date: new Date().toISOString(),
    nproc: Number(sh('nproc')),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    kernel: release(),
    taskset: hasTaskset,
    ulimitN: sh('ulimit -n'),
    loadStart: loadavg(),
    memTotalGB: Math.round(Number(sh("awk '/MemTotal/ {print $2}' /proc/meminfo")) / 1024 / 1024),
    versions: {
      ws: JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("ws/package.json").version)'], { cwd: repoRoot, encoding: 'utf8' })),
      socketio: JSON.parse(execFileSync('node', ['-p', 'JSON.stringify(require("socket.io/package.json").version)'], { cwd: repoRoot, encoding: 'utf8' })),
    },
  };
}

async function withServer(targetName, body, env = {}) {
  const target = targets[targetName];
  const profileDir = options['cpu-prof'];
  const server =
    targetName === 'parley' || targetName === 'base'
      ? await target.start(profileDir !== undefined ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [], env)
      : await target.start();
  try {
    return await body(target, server);
  } finally {
    await server.stop();
  }
}

async function fanOut(targetName, { members, roomOf, roomSize, senderCount, rates, durationMs, drainMs, singleRoom }) {
  return withServer(targetName, async (target, server) => {
    const { clients, elapsedMs } = await connectMany(target, server, members, roomOf, { singleRoom });
    log(`  ${members} members joined in ${(elapsedMs / 1000).toFixed(1)} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    try {
      const senders = senderCount === members ? clients : clients.slice(0, senderCount);
      const roomOfClient = new Map(clients.map((c, i) => [c, roomOf(i)]));
      const result = await sweep({
        target,
        server,
        members: clients,
        senders,
        roomOf: (c) => roomOfClient.get(c),
        roomSize,
        rates,
        durationMs,
        drainMs,
        log,
      });
      return { ...result, joinSec: elapsedMs / 1000 };
    } finally {
      closeAll(clients);
    }
  });
}

const runners = {
  room1000: (t) => {
    const c = config.room1000;
    return fanOut(t, {
      members: c.members,
      roomOf: () => 'big',
      roomSize: c.members,
      senderCount: 10,
      rates: c.rates,
      durationMs: c.durationMs,
      drainMs: c.drainMs,
      singleRoom: true,
    });
  },
  room5000: (t) => {
    const c = config.room5000;
    return fanOut(t, {
      members: c.members,
      roomOf: () => 'big',
      roomSize: c.members,
      senderCount: 10,
      rates: c.rates,
      durationMs: c.durationMs,
      drainMs: c.drainMs,
      singleRoom: true,
    });
  },
  rooms100x10: async (t) => {
    const c = config.rooms100x10;
    const members = c.rooms * c.size;
    // rates are per client: every member sends
    const result = await fanOut(t, {
      members,
      roomOf: (i) => `r${i % c.rooms}`,
      roomSize: c.size,
      senderCount: members,
      rates: c.rates.map((r) => r * members),
      durationMs: c.durationMs,
      drainMs: c.drainMs,
      singleRoom: false,
    });
    result.perClient = true;
    result.members = members;
    return result;
  },
  idle: (t) =>
    withServer(t, (target, server) => idle({ target, server, count: config.idle.count, roomSize: config.idle.roomSize, singleRoom: t === 'ws', log })),
  // With the default synchronous=FULL (an fsync per transaction), then with NORMAL for comparison.
  store: async (t) => {
    if (t !== 'parley' && t !== 'base') return null;
    const full = await withServer(t, (target, server) => storeThroughput({ target, server, ...config.store, log }));
    log('  (again with PARLEY_SQLITE_SYNC=normal)');
    const normal = await withServer(t, (target, server) => storeThroughput({ target, server, ...config.store, log }), {
      PARLEY_SQLITE_SYNC: 'normal',
    });
    return { ...full, normal };
  },
  // The server API: publish requests/s (keep-alive, 50 concurrent) with a WebSocket member receiving.
  api: (t) => (t === 'parley' || t === 'base' ? withServer(t, (target, server) => apiPublish({ target, server, repoRoot, ...config.api, log })) : null),
  // Webhook deliveries/s to a local receiver (a few subscriptions, one in flight each).
  webhooks: (t) =>
    t === 'parley' || t === 'base'
      ? withServer(t, (target, server) => webhookDeliveries({ target, server, repoRoot, ...config.webhooks, log }), {
          PARLEY_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
          PARLEY_WEBHOOK_POLL_MS: '20',
        })
      : null,
  // The reconnect storm (lib/storm.mjs): Parley after kill -9 + restart and after a blip; Socket.IO
  // (connection state recovery on) after a blip, since its sessions live in the process's memory.
  storm: async (t) => {
    if (t === 'ws') return null;
    const c = config.storm;
    const target = targets[t];
    const profileDir = options['cpu-prof'];
    const run = async (label, cut, env) => {
      const server = await target.start(profileDir !== undefined && t !== 'sio' ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [], env);
      try {
        return await storm({ kind: t === 'sio' ? 'sio' : 'parley', server, ...c, cut: (members) => cut(server, members), log, label });
      } finally {
        await server.stop();
      }
    };
    if (t === 'sio') return { blip: await run('blip', (_server, members) => blip(members), { SIO_RECOVERY: '1' }) };
    const restart = await run('kill -9 + restart', (server) => server.crashAndRestart(), {});
    return { restart, blip: await run('blip', (_server, members) => blip(members), {}) };
  },
  // Parley only: its two transports side by side (lib/fallback.mjs).
  fallback: async (t) => {
    if (t !== 'parley' && t !== 'base') return null;
    // Its rooms are made by the first join (rooms are otherwise made with `create`).
    return withServer(t, (target, server) => fallbackVsWebSocket({ target, server, ...config.fallback, connectMany, closeAll, log }), {
      PARLEY_JOIN_CREATES: 'on',
    });
  },
};

// Every scenario × target runs in a generator process of its own. One process for the whole run
// made the later targets (Parley runs last) pay for the garbage and sockets of the earlier ones:
// the same 1 × 5,000 sweep passed 75 msg/s with the generator 80% busy late in a full run and
// 200 msg/s with it 55% busy when run alone.
if (options.child !== undefined) {
  const [scenario, targetName] = options.child.split(':');
  pinSelf(1);
  if (options.nice !== undefined) setNiceness(Number(options.nice));
  let result;
  try {
    result = await runners[scenario](targetName);
  } catch (error) {
    log(`  FAILED: ${error.message}`);
    result = { error: error.message };
  }
  writeFileSync(options['child-out'], JSON.stringify(result ?? null));
  process.exit(0);
}

function runChild(scenario, targetName) {
  const out = join(mkdtempSync(join(tmpdir(), 'parley-bench-child-')), 'result.json');
  const passOn = process.argv
    .slice(2)
    .filter((arg, i, all) => !arg.startsWith('--only') && !arg.startsWith('--targets') && !['--only', '--targets'].includes(all[i - 1]));
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, join(benchRoot, 'run.mjs'), ...passOn, '--child', `${scenario}:${targetName}`, '--child-out', out],
    {
      stdio: 'inherit',
      env: process.env,
    },
  );
  try {
    if (child.status !== 0) return { error: `generator process exited with ${child.status ?? child.signal}` };
    return JSON.parse(readFileSync(out, 'utf8'));
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

/** With a `base` target: one line per scenario, base and this checkout, each as a ratio to the naive ws loop. */
function printBeforeAfter(all) {
  const num = (v) => (typeof v === 'number' && v > 0 ? Math.round(v).toLocaleString('en-US') : '–');
  const ratio = (a, b) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}×` : '–');
  log('before/after (best passing rate; deliveries/s at saturation; store msg/s):');
  for (const [scenario, row] of Object.entries(all)) {
    const pick = (r) => (scenario === 'store' ? r?.storedPerSec : scenario === 'idle' ? r?.setupPerSec : r?.saturatedDeliveriesPerSec);
    const base = pick(row.base);
    const now = pick(row.parley);
    const ws = pick(row.ws);
    log(
      `  ${scenario}: base ${num(row.base?.bestRate)} msg/s, ${num(base)}; now ${num(row.parley?.bestRate)} msg/s, ${num(now)}` +
        (ws !== undefined ? `; ws ${num(row.ws?.bestRate)} msg/s, ${num(ws)}; base/ws ${ratio(base, ws)}, now/ws ${ratio(now, ws)}` : '') +
        `; now/base ${ratio(now, base)}`,
    );
  }
}

const facts = machine();
facts.pinned = hasTaskset;
facts.niceness = options.nice === undefined ? 0 : Number(options.nice);
log(
  `machine: ${facts.nproc} × ${facts.cpuModel}, node ${facts.node}, taskset ${facts.taskset ? 'yes' : 'no'}, load ${facts.loadStart.map((l) => l.toFixed(2)).join(' ')}`,
);
log(`messages: ${MESSAGE_BYTES} bytes of text; ${quick ? 'QUICK smoke run' : 'full run'}`);

const results = {};
const started = Date.now();
for (const scenario of scenarioNames) {
  results[scenario] = {};
  for (const targetName of targetNames) {
    if (['store', 'api', 'webhooks', 'fallback'].includes(scenario) && targetName !== 'parley' && targetName !== 'base') continue;
    log(`${scenario} — ${targets[targetName].label}`);
    results[scenario][targetName] = runChild(scenario, targetName);
  }
}
facts.loadEnd = loadavg();
if (targetNames.includes('base')) printBeforeAfter(results);
facts.durationSec = Math.round((Date.now() - started) / 1000);

const report = { quick, facts, config, results };
const outDir = options.out ?? (quick ? join(benchRoot, 'results') : join(repoRoot, 'docs'));
const base = quick ? 'quick' : 'benchmarks';
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `${base}.json`), JSON.stringify(report, null, 2) + '\n');
writeFileSync(join(outDir, `${base}.svg`), renderSvg(report));
const analysisFile = join(benchRoot, 'analysis.md');
const analysis = !quick && existsSync(analysisFile) ? readFileSync(analysisFile, 'utf8') : undefined;
writeFileSync(join(outDir, `${base}.md`), renderMarkdown(report, `${base}.svg`, analysis));
log(`wrote ${join(outDir, base)}.{md,svg,json} in ${facts.durationSec} s; load at end ${facts.loadEnd.map((l) => l.toFixed(2)).join(' ')}`);
process.exit(0);
