#!/usr/bin/env node
// `node bench/search.mjs` (after `npm run build`): the worst search requests against one Parley
// process. Fills a room with 10,000 messages near the text maximum, then runs searches that match
// nothing, match everything, are 1-2 characters long, or hold % and _, one at a time. For each it
// reports the first reply's latency, how long covering the whole room took (following `from` until
// 1), and how long the server's event loop was blocked meanwhile, measured two ways: the max event
// loop delay the server itself saw (prom-client's monitorEventLoopDelay gauge from /metrics, reset
// at each scrape) and the slowest round trip of a cheap request sent back to back on another
// connection. Prints a Markdown table.
//
// A first row, "no search", is the same measurement over 3 s with no search running: on a shared
// machine the process is descheduled now and then, which shows as event-loop delay too.
//
//   node bench/search.mjs [--messages 10000] [--text 3990] [--pg] [--only <label part>]
//   (--pg: PARLEY_STORE=postgres; --only: the searches whose label contains it)
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { targets, pinSelf } from './lib/targets.mjs';

const { values: options } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    text: { type: 'string', default: '3990' },
    pg: { type: 'boolean', default: false },
    repeat: { type: 'string', default: '1' },
    only: { type: 'string' },
  },
});
const MESSAGES = Number(options.messages);
const TEXT = Number(options.text);

// Words without the letters q, j, x and z, so that patterns made of those match nothing.
const WORDS = [
  'lorem',
  'ipsum',
  'dolor',
  'sit',
  'amet',
  'consectetur',
  'adipiscing',
  'elit',
  'sed',
  'do',
  'eiusmod',
  'tempor',
  'incididunt',
  'ut',
  'labore',
  'et',
  'dolore',
  'magna',
  'Ut',
  'enim',
  'ad',
  'minim',
  'veniam',
  'nostrud',
  'ullamco',
  'laboris',
  'nisi',
  'ea',
  'commodo',
  'Duis',
  'aute',
  'irure',
  'in',
  'reprehenderit',
];
let rng = 42;
const random = () => (rng = (rng * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const longText = (i) => {
  let text = `m${i} `;
  while (text.length < TEXT) text += `${WORDS[Math.floor(random() * WORDS.length)]} `;
  return text.slice(0, TEXT);
};

// [label, text, room]: 'big' holds word texts, 'runs' texts of one repeated letter, where LIKE
// backtracks at every position (a pattern of 199 a's and a b costs about 200 comparisons a character).
const PATTERNS = [
  ['runs: 199 a + b, matches nothing', `${'a'.repeat(199)}b`, 'runs'],
  ['runs: 200 a, matches every message', 'a'.repeat(200), 'runs'],
  ['runs: 2 chars, matches nothing', 'ab', 'runs'],
  ['matches nothing (5 chars)', 'qxzjq'],
  ['matches nothing, common words', 'lorem ipsum lorem ipsum lorem'],
  ['matches every message', 'dolor'],
  ['1 char, matches nothing', 'q'],
  ['2 chars, matches nothing', 'zq'],
  ['1 char, matches every message', 'e'],
  ['% and _, match nothing', '100%_x'],
  ['only %', '%'],
  ['only _', '_'],
  ['matches one message (the oldest)', 'm1 '],
];

class Conn {
  constructor(port) {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, 'parley.v1', { perMessageDeflate: false });
    this.next = 1;
    this.waiting = new Map();
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      if (frame.id === undefined) return;
      const waiter = this.waiting.get(frame.id);
      if (waiter === undefined) return;
      this.waiting.delete(frame.id);
      waiter(frame);
    });
  }
  opened() {
    return new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
    });
  }
  request(type, params) {
    const id = this.next++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, type, ...params }));
    });
  }
  async ok(type, params) {
    const reply = await this.request(type, params);
    if (reply.type !== 'ok') throw new Error(`${type} refused: ${JSON.stringify(reply)}`);
    return reply;
  }
}

async function connect(port, nick) {
  const conn = new Conn(port);
  await conn.opened();
  await conn.ok('hello', { nick });
  return conn;
}

/** The server's max and p99 event-loop delay since the last scrape (the scrape resets them). */
async function loopDelayMs(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const gauge = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`parley_nodejs_eventloop_lag_${name}_seconds `));
    return line === undefined ? NaN : Number(line.split(' ')[1]) * 1000;
  };
  return { max: gauge('max'), p99: gauge('p99') };
}

async function main() {
  pinSelf(1);
  const env = options.pg
    ? {
        PARLEY_STORE: 'postgres',
        DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        PARLEY_PG_SCHEMA: `bench_search_${process.pid}`,
      }
    : {};
  const server = await targets.parley.start([], env);
  const port = server.port;
  try {
    const writer = await connect(port, 'writer');
    await writer.ok('join', { room: 'big' });
    const fillStart = performance.now();
    const WINDOW = 64;
    let sent = 0;
    const inflight = new Set();
    while (sent < MESSAGES) {
      while (inflight.size < WINDOW && sent < MESSAGES) {
        const i = sent++;
        const p = writer.ok('send', { room: 'big', text: longText(i + 1), cid: `f${i}` }).then(() => inflight.delete(p));
        inflight.add(p);
      }
      await Promise.race(inflight);
    }
    await Promise.all(inflight);
    const fillMs = performance.now() - fillStart;
    console.log(`filled ${MESSAGES} messages of ${TEXT} chars in ${(fillMs / 1000).toFixed(1)} s`);
    await writer.ok('join', { room: 'runs' });
    for (let i = 0; i < MESSAGES; i += WINDOW) {
      const batch = [];
      for (let j = i; j < Math.min(MESSAGES, i + WINDOW); j++) batch.push(writer.ok('send', { room: 'runs', text: 'a'.repeat(TEXT), cid: `r${j}` }));
      await Promise.all(batch);
    }

    const searcher = await connect(port, 'searcher');
    const pinger = await connect(port, 'pinger');
    await pinger.ok('join', { room: 'other' });
    const rows = [];
    const searches = [['no search (3 s of pings only)', null], ...PATTERNS.filter(([label]) => options.only === undefined || label.includes(options.only))];
    for (let r = 0; r < Number(options.repeat); r++) {
      for (const [label, text, room = 'big'] of searches) {
        await loopDelayMs(port); // resets the server's histogram
        let pinging = true;
        let worstPing = 0;
        let pings = 0;
        const pingLoop = (async () => {
          while (pinging) {
            const start = performance.now();
            await pinger.ok('history', { room: 'other', limit: 1 });
            worstPing = Math.max(worstPing, performance.now() - start);
            pings++;
          }
        })();
        const start = performance.now();
        let first = 0;
        let requests = 0;
        let found = 0;
        let before;
        let from = Infinity;
        let refused = 0;
        if (text === null) await new Promise((resolve) => setTimeout(resolve, 3000));
        // Follow `from` down to seq 1, as a client that wants the whole room would.
        while (text !== null && from > 1) {
          const reply = await searcher.request('search', { room, text, limit: 50, ...(before === undefined ? {} : { before }) });
          if (reply.type !== 'ok') {
            refused++;
            if (refused > 100) throw new Error(`search refused: ${JSON.stringify(reply)}`);
            continue;
          }
          requests++;
          if (requests === 1) first = performance.now() - start;
          found += reply.messages.length;
          // A full page: the next request starts below its oldest result; otherwise below `from`.
          before = reply.messages.length === 50 ? reply.messages[49].seq : reply.from;
          from = reply.messages.length === 50 ? reply.messages[49].seq : reply.from;
          if (found >= 50) break; // a client shows a page, it does not read a whole matching room
        }
        const total = performance.now() - start;
        pinging = false;
        await pingLoop;
        const loop = await loopDelayMs(port);
        const shown = text === null ? '' : text.length > 30 ? `${text.slice(0, 12)}…(${text.length})` : text;
        rows.push({ label, text: shown, first, total, requests, found, loop, worstPing, pings });
        console.log(
          `${label.padEnd(36)} first ${first.toFixed(1)} ms, ${requests} req ${total.toFixed(1)} ms, found ${found}, ` +
            `loop max ${loop.max.toFixed(1)} ms p99 ${loop.p99.toFixed(1)} ms, worst ping ${worstPing.toFixed(1)} ms (${pings} pings)`,
        );
      }
    }
    console.log(
      '\n| search | text | first reply ms | requests to page or room start | total ms | found | server max event-loop delay ms | p99 ms | worst ping RTT ms |',
    );
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) {
      console.log(
        `| ${row.label} | ${row.text === '' ? '-' : `\`${row.text}\``} | ${row.first.toFixed(1)} | ${row.requests} | ${row.total.toFixed(1)} | ${row.found} | ${row.loop.max.toFixed(1)} | ${row.loop.p99.toFixed(1)} | ${row.worstPing.toFixed(1)} |`,
      );
    }
    for (const c of [writer, searcher, pinger]) c.ws.close();
  } finally {
    await server.stop();
  }
}

await main();
