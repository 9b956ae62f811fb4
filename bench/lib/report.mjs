// docs/benchmarks.md and its chart, from one run's results.
const LABEL = { ws: 'naive ws loop', sio: 'Socket.IO 4.8', parley: 'Parley' };
/** Scenario titles from the sizes actually run (a --quick run uses smaller ones). */
function fanoutTitles(config) {
  const n = (v) => v.toLocaleString('en-US');
  return {
    room1000: `1 room × ${n(config.room1000.members)}`,
    room5000: `1 room × ${n(config.room5000.members)}`,
    rooms100x10: `${n(config.rooms100x10.rooms)} rooms × ${n(config.rooms100x10.size)}`,
  };
}
// From the issue: Parley's highest rate over each peer's, same run.
const TARGET_RATIO = {
  room1000: { ws: 10, sio: 10 },
  room5000: { ws: 4, sio: 6 },
  rooms100x10: { ws: 5, sio: 5 },
};

const int = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const fixed = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const ms = (n) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : '–');

function rateLabel(result, scenario) {
  if (result.bestRate === 0) return '< lowest tried';
  const perClient = scenario === 'rooms100x10' ? result.bestRate / result.members : result.bestRate;
  const suffix = result.saturatedReached ? '' : ' (≥; highest tried)';
  return scenario === 'rooms100x10' ? `${int(perClient)}/s per client${suffix}` : `${int(perClient)} msg/s${suffix}`;
}

function ratio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return a / b;
}

/** `analysis` is bench/analysis.md, written by hand after a run: what the numbers mean and why. */
export function renderMarkdown(report, svgName, analysis) {
  const { facts, config, results, quick } = report;
  const FANOUT = fanoutTitles(config);
  const lines = [];
  lines.push('# Benchmarks: fan-out, idle memory, storage');
  lines.push('');
  if (quick) lines.push('**Smoke run (`--quick`): small sizes and short steps; not a measurement.**\n');
  lines.push(
    'Produced by `npm run bench` (bench/run.mjs). Each server under test runs as its own process pinned to CPU 0 ' +
      '(`taskset -c 0`); the load generator runs pinned to CPU 1, in a fresh process for each scenario and server. Everything is on 127.0.0.1. ' +
      `Messages are ${100}-byte texts carrying their send time; receivers are raw sockets that parse frame headers and ` +
      'read that time (no WebSocket library per connection), so one generator process can count millions of deliveries.',
  );
  lines.push('');
  lines.push('## Machine');
  lines.push('');
  lines.push(`- ${facts.nproc} CPUs: ${facts.cpuModel}; ${facts.memTotalGB} GB RAM; Linux ${facts.kernel}`);
  lines.push(`- Node ${facts.node}; ws ${facts.versions.ws}; socket.io ${facts.versions.socketio}; taskset ${facts.taskset ? 'used' : 'absent (not pinned)'}`);
  if (facts.niceness) lines.push(`- generator and servers ran at niceness ${facts.niceness} (ahead of the other work on the machine)`);
  lines.push(`- ulimit -n ${facts.ulimitN}; run started ${facts.date}, took ${facts.durationSec} s`);
  lines.push(
    `- load average at start ${facts.loadStart.map((l) => l.toFixed(2)).join(' / ')}, at end ${facts.loadEnd.map((l) => l.toFixed(2)).join(' / ')} ` +
      '(the bench itself keeps both cores busy: a load near 2 is its own; more means other work shared the machine, see "Caveats")',
  );
  lines.push('');
  lines.push('## Peers');
  lines.push('');
  lines.push(
    '- **naive ws loop**: `ws` with `wss.clients.forEach(c => c.send(data))` (bench/servers/ws-naive.mjs); in the many-rooms scenario the same loop runs over a per-room set chosen by the URL.',
  );
  lines.push(
    '- **Socket.IO 4.8**: websocket transport only, `io.to(room).emit(...)` (bench/servers/socketio.mjs); receivers speak the engine.io v4 wire format.',
  );
  lines.push(
    '- **Parley**: `node dist/src/cli/parley.js serve`, protocol v1, SQLite store on with `PARLEY_SQLITE_SYNC=full` (default): every message is stored and acknowledged before it is published.',
  );
  lines.push('');
  lines.push('## Summary: highest rate with p99 < 100 ms and no loss');
  lines.push('');
  lines.push('| scenario | naive ws loop | Socket.IO 4.8 | Parley | Parley / ws | Parley / Socket.IO | target |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const [scenario, title] of Object.entries(FANOUT)) {
    const row = results[scenario];
    if (row === undefined) continue;
    const cell = (t) => {
      const r = row[t];
      if (r === undefined) return 'not run';
      if (r.error !== undefined) return `failed: ${r.error.slice(0, 60)}`;
      return `${rateLabel(r, scenario)} (${int(r.best?.deliveriesPerSec)} deliveries/s)`;
    };
    const goal = TARGET_RATIO[scenario];
    // rates in the config are per client for the many-rooms scenario; results count all clients
    const lowest = config[scenario].rates[0] * (scenario === 'rooms100x10' ? (row.parley?.members ?? row.ws?.members ?? 1) : 1);
    // A ratio is a lower bound when Parley passed every rate tried, and when the peer passed none
    // (its limit is below the lowest rate tried); unknown when Parley passed none.
    const compare = (peer) => {
      const p = row.parley;
      const q = row[peer];
      if (p?.bestRate === undefined || q?.bestRate === undefined) return { text: '–', verdict: '' };
      if (p.bestRate === 0) return { text: '–', verdict: `missed ≥${goal[peer]}× ${LABEL[peer]} (Parley passed no rate)` };
      const atLeast = p.saturatedReached === false || q.bestRate === 0;
      const value = p.bestRate / (q.bestRate === 0 ? lowest : q.bestRate);
      const met = value >= goal[peer];
      const verdict = `${met ? 'met' : atLeast ? 'unknown' : 'missed'} ≥${goal[peer]}× ${LABEL[peer]}`;
      return { text: `${atLeast ? (q.bestRate === 0 ? '> ' : '≥ ') : ''}${fixed(value)}×`, verdict };
    };
    const vsWs = compare('ws');
    const vsSio = compare('sio');
    const verdict = [vsWs.verdict, vsSio.verdict].filter(Boolean).join(', ');
    lines.push(`| ${title} | ${cell('ws')} | ${cell('sio')} | ${cell('parley')} | ${vsWs.text} | ${vsSio.text} | ${verdict} |`);
  }
  const idleRow = results.idle;
  if (idleRow !== undefined) {
    const cell = (t) =>
      idleRow[t]?.rssPerConnKB !== undefined ? `${fixed(idleRow[t].rssPerConnKB, 2)} KB RSS, ${fixed(idleRow[t].heapPerConnKB, 2)} KB heap` : '–';
    const p = idleRow.parley?.rssPerConnKB;
    lines.push(
      `| idle memory per connection (${int(config.idle.count)}) | ${cell('ws')} | ${cell('sio')} | ${cell('parley')} | ` +
        `${fixed(ratio(p, idleRow.ws?.rssPerConnKB), 2)}× | ${fixed(ratio(p, idleRow.sio?.rssPerConnKB), 2)}× | ` +
        `${Number.isFinite(p) ? (p <= 7 ? 'met' : 'missed') : ''} ≤ 7 KB |`,
    );
    const setup = (t) => (idleRow[t]?.setupPerSec !== undefined ? `${int(idleRow[t].setupPerSec)}/s` : '–');
    lines.push(
      `| connection set-up rate (to joined) | ${setup('ws')} | ${setup('sio')} | ${setup('parley')} | ` +
        `${fixed(ratio(idleRow.parley?.setupPerSec, idleRow.ws?.setupPerSec), 2)}× | ${fixed(ratio(idleRow.parley?.setupPerSec, idleRow.sio?.setupPerSec), 2)}× | |`,
    );
  }
  const store = results.store?.parley;
  if (store !== undefined && store !== null && store.error === undefined) {
    lines.push(
      `| stored + acknowledged messages/s, ${store.senders} senders | n/a (no store) | n/a (no store) | ${int(store.storedPerSec)}/s | | | ` +
        `${store.storedPerSec >= 20_000 ? 'met' : 'missed'} ≥ 20,000/s |`,
    );
  }
  lines.push('');
  lines.push('Saturated throughput (the most deliveries per second seen in the sweep, whatever the latency):');
  lines.push('');
  lines.push('| scenario | naive ws loop | Socket.IO 4.8 | Parley | Parley / ws | Parley / Socket.IO |');
  lines.push('|---|---|---|---|---|---|');
  for (const [scenario, title] of Object.entries(FANOUT)) {
    const row = results[scenario];
    if (row === undefined) continue;
    const sat = (t) => row[t]?.saturatedDeliveriesPerSec;
    lines.push(
      `| ${title} | ${int(sat('ws'))}/s | ${int(sat('sio'))}/s | ${int(sat('parley'))}/s | ${fixed(ratio(sat('parley'), sat('ws')), 2)}× | ${fixed(ratio(sat('parley'), sat('sio')), 2)}× |`,
    );
  }
  lines.push('');
  lines.push(`![highest rate with p99 < 100 ms, deliveries per second](${svgName})`);
  lines.push('');

  lines.push('## Fan-out scenarios in detail');
  lines.push('');
  lines.push(
    'Columns: the highest rate that passed (p99 < 100 ms, every delivery arrived, no connection closed) and the ' +
      'deliveries/s there; the highest deliveries/s seen in the sweep (saturated); latency (send → receive, in the ' +
      'generator) at the passing rate; losses (deliveries not arrived by the end of the drain, up to 4 s after the last send, or 1.5 s without progress) and closed connections in the last step of the sweep; server CPU per ' +
      "delivery at the passing rate; the generator's own CPU (100% = one core) at its busiest step.",
  );
  lines.push('');
  for (const [scenario, title] of Object.entries(FANOUT)) {
    const row = results[scenario];
    if (row === undefined) continue;
    const c = config[scenario];
    const senders = scenario === 'rooms100x10' ? 'every member sends' : '10 members send';
    lines.push(
      `### ${title} (${senders}; ${c.durationMs / 1000} s per rate; rates tried: ${c.rates.join(', ')}${scenario === 'rooms100x10' ? ' per client' : ''})`,
    );
    lines.push('');
    lines.push(
      '| server | highest passing rate | deliveries/s there | saturated deliveries/s | p50 / p99 / max (ms) | last step: lost / closed | server µs per delivery | server CPU | generator CPU (max) | join time |',
    );
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const t of ['ws', 'sio', 'parley']) {
      const r = row[t];
      if (r === undefined) continue;
      if (r.error !== undefined) {
        lines.push(`| ${LABEL[t]} | failed: ${r.error} | | | | | | | | |`);
        continue;
      }
      const b = r.best;
      const last = r.steps[r.steps.length - 1];
      lines.push(
        `| ${LABEL[t]} | ${rateLabel(r, scenario)} | ${int(b?.deliveriesPerSec)} | ${int(r.saturatedDeliveriesPerSec)} | ` +
          `${ms(b?.p50)} / ${ms(b?.p99)} / ${ms(b?.max)} | ${int(last?.lost)} / ${int(last?.closed)} | ${fixed(b?.serverUsPerDelivery, 2)} | ` +
          `${fixed(b?.serverCpuPct, 0)}% | ${fixed(r.generatorCpuMaxPct, 0)}% | ${fixed(r.joinSec, 1)} s |`,
      );
    }
    lines.push('');
    lines.push('<details><summary>every step</summary>');
    lines.push('');
    lines.push('| server | offered msg/s | deliveries/s | p50 / p99 / max (ms) | lost | closed | server CPU | µs/delivery | generator CPU | pass |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const t of ['ws', 'sio', 'parley']) {
      for (const s of row[t]?.steps ?? []) {
        lines.push(
          `| ${LABEL[t]} | ${int(s.rate)} | ${int(s.deliveriesPerSec)} | ${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)} | ${int(s.lost)} | ${s.closed} | ` +
            `${fixed(s.serverCpuPct, 0)}% | ${fixed(s.serverUsPerDelivery, 2)} | ${fixed(s.generatorCpuPct, 0)}% | ${s.pass ? 'yes' : 'no'} |`,
        );
      }
    }
    lines.push('');
    lines.push('</details>');
    lines.push('');
  }

  if (idleRow !== undefined) {
    lines.push(`### ${int(config.idle.count)} idle connections`);
    lines.push('');
    lines.push(
      'Each connection joins a room of ' +
        config.idle.roomSize +
        ' (Parley: hello + join; Socket.IO: connect + join with ack; ' +
        "naive ws: the upgrade), 200 set-ups in flight. Memory is the server's own `process.memoryUsage()` after a full GC, " +
        'before and after, divided by the count; "before" is taken after a warm-up in which 1,000 connections were opened ' +
        'and closed, so that what a server grows only once (compiled code, caches up to their cap) is not counted per ' +
        'connection. The set-up rate is connections joined per second over the whole ramp.',
    );
    lines.push('');
    lines.push('| server | RSS per connection | heap per connection | external per connection | RSS total | set-up rate |');
    lines.push('|---|---|---|---|---|---|');
    for (const t of ['ws', 'sio', 'parley']) {
      const r = idleRow[t];
      if (r === undefined) continue;
      if (r.error !== undefined) {
        lines.push(`| ${LABEL[t]} | failed: ${r.error} | | | | |`);
        continue;
      }
      lines.push(
        `| ${LABEL[t]} | ${fixed(r.rssPerConnKB, 2)} KB | ${fixed(r.heapPerConnKB, 2)} KB | ${fixed(r.externalPerConnKB, 2)} KB | ${fixed(r.rssMB, 0)} MB | ${int(r.setupPerSec)}/s |`,
      );
    }
    lines.push('');
  }
  const stormRow = results.storm;
  if (stormRow !== undefined && config.storm !== undefined) {
    const c = config.storm;
    lines.push(`### Reconnect storm (${int(c.count)} clients)`);
    lines.push('');
    lines.push(
      `${int(c.count)} clients in rooms of ${c.roomSize} lose their connections at once: Parley after kill -9 and a restart on ` +
        'the same data directory, and after a network blip with the server up; Socket.IO (connection state recovery on) ' +
        'after the blip only, since its sessions are kept in the process that a restart ends. Each room has ' +
        `${c.before} messages before; its first member sends ${c.after} more as soon as it is back, so the others get them ` +
        `live or in their recovery. ${c.lanes} set-ups in flight. Times are from the moment the server listens again ` +
        '(restart) or from the cut (blip); "recovered" means holding every message of the room exactly once.',
    );
    lines.push('');
    lines.push('| server | storm | all back (ms) | recovered p50 / p99 (ms) | all recovered (ms) | duplicates | missing |');
    lines.push('|---|---|---|---|---|---|---|');
    for (const t of ['sio', 'parley']) {
      for (const kind of ['restart', 'blip']) {
        const r = stormRow[t]?.[kind];
        if (r === undefined) continue;
        if (r.error !== undefined) {
          lines.push(`| ${LABEL[t]} | ${kind} | failed: ${r.error} | | | | |`);
          continue;
        }
        lines.push(
          `| ${LABEL[t]} | ${kind === 'restart' ? 'kill -9 + restart' : 'blip'} | ${int(r.allJoinedMs)} | ${int(r.recoveredP50Ms)} / ${int(r.recoveredP99Ms)} | ` +
            `${int(r.allRecoveredMs)} | ${r.duplicates} | ${r.missing} |`,
        );
      }
      if (stormRow[t]?.error !== undefined) lines.push(`| ${LABEL[t]} | | failed: ${stormRow[t].error} | | | | |`);
    }
    lines.push('');
  }
  const api = results.api?.parley;
  if (api !== undefined && api !== null && config.api !== undefined) {
    lines.push('### Server API publishes, and the WebSocket fan-out beside them (Parley only)');
    lines.push('');
    if (api.error !== undefined) lines.push(`failed: ${api.error}`);
    else {
      lines.push(
        `${api.concurrency} keep-alive clients post \`POST /api/v1/rooms/{room}/messages\` for ${config.api.durationMs / 1000} s (each stored and ` +
          'pushed as a WebSocket send is) while one WebSocket member of that room counts its pushes. Then a room of ' +
          `${api.fanOut?.members ?? '?'} WebSocket members, ten of them sending ${api.fanOut?.rate ?? '?'} messages/s in all, alone and ` +
          'with the same publish load into another room at the same time: the API path must not starve the fan-out.',
      );
      lines.push('');
      lines.push(
        '| publishes/s | publish p50 / p99 (ms) | member got | fan-out alone p50 / p99 (ms) | fan-out beside the API p50 / p99 (ms) | API publishes/s meanwhile |',
      );
      lines.push('|---|---|---|---|---|---|');
      const f = api.fanOut;
      lines.push(
        `| ${int(api.perSec)} | ${fixed(api.p50, 1)} / ${fixed(api.p99, 1)} | ${int(api.pushedToMember)} / ${int(api.ok)} | ` +
          (f === undefined
            ? '| | |'
            : `${fixed(f.alone.p50, 1)} / ${fixed(f.alone.p99, 1)} (${int(f.alone.received)} / ${int(f.alone.expected)}) | ` +
              `${fixed(f.beside.p50, 1)} / ${fixed(f.beside.p99, 1)} (${int(f.beside.received)} / ${int(f.beside.expected)}) | ${int(f.beside.apiPerSec)} |`),
      );
    }
    lines.push('');
  }
  if (store !== undefined && store !== null) {
    lines.push(`### Stored messages per second (Parley only)`);
    lines.push('');
    if (store.error !== undefined) lines.push(`failed: ${store.error}`);
    else {
      lines.push(
        `${store.senders} connections, each in its own room, each keeping ${store.window} sends in flight for ${config.store.durationMs / 1000} s; ` +
          'a send counts when its `ok` (which the server sends only after the SQLite transaction committed) arrives.',
      );
      lines.push('');
      lines.push('| PARLEY_SQLITE_SYNC | stored + acked/s | ack p50 / p99 / max (ms) | server CPU | generator CPU | closed |');
      lines.push('|---|---|---|---|---|---|');
      for (const [mode, r] of [
        ['full (default)', store],
        ['normal', store.normal],
      ]) {
        if (r === undefined) continue;
        lines.push(
          `| ${mode} | ${int(r.storedPerSec)} | ${ms(r.p50)} / ${ms(r.p99)} / ${ms(r.max)} | ${fixed(r.serverCpuPct, 0)}% | ${fixed(r.generatorCpuPct, 0)}% | ${r.closed} |`,
        );
      }
    }
    lines.push('');
  }
  if (analysis !== undefined) {
    lines.push(analysis.trim());
    lines.push('');
  }
  lines.push('## Caveats');
  lines.push('');
  lines.push(
    '- One run per scenario, not a median of several; steps are a few seconds long. Anything else running on this 2-core machine shows in the load average above and in the results: treat differences under ~20% as noise.',
  );
  lines.push(
    '- The sweep stops at the first rate that loses messages or leaves a backlog, so "saturated" is the best throughput seen up to there, not a tuned maximum. A rate marked "highest tried" passed every step: the true limit is higher.',
  );
  lines.push(
    "- Latency is measured inside the generator (send time embedded in the text, read on arrival), so it includes the generator's own scheduling delay; its CPU is shown for that reason.",
  );
  lines.push(
    "- Parley does more per message than the peers: it validates the request, stores it in SQLite (one transaction per event-loop turn, acknowledged after the WAL's fdatasync), assigns a seq, and sends an ack to the sender.",
  );
  lines.push('');
  return lines.join('\n') + '\n';
}

/** A grouped bar chart, log scale: deliveries/s at the highest passing rate, per scenario and server. */
export function renderSvg(report) {
  const { results } = report;
  const FANOUT = fanoutTitles(report.config);
  const groups = Object.entries(FANOUT).filter(([s]) => results[s] !== undefined);
  const servers = ['ws', 'sio', 'parley'];
  const colors = { ws: '#8c8c8c', sio: '#e0a030', parley: '#2f6fdf' };
  const width = 900;
  const barH = 18;
  const groupGap = 26;
  const left = 170;
  const right = 330;
  const top = 50;
  const plotW = width - left - right;
  const height = top + groups.length * (servers.length * barH + groupGap) + 40;
  const values = groups.flatMap(([s]) => servers.map((t) => results[s][t]?.saturatedDeliveriesPerSec ?? 0)).filter((v) => v > 0);
  const minExp = 3;
  const maxExp = Math.max(6, Math.ceil(Math.log10(Math.max(1, ...values))));
  const x = (v) => (v <= 0 ? 0 : (Math.max(0, Math.log10(v) - minExp) / (maxExp - minExp)) * plotW);
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`);
  out.push(
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">Deliveries/s: solid at the highest rate with p99 &lt; 100 ms and no loss, outline saturated (log scale)</text>`,
  );
  for (let e = minExp; e <= maxExp; e++) {
    const gx = left + x(10 ** e);
    out.push(`<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${height - 30}" stroke="#ddd"/>`);
    out.push(`<text x="${gx}" y="${height - 14}" text-anchor="middle" fill="#555">${esc((10 ** e).toLocaleString('en-US'))}</text>`);
  }
  let y = top;
  for (const [scenario, title] of groups) {
    out.push(`<text x="${left - 10}" y="${y + (servers.length * barH) / 2 + 4}" text-anchor="end" font-weight="bold">${esc(title)}</text>`);
    for (const t of servers) {
      const v = results[scenario][t]?.best?.deliveriesPerSec ?? 0;
      const sat = results[scenario][t]?.saturatedDeliveriesPerSec ?? 0;
      const w = x(v);
      const ws = Math.max(w, x(sat));
      // outline: saturated throughput; solid: throughput at the highest passing rate
      out.push(`<rect x="${left}" y="${y + 2}" width="${ws.toFixed(1)}" height="${barH - 4}" fill="none" stroke="${colors[t]}"/>`);
      out.push(`<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${barH - 4}" fill="${colors[t]}"/>`);
      const label = `${LABEL[t]}: ${v > 0 ? Math.round(v).toLocaleString('en-US') : 'none passed'} (saturated ${sat > 0 ? Math.round(sat).toLocaleString('en-US') : 'n/a'})`;
      out.push(`<text x="${left + ws + 6}" y="${y + barH - 5}" fill="#222">${esc(label)}</text>`);
      y += barH;
    }
    y += groupGap;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
