// Server API scenarios: publish requests per second over /api/v1 (keep-alive, N concurrent, Node's
// fetch, whose undici pool keeps one connection per request in flight), while a WebSocket member of the room keeps receiving
// (the API path must not starve the fan-out), and webhook deliveries per second to a local receiver.
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { closeAll, connectMany, MESSAGE_BYTES } from './scenarios.mjs';
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
async function publishLoad(base, key, room, concurrency, durationMs) {
  const latencies = [];
  let ok = 0;
  let failed = 0;
  const until = performance.now() + durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const at = performance.now();
        const status = await post(base, key, `/api/v1/rooms/${room}/messages`, { text: stampedText(MESSAGE_BYTES) });
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
  const result = { concurrency, ...load, pushedToMember: pushed, serverCpuPct };
  log(
    `  ${concurrency} concurrent keep-alive: ${Math.round(load.perSec)} publish requests/s (${load.failed} failed), p50 ${load.p50.toFixed(1)} p99 ${load.p99.toFixed(1)} ms, ` +
      `member got ${pushed}/${load.ok}, server ${serverCpuPct.toFixed(0)}%`,
  );
  return result;
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
