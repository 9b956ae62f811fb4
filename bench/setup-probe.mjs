// Where a Parley connection set-up waits: opens `count` clients `lanes` at a time against a fresh
// server (the bench's Parley target) and reports, per phase, p50/p99 of the time spent in it
// (TCP + upgrade, then hello answered, then join answered) with server and generator CPU per set-up.
//   node bench/setup-probe.mjs [count] [lanes] [parley|base] [guest|token]
// With `token` every hello carries a Parley session token (one of ten registered accounts: the
// server bounds registrations per address) instead of a guest nick: a signed-in user's set-up.
import { performance } from 'node:perf_hooks';
import { RawClient } from './lib/raw-client.mjs';
import { targets } from './lib/targets.mjs';
import { percentile } from './lib/percentile.mjs';

const count = Number(process.argv[2] ?? 5000);
const lanes = Number(process.argv[3] ?? 200);
const roomSize = 10;
// A fourth argument 'base' measures the checkout named by PARLEY_BENCH_BASE instead.
const target = process.argv[4] === 'base' ? targets.base : targets.parley;
// PROBE_NODE_ARGS passes node flags to the server, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'.
const server = await target.start(process.env.PROBE_NODE_ARGS?.split(' ').filter(Boolean) ?? []);
const withTokens = process.argv[5] === 'token';
const tokens = withTokens ? await register(10) : [];
const phases = { open: [], hello: [], join: [], total: [] };

function setUp(index) {
  return new Promise((resolve, reject) => {
    const client = new RawClient();
    const t0 = performance.now();
    let tOpen = 0;
    let tHello = 0;
    client.onOther = (c, buf, start, end) => {
      const head = buf.toString('latin1', start, Math.min(end, start + 24));
      if (head.startsWith('{"id":1,"type":"ok"')) tHello = performance.now();
      else if (head.startsWith('{"id":2,"type":"ok"')) {
        const t = performance.now();
        phases.open.push(tOpen - t0);
        phases.hello.push(tHello - tOpen);
        phases.join.push(t - tHello);
        phases.total.push(t - t0);
        resolve(client);
      } else if (head.includes('"type":"error"')) reject(new Error(buf.toString('utf8', start, end)));
    };
    client.count();
    client.open({ port: server.port, path: '/ws', protocol: 'parley.v1' }).then(() => {
      tOpen = performance.now();
      const hello = withTokens ? `"token":"${tokens[index % tokens.length]}"` : `"nick":"p${index}"`;
      client.sendText(`{"id":1,"type":"hello",${hello}}`);
      client.sendText(`{"id":2,"type":"join","room":"probe-${Math.floor(index / roomSize)}"}`);
    }, reject);
  });
}

/** `count` accounts registered over HTTP, ten at a time (each costs a password hash); their session tokens. */
async function register(count) {
  const tokens = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, async (_, j) => {
      const answer = await fetch(`http://127.0.0.1:${server.port}/api/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `probe${i + j}`, password: 'probe-password-123' }),
      });
      if (answer.status !== 201) throw new Error(`register: ${answer.status} ${await answer.text()}`);
      return (await answer.json()).token;
    });
    tokens.push(...(await Promise.all(batch)));
  }
  return tokens;
}

async function run(n, label) {
  for (const list of Object.values(phases)) list.length = 0;
  const clients = [];
  let next = 0;
  const cpu0 = server.cpuMs();
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < n) clients.push(await setUp(next++));
    }),
  );
  const elapsed = performance.now() - t0;
  const gen = process.cpuUsage(gen0);
  const pct = (list, q) =>
    percentile(
      list.sort((a, b) => a - b),
      q * 100,
    )?.toFixed(1);
  console.log(
    `${label}: ${Math.round((n / elapsed) * 1000)}/s; server ${Math.round(((server.cpuMs() - cpu0) * 1000) / n)} µs/set-up, ` +
      `generator ${Math.round((gen.user + gen.system) / n)} µs/set-up`,
  );
  for (const [name, list] of Object.entries(phases)) console.log(`  ${name.padEnd(6)} p50 ${pct(list, 0.5)} ms  p99 ${pct(list, 0.99)} ms`);
  for (const c of clients) c.destroy();
}

try {
  await run(Math.min(1000, count), 'warm-up');
  await new Promise((r) => setTimeout(r, 1500));
  await run(count, 'measured');
} finally {
  console.log(server.stderr.slice(-3000));
  await server.stop?.();
  server.kill?.();
}
process.exit(0);
