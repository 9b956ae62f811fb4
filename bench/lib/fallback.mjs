// The HTTP fallback against WebSocket, on the same Parley server in the same run:
// - fan-out: one room of `members` readers on each transport in turn, the same senders (WebSocket)
//   at the same fixed rate; delivery latency percentiles and the server's CPU per delivery;
// - memory per connection: server heap and RSS (after a full GC) per open reader, each transport;
// - the cost of a POST: one frame per POST, sequential, its round trip and the server's CPU, against
//   the same send over WebSocket (time to its ack).
// Readers of the event stream are plain node:http responses scanned for the message timestamp, as
// cheap to the generator as RawClient's frame scan is for WebSocket readers.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { Histogram, nowMicros, stampedText, totals } from './raw-client.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const MARKER = '"text":"~';

/** One fallback session: its stream (counting stamped messages into `histogram`) and a POST function. */
class SseMember {
  constructor(port, histogram) {
    this.port = port;
    this.histogram = histogram;
    this.received = 0;
    this.nextId = 1;
    this.replies = new Map();
    this.buffer = '';
  }

  open(agent) {
    return new Promise((resolve, reject) => {
      const request = http.get(
        { host: '127.0.0.1', port: this.port, path: '/fallback/stream', agent: false, headers: { accept: 'text/event-stream' } },
        (response) => {
          this.response = response;
          response.setEncoding('utf8');
          response.on('data', (chunk) => this.#data(chunk, resolve));
          response.on('error', () => undefined);
        },
      );
      request.on('error', reject);
      this.agent = agent;
    });
  }

  #data(chunk, opened) {
    if (this.stream === undefined) {
      this.buffer += chunk;
      const match = /event: stream\ndata: (.*)\n\n/.exec(this.buffer);
      if (match === null) return;
      const info = JSON.parse(match[1]);
      this.stream = info.stream;
      this.secret = info.secret;
      chunk = this.buffer.slice(match.index + match[0].length);
      this.buffer = '';
      opened(this);
    }
    // Replies this member waits for carry string ids `r<n>`; messages carry the stamp.
    let at = chunk.indexOf(MARKER);
    while (at !== -1) {
      const micros = Number(chunk.slice(at + MARKER.length, at + MARKER.length + 12));
      if (Number.isFinite(micros)) this.histogram.add(nowMicros() - micros);
      this.received++;
      at = chunk.indexOf(MARKER, at + 1);
    }
    if (this.replies.size > 0) {
      for (const [id, resolve] of this.replies) {
        if (chunk.includes(`"id":"${id}"`)) {
          this.replies.delete(id);
          resolve();
        }
      }
    }
  }

  /** POSTs one frame; resolves when its reply arrives on the stream. */
  request(type, params) {
    const id = `r${this.nextId++}`;
    const replied = new Promise((resolve) => this.replies.set(id, resolve));
    return Promise.all([this.post(JSON.stringify({ id, type, ...params })), replied]);
  }

  post(body) {
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: `/fallback/stream/${this.stream}`,
          agent: this.agent,
          headers: { 'content-type': 'text/plain', 'parley-stream-secret': this.secret, 'content-length': Buffer.byteLength(body) },
        },
        (response) => {
          response.resume();
          response.on('end', () => (response.statusCode === 202 ? resolve() : reject(new Error(`POST answered ${response.statusCode}`))));
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  destroy() {
    this.response?.destroy();
  }
}

async function openSseMembers(port, count, room, histogram) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const members = [];
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next++;
      const member = new SseMember(port, histogram);
      await member.open(agent);
      await member.request('hello', { nick: `f${index}` });
      await member.request('join', { room });
      members.push(member);
    }
  };
  await Promise.all(Array.from({ length: 50 }, lane));
  return { members, agent };
}

/** Sends `rate` msg/s for `durationMs` from `senders` (WebSocket RawClients), then waits for `expected` deliveries. */
async function fanOutStep({ target, senders, room, rate, durationMs, received, expected, drainMs }) {
  const total = Math.round((rate * durationMs) / 1000);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const sender = senders[i % senders.length];
    sender.send(target.sendFrame(sender, room, stampedText(100), i));
  }
  const deadline = performance.now() + drainMs;
  while (received() < expected(total) && performance.now() < deadline) await sleep(20);
  return { sent: total, delivered: received() };
}

export async function fallbackVsWebSocket({ target, server, members: count, rate, durationMs, posts, connectMany, closeAll, log }) {
  const result = {};
  const senders = (await connectMany(target, server, 10, () => 'fallback-room', { singleRoom: true })).clients;
  let sendersBase = 0;
  const sendersGot = () => senders.reduce((sum, c) => sum + (c.received ?? 0), 0) - sendersBase;
  for (const transport of ['websocket', 'http']) {
    const histogram = new Histogram();
    const memBefore = await server.memory();
    let readers;
    let received;
    let sse;
    const setupStart = performance.now();
    if (transport === 'websocket') {
      const { clients } = await connectMany(target, server, count, () => 'fallback-room', { singleRoom: true });
      readers = clients;
      const start = totals.stamped;
      // The senders are WebSocket members of the room too: their own deliveries are not counted.
      received = () => Math.max(0, totals.stamped - start - sendersGot());
      result[transport] = { histogramOf: () => totals.histogram };
    } else {
      sse = await openSseMembers(server.port, count, 'fallback-room', histogram);
      readers = sse.members;
      received = () => readers.reduce((sum, m) => sum + m.received, 0);
      result[transport] = { histogramOf: () => histogram };
    }
    const setupSec = (performance.now() - setupStart) / 1000;
    await sleep(1000);
    const memAfter = await server.memory();
    if (transport === 'websocket') {
      totals.histogram.reset();
      totals.measuring = true;
    } else {
      totals.measuring = false;
    }
    sendersBase = senders.reduce((sum, c) => sum + (c.received ?? 0), 0);
    const cpuStart = server.cpuMs();
    // Every message reaches the readers and the 10 senders (WebSocket members of the same room).
    const step = await fanOutStep({
      target,
      senders,
      room: 'fallback-room',
      rate,
      durationMs,
      received,
      expected: (sent) => sent * count,
      drainMs: 5000,
    });
    const cpuMs = server.cpuMs() - cpuStart;
    const h = result[transport].histogramOf();
    result[transport] = {
      members: count,
      setupSec,
      rate,
      sent: step.sent,
      delivered: step.delivered,
      expected: step.sent * count,
      p50Ms: h.percentile(50),
      p99Ms: h.percentile(99),
      maxMs: h.max,
      serverCpuMs: cpuMs,
      cpuMicrosPerDelivery: (cpuMs * 1000) / Math.max(1, step.delivered),
      heapPerConnKB: (memAfter.heapUsed - memBefore.heapUsed) / count / 1024,
      rssPerConnKB: (memAfter.rss - memBefore.rss) / count / 1024,
    };
    const r = result[transport];
    log(
      `  ${transport}: ${count} readers (set-up ${setupSec.toFixed(1)} s), ${rate} msg/s: ${r.delivered}/${r.expected} delivered, ` +
        `p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, server CPU ${r.cpuMicrosPerDelivery.toFixed(2)} µs/delivery, ` +
        `heap ${r.heapPerConnKB.toFixed(2)} KB/conn, RSS ${r.rssPerConnKB.toFixed(2)} KB/conn`,
    );
    if (transport === 'http') {
      // The cost of a POST: one reader sends `posts` messages, one per POST, each after the last's ack.
      const poster = readers[0];
      const cpuBefore = server.cpuMs();
      const started = performance.now();
      for (let i = 0; i < posts; i++) await poster.request('send', { room: 'fallback-post', text: 'x', cid: `p${i}` }).catch(() => undefined);
      const elapsed = performance.now() - started;
      result.post = { posts, roundTripMs: elapsed / posts, serverCpuMicrosPerPost: ((server.cpuMs() - cpuBefore) * 1000) / posts };
      log(
        `  POST: ${posts} sends one per POST: ${result.post.roundTripMs.toFixed(2)} ms each to the ack, server CPU ${result.post.serverCpuMicrosPerPost.toFixed(0)} µs each`,
      );
      for (const member of readers) member.destroy();
      sse.agent.destroy();
    } else {
      closeAll(readers);
    }
    await sleep(1500);
  }
  closeAll(senders);
  return result;
}
