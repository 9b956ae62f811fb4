// Server API scenarios: publish requests per second over /api/v1 (keep-alive, N concurrent, Node's
// fetch, whose undici pool keeps one connection per request in flight), while a WebSocket member of the room keeps receiving
// (the API path must not starve the fan-out), then a WebSocket fan-out's latency alone and while
// the API load runs beside it, and webhook deliveries per second to a local receiver.
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { closeAll, connectMany, runStep, MESSAGE_BYTES } from './scenarios.mjs';
import { stampedText } from './raw-client.mjs';
import { percentile } from './percentile.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Makes an API key the way an operator does: `parley keys create` on the server's data dir. */
function makeKey(repoRoot, dataDir, scopes) {
  const out = execFileSync(
    process.execPath,
    [join(repoRoot, 'dist', 'src', 'cli', 'parley.js'), 'keys', 'create', '--name', 'bench', '--scopes', scopes, '--data-dir', dataDir],
    {
      encoding: 'utf8',
    },
  );
  const key = /pk_[A-Za-z0-9_-]+/.exec(out)?.[0];
  if (key === undefined) throw new Error(`no key in: ${out}`);
  return key;
}

async function post(base, key, path, body) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** `concurrency` loops posting for `durationMs`; answers requests/s and latency percentiles (ms). */
async function publishLoad(base, key, room, concurrency, durationMs, text = () => stampedText(MESSAGE_BYTES)) {
  const latencies = [];
  let ok = 0;
  let failed = 0;
  const until = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const at = performance.now();
        const status = await post(base, key, `/api/v1/rooms/${room}/messages`, { text: text() });
        latencies.push(performance.now() - at);
        if (status === 201) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { perSec: (ok / elapsed) * 1000, ok, failed, p50: percentile(latencies, 50, 0), p99: percentile(latencies, 99, 0) };
}

export async function apiPublish({ target, server, repoRoot, concurrency, durationMs, log }) {
  const key = makeKey(repoRoot, server.dataDir, 'publish');
  const room = 'api-bench';
  const { clients } = await connectMany(target, server, 1, () => room);
  // The texts are stamped: the member counts their pushes like any fan-out benchmark's.
  const [member] = clients;
  const receivedBefore = member.received;
  const base = `http://127.0.0.1:${server.port}`;
  const cpuStart = server.cpuMs();
  const started = performance.now();
  const load = await publishLoad(base, key, room, concurrency, durationMs);
  const serverCpuPct = ((server.cpuMs() - cpuStart) / (performance.now() - started)) * 100;
  await sleep(500);
  const pushed = member.received - receivedBefore;
  closeAll(clients);
  log(
    `  ${concurrency} concurrent keep-alive: ${Math.round(load.perSec)} publish requests/s (${load.failed} failed), p50 ${load.p50.toFixed(1)} p99 ${load.p99.toFixed(1)} ms, ` +
      `member got ${pushed}/${load.ok}, server ${serverCpuPct.toFixed(0)}%`,
  );
  // The load beside the fan-out runs in a process of its own: in this one, fetch's own CPU would
  // delay the reads of the fan-out's members and be counted as the server's latency.
  const fanOut = await fanOutBeside({ target, server, load: () => publishLoadElsewhere(base, key, room, concurrency, durationMs), durationMs, log });
  return { concurrency, ...load, pushedToMember: pushed, serverCpuPct, fanOut };
}

/** publishLoad in a child process (this file run as a script), unstamped texts; its result. */
function publishLoadElsewhere(base, key, room, concurrency, durationMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), base, key, room, String(concurrency), String(durationMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`publish load exited with ${code}`))));
  });
}

/** Members and rate of the WebSocket fan-out measured beside the API load: a rate well inside what it sustains alone. */
const FAN_MEMBERS = 200;
const FAN_RATE = 100;

/**
 * Does the API path slow the WebSocket fan-out? One room of FAN_MEMBERS over WebSocket, ten of them
 * sending FAN_RATE messages/s in all: delivery latency alone, then with `load` (the publish loop into
 * another room, unstamped so that it is not counted as the room's deliveries) running at the same time.
 */
async function fanOutBeside({ target, server, load, durationMs, log }) {
  const fanRoom = 'api-fan';
  const { clients } = await connectMany(target, server, FAN_MEMBERS, () => fanRoom);
  try {
    const step = () =>
      runStep({
        target,
        server,
        senders: clients.slice(0, 10),
        roomOf: () => fanRoom,
        roomSize: FAN_MEMBERS,
        rate: FAN_RATE,
        durationMs,
        drainMs: 5000,
        members: clients,
      });
    const alone = await step();
    const [beside, api] = await Promise.all([step(), load()]);
    const pick = (r) => ({ p50: r.p50, p99: r.p99, received: r.received, expected: r.expected });
    const result = { members: FAN_MEMBERS, rate: FAN_RATE, alone: pick(alone), beside: { ...pick(beside), apiPerSec: api.perSec } };
    log(
      `  WebSocket fan-out to ${FAN_MEMBERS} at ${FAN_RATE} msg/s: alone p50 ${alone.p50.toFixed(1)} p99 ${alone.p99.toFixed(1)} ms (${alone.received}/${alone.expected}); ` +
        `beside ${Math.round(api.perSec)} API publishes/s p50 ${beside.p50.toFixed(1)} p99 ${beside.p99.toFixed(1)} ms (${beside.received}/${beside.expected})`,
    );
    return result;
  } finally {
    closeAll(clients);
  }
}

export async function webhookDeliveries({ target, server, repoRoot, subscriptions, events, log }) {
  const key = makeKey(repoRoot, server.dataDir, 'publish,admin');
  let received = 0;
  let first = 0;
  let last = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      if (first === 0) first = performance.now();
      last = performance.now();
      res.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  try {
    const base = `http://127.0.0.1:${server.port}`;
    for (let i = 0; i < subscriptions; i++) {
      const status = await post(base, key, '/api/v1/webhooks', { url: `${url}/${i}`, events: ['message.created'] });
      if (status !== 201) throw new Error(`subscribe answered ${status}`);
    }
    const room = 'hooks-bench';
    const { clients } = await connectMany(target, server, 1, () => room);
    const started = performance.now();
    // Published as fast as 50 concurrent requests go; the deliveries start meanwhile.
    let sent = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (sent < events) {
          sent++;
          await post(base, key, `/api/v1/rooms/${room}/messages`, { text: `hook bench ${sent}` });
        }
      }),
    );
    const publishedMs = performance.now() - started;
    const expected = subscriptions * events;
    const deadline = performance.now() + 120_000;
    while (received < expected && performance.now() < deadline) await sleep(50);
    closeAll(clients);
    const spanMs = last - first;
    const result = { subscriptions, events, received, expected, perSec: (received / spanMs) * 1000, publishedMs, drainedMs: last - started };
    log(
      `  ${subscriptions} subscriptions × ${events} events: ${received}/${expected} delivered, ${Math.round(result.perSec)} deliveries/s ` +
        `(published in ${(publishedMs / 1000).toFixed(1)} s, all delivered ${(result.drainedMs / 1000).toFixed(1)} s after the first post)`,
    );
    return result;
  } finally {
    receiver.close();
  }
}

// Run as a script: node api-scenarios.mjs BASE KEY ROOM CONCURRENCY DURATION_MS (publishLoadElsewhere).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [base, key, room, concurrency, durationMs] = process.argv.slice(2);
  const result = await publishLoad(base, key, room, Number(concurrency), Number(durationMs), () => 'api load');
  process.stdout.write(JSON.stringify(result));
}
