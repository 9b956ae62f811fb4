// The scenarios. Each takes a started server and a target adapter, and returns plain numbers.
// Every loop is bounded in time: send windows, drains and set-ups all have deadlines.
import { performance } from 'node:perf_hooks';
import { Histogram, nowMicros, stampedText, totals } from './raw-client.mjs';
import { coreBusyMs } from './targets.mjs';

export const MESSAGE_BYTES = 100;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `count` members, `concurrency` set-ups at a time; returns them with the elapsed time. */
export async function connectMany(target, server, count, roomOf, { concurrency = 200, singleRoom = false, deadlineMs = 300_000 } = {}) {
  const clients = new Array(count);
  let next = 0;
  let failures = 0;
  let firstError;
  const started = performance.now();
  const until = started + deadlineMs;
  async function lane() {
    while (next < count && performance.now() < until) {
      const index = next++;
      try {
        clients[index] = await target.connect(server.port, roomOf(index), { singleRoom, nick: `b${index}` });
      } catch (error) {
        failures++;
        firstError ??= error;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const elapsedMs = performance.now() - started;
  const open = clients.filter((c) => c !== undefined);
  if (open.length < count) {
    for (const c of open) c.destroy();
    throw new Error(`only ${open.length} of ${count} connections joined (${failures} failed: ${firstError?.message ?? 'deadline'})`);
  }
  return { clients: open, elapsedMs };
}

export function closeAll(clients) {
  for (const client of clients) client.destroy();
}

/**
 * Sends `rate` messages per second for `durationMs`, spread round-robin over `senders`, each to the
 * room `roomOf(sender)` of `roomSize` members; then waits (bounded) for every delivery.
 * Returns the step's numbers.
 */
export async function runStep({ target, server, senders, roomOf, roomSize, rate, durationMs, drainMs, members }) {
  const histogram = totals.histogram;
  histogram.reset();
  const startStamped = totals.stamped;
  const cpuStart = server.cpuMs();
  const coreStart = coreBusyMs(0);
  const genStart = process.cpuUsage();
  const eluStart = performance.eventLoopUtilization();
  const wallStart = performance.now();
  totals.measuring = true;
  totals.lastAt = 0;
  let sent = 0;
  let expected = 0;
  const interval = 1000 / rate;
  await new Promise((resolve) => {
    const tick = () => {
      const elapsed = performance.now() - wallStart;
      if (elapsed >= durationMs) {
        resolve();
        return;
      }
      const due = Math.min(Math.floor(elapsed / interval) + 1, Math.ceil((durationMs / 1000) * rate));
      while (sent < due) {
        const sender = senders[sent % senders.length];
        const room = roomOf(sender);
        sender.send(target.sendFrame(sender, room, stampedText(MESSAGE_BYTES)));
        expected += roomSize;
        sent++;
      }
      const wait = Math.max(0, sent * interval - (performance.now() - wallStart));
      setTimeout(tick, Math.min(wait, 50));
    };
    tick();
  });
  const sendEnd = performance.now();
  // Drain: until everything arrived, a connection died, or no progress for a while (bounded).
  let lastCount = -1;
  let lastProgress = performance.now();
  const drainUntil = sendEnd + drainMs;
  while (performance.now() < drainUntil) {
    const got = totals.stamped - startStamped;
    if (got >= expected) break;
    if (got !== lastCount) {
      lastCount = got;
      lastProgress = performance.now();
    } else if (performance.now() - lastProgress > 1500) break;
    await sleep(20);
  }
  totals.measuring = false;
  const wallEnd = performance.now();
  const received = totals.stamped - startStamped;
  const gen = process.cpuUsage(genStart);
  const elu = performance.eventLoopUtilization(eluStart);
  const serverCpuMs = server.cpuMs() - cpuStart;
  const serverCorePct = ((coreBusyMs(0) - coreStart) / (wallEnd - wallStart)) * 100;
  const closed = members.filter((c) => c.closed).length;
  // Throughput: deliveries over the time from the first send to the last delivery.
  const lastAt = totals.lastAt > 0 ? totals.lastAt / 1000 : wallEnd;
  const activeSec = Math.max(durationMs, lastAt - wallStart) / 1000;
  return {
    rate,
    sent,
    expected,
    received,
    lost: Math.max(0, expected - received),
    closed,
    p50: histogram.percentile(50),
    p99: histogram.percentile(99),
    max: histogram.max,
    deliveriesPerSec: received / activeSec,
    serverCpuMs,
    serverCpuPct: (serverCpuMs / (wallEnd - wallStart)) * 100,
    /** How busy the server's core was, kernel network work included (see coreBusyMs). */
    serverCorePct,
    serverUsPerDelivery: received > 0 ? (serverCpuMs * 1000) / received : NaN,
    generatorCpuPct: ((gen.user + gen.system) / 1000 / (wallEnd - wallStart)) * 100,
    generatorUserPct: (gen.user / 1000 / (wallEnd - wallStart)) * 100,
    /** Share of the time the generator's event loop was busy: near 100% would mean it delays reads. */
    generatorLoopPct: elu.utilization * 100,
    pass: false,
  };
}

/** Rate sweep: up to the first failing rate, plus one more step to see the saturated throughput. */
export async function sweep({ target, server, members, senders, roomOf, roomSize, rates, durationMs, drainMs, log }) {
  const steps = [];
  let failures = 0;
  for (const rate of rates) {
    if (members.some((c) => c.closed)) break;
    const step = await runStep({ target, server, senders, roomOf, roomSize, rate, durationMs, drainMs, members });
    step.pass = step.lost === 0 && step.closed === 0 && step.p99 < 100;
    steps.push(step);
    log(
      `  rate ${rate}/s: ${Math.round(step.deliveriesPerSec)} deliveries/s, p50 ${step.p50} p99 ${step.p99} max ${step.max.toFixed(1)} ms, ` +
        `lost ${step.lost}, closed ${step.closed}, server ${step.serverCpuPct.toFixed(0)}% (core ${step.serverCorePct.toFixed(0)}%, ${step.serverUsPerDelivery.toFixed(2)} µs/delivery), ` +
        `generator ${step.generatorCpuPct.toFixed(0)}% (user ${step.generatorUserPct.toFixed(0)}%, loop busy ${step.generatorLoopPct.toFixed(0)}%) ${step.pass ? 'PASS' : 'FAIL'}`,
    );
    // A latency failure with everything delivered leaves the server drained: one more rate shows
    // where throughput tops out. A step that lost or left a backlog ends the sweep.
    if (!step.pass && (++failures >= 2 || step.lost > 0 || step.closed > 0)) break;
    await sleep(step.pass ? 300 : 1500);
  }
  return summarize(steps);
}

/** The sweep's numbers. The best step is the highest rate that passed, even after a (noisy) failure below it. */
export function summarize(steps) {
  let best;
  for (const step of steps) if (step.pass && (best === undefined || step.rate > best.rate)) best = step;
  const saturated = steps.reduce((top, step) => (top === undefined || step.deliveriesPerSec > top.deliveriesPerSec ? step : top), undefined);
  return {
    steps,
    bestRate: best?.rate ?? 0,
    best,
    saturatedDeliveriesPerSec: saturated?.deliveriesPerSec ?? 0,
    saturated,
    /** Whether the sweep ended on a failure; if not, the best rate is a lower bound. */
    saturatedReached: steps.some((s) => !s.pass),
    generatorCpuMaxPct: Math.max(0, ...steps.map((s) => s.generatorCpuPct)),
    generatorLoopMaxPct: Math.max(0, ...steps.map((s) => s.generatorLoopPct)),
  };
}

/** Many idle members: set-up rate, then RSS and heap per connection (after a full GC). */
export async function idle({ target, server, count, roomSize, singleRoom, log }) {
  // Warm-up: connections opened and closed once before measuring, so that what a server grows only
  // once (compiled code, caches up to their cap, the first pages of its database) is not counted
  // as a cost of each connection. Every server gets the same warm-up.
  const warm = await connectMany(target, server, Math.min(1000, count), (i) => `warm-${Math.floor(i / roomSize)}`, { singleRoom });
  closeAll(warm.clients);
  await sleep(1500);
  const before = await server.memory();
  const cpuStart = server.cpuMs();
  const genStart = process.cpuUsage();
  const { clients, elapsedMs } = await connectMany(target, server, count, (i) => `idle-${Math.floor(i / roomSize)}`, {
    singleRoom,
  });
  const serverCpuMs = server.cpuMs() - cpuStart;
  const gen = process.cpuUsage(genStart);
  const generatorCpuMs = (gen.user + gen.system) / 1000;
  await sleep(1000);
  const after = await server.memory();
  const result = {
    count,
    setupPerSec: (count / elapsedMs) * 1000,
    rssPerConnKB: (after.rss - before.rss) / count / 1024,
    heapPerConnKB: (after.heapUsed - before.heapUsed) / count / 1024,
    externalPerConnKB: (after.external - before.external) / count / 1024,
    rssMB: after.rss / 1024 / 1024,
    /** Server and generator CPU per set-up, and how busy each was over the set-ups (a core each). */
    serverCpuUsPerSetup: (serverCpuMs * 1000) / count,
    generatorCpuUsPerSetup: (generatorCpuMs * 1000) / count,
    serverCpuPct: (serverCpuMs / elapsedMs) * 100,
    generatorCpuPct: (generatorCpuMs / elapsedMs) * 100,
  };
  log(
    `  ${count} idle: set-up ${Math.round(result.setupPerSec)}/s, RSS ${result.rssPerConnKB.toFixed(2)} KB/conn, ` +
      `heap ${result.heapPerConnKB.toFixed(2)} KB/conn; CPU per set-up: server ${Math.round(result.serverCpuUsPerSetup)} µs ` +
      `(${Math.round(result.serverCpuPct)}% busy), generator ${Math.round(result.generatorCpuUsPerSetup)} µs (${Math.round(result.generatorCpuPct)}% busy)`,
  );
  closeAll(clients);
  return result;
}

/** Stored and acknowledged messages per second: `senders` connections, each in its own room, each with `window` sends in flight. */
export async function storeThroughput({ target, server, senders: count, window, durationMs, log }) {
  const { clients } = await connectMany(target, server, count, (i) => `store-${i}`);
  const acks = new Histogram();
  let acked = 0;
  let sending = true;
  for (const [index, client] of clients.entries()) {
    const room = `store-${index}`;
    const inFlight = [];
    const sendOne = () => {
      inFlight.push(nowMicros());
      client.send(target.sendFrame(client, room, stampedText(MESSAGE_BYTES)));
    };
    client.onOther = (c, buf, start, end) => {
      // a send's reply: {"id":N,"type":"ok",...}
      const head = buf.toString('latin1', start, Math.min(end, start + 30));
      if (!head.startsWith('{"id":') || !head.includes('"type":"ok"')) return;
      const sentAt = inFlight.shift();
      if (sentAt === undefined) return;
      acked++;
      acks.add(nowMicros() - sentAt);
      if (sending) sendOne();
    };
    client.startSending = () => {
      for (let i = 0; i < window; i++) sendOne();
    };
  }
  const cpuStart = server.cpuMs();
  const coreStart = coreBusyMs(0);
  const genStart = process.cpuUsage();
  const started = performance.now();
  for (const client of clients) client.startSending();
  await sleep(durationMs);
  const ackedAtEnd = acked;
  const elapsed = performance.now() - started;
  sending = false;
  const serverCpuMs = server.cpuMs() - cpuStart;
  const serverCorePct = ((coreBusyMs(0) - coreStart) / elapsed) * 100;
  const gen = process.cpuUsage(genStart);
  await sleep(1000);
  const closed = clients.filter((c) => c.closed).length;
  closeAll(clients);
  const result = {
    senders: count,
    window,
    storedPerSec: (ackedAtEnd / elapsed) * 1000,
    p50: acks.percentile(50),
    p99: acks.percentile(99),
    max: acks.max,
    closed,
    serverCpuPct: (serverCpuMs / elapsed) * 100,
    serverCorePct,
    generatorCpuPct: ((gen.user + gen.system) / 1000 / elapsed) * 100,
  };
  log(
    `  ${count} senders × ${window} in flight: ${Math.round(result.storedPerSec)} stored+acked/s, ack p50 ${result.p50} p99 ${result.p99} ms, ` +
      `server ${result.serverCpuPct.toFixed(0)}% (its core ${result.serverCorePct.toFixed(0)}%), generator ${result.generatorCpuPct.toFixed(0)}%`,
  );
  return result;
}
