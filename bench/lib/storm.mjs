// The reconnect storm: every client loses its connection at once and comes back asking for what it
// missed. Parley is measured twice: after kill -9 and a restart on the same data directory (what a
// deploy or a crash does), and after a network blip with the server up. Socket.IO's connection
// state recovery keeps its sessions in the server's memory, so a restart loses them: it is measured
// on the blip only, which is the case it is built for.
//
// Each room of `roomSize` gets `before` messages, all delivered; then the storm; the first member of
// each room sends `after` more as soon as it is back, so the others get them live or, if they come
// back later, in their recovery. A client is recovered when it holds every message of its room
// exactly once; times are from the moment the server listens again (restart) or the cut (blip).
import { performance } from 'node:perf_hooks';
import { RawClient } from './raw-client.mjs';
import { percentile } from './percentile.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One storm member: what it holds of its room, and how it (re)connects. */
class Member {
  constructor(index, room) {
    this.index = index;
    this.room = room;
    /** Message keys held, and how many arrived twice. */
    this.held = new Set();
    this.duplicates = 0;
    this.client = null;
    this.joinedAt = 0;
    this.recoveredAt = 0;
    this.expected = 0;
    this.onJoined = null;
  }

  receive(key) {
    if (this.held.has(key)) this.duplicates++;
    else this.held.add(key);
    if (this.recoveredAt === 0 && this.joinedAt > 0 && this.held.size >= this.expected) this.recoveredAt = performance.now();
  }

  joined() {
    this.joinedAt = performance.now();
    if (this.recoveredAt === 0 && this.held.size >= this.expected) this.recoveredAt = this.joinedAt;
    this.onJoined?.();
  }
}

// --- Parley: hello (with the guest's resume token once it has one) and join (with since). ---

class ParleyMember extends Member {
  constructor(index, room) {
    super(index, room);
    this.resume = undefined;
    this.lastSeq = 0;
    this.nextId = 1;
  }

  connect(port) {
    return new Promise((resolve, reject) => {
      const client = new RawClient();
      this.client = client;
      client.count();
      client.onOther = (_c, buf, start, end) => {
        const frame = JSON.parse(buf.toString('utf8', start, end));
        if (frame.type === 'message') {
          if (frame.seq > this.lastSeq) this.lastSeq = frame.seq;
          this.receive(frame.seq);
        } else if (frame.type === 'ok' && frame.id === 'h') {
          this.resume = frame.resume ?? this.resume;
        } else if (frame.type === 'ok' && frame.id === 'j') {
          this.joined();
          resolve();
        } else if (frame.type === 'error') reject(new Error(`parley refused: ${JSON.stringify(frame)}`));
      };
      client.onClose = () => reject(new Error('closed during set-up'));
      client.open({ port, path: '/ws', protocol: 'parley.v1' }).then(() => {
        const hello = { id: 'h', type: 'hello', nick: `s${this.index}` };
        if (this.resume !== undefined) hello.resume = this.resume;
        client.sendText(JSON.stringify(hello));
        const join = { id: 'j', type: 'join', room: this.room };
        if (this.lastSeq > 0) join.since = this.lastSeq;
        client.sendText(JSON.stringify(join));
      }, reject);
    }).finally(() => {
      if (this.client !== null) this.client.onClose = null;
    });
  }

  send(k) {
    this.client.sendText(JSON.stringify({ id: this.nextId++, type: 'send', room: this.room, text: `m${k}`, cid: `c${this.index}-${k}` }));
  }
}

// --- Socket.IO: engine.io open, CONNECT (with pid and offset to recover), join with an ack. ---

class SioMember extends Member {
  constructor(index, room) {
    super(index, room);
    this.pid = undefined;
    this.offset = undefined;
    this.recovered = false;
  }

  connect(port) {
    return new Promise((resolve, reject) => {
      const client = new RawClient();
      this.client = client;
      client.engineIo = true;
      client.count();
      client.onOther = (c, buf, start, end) => {
        const text = buf.toString('utf8', start, end);
        if (text.startsWith('0{')) {
          c.sendText(this.pid === undefined ? '40' : `40${JSON.stringify({ pid: this.pid, offset: this.offset })}`);
        } else if (text.startsWith('40')) {
          const { pid } = JSON.parse(text.slice(2));
          this.recovered = this.pid !== undefined && pid === this.pid;
          this.pid = pid;
          // A recovered socket is back in its rooms; a new one joins.
          if (this.recovered) {
            this.joined();
            resolve();
          } else c.sendText(`420["join","${this.room}"]`);
        } else if (text.startsWith('430[')) {
          this.joined();
          resolve();
        } else if (text.startsWith('42[')) {
          // ["msg", text, offset]: the offset is appended by connection state recovery.
          const [, key, offset] = JSON.parse(text.slice(2));
          if (offset !== undefined) this.offset = offset;
          this.receive(key);
        } else if (text.startsWith('44')) reject(new Error(`socket.io refused: ${text.slice(0, 200)}`));
      };
      client.onClose = () => reject(new Error('closed during set-up'));
      client.open({ port, path: '/socket.io/?EIO=4&transport=websocket' }).catch(reject);
    }).finally(() => {
      if (this.client !== null) this.client.onClose = null;
    });
  }

  send(k) {
    this.client.sendText(`42["msg","${this.room}","${this.room}:m${k}"]`);
  }
}

/** Connects every member, `lanes` at a time; a refused or failed attempt is retried after a short wait. */
async function connectAll(members, port, lanes, deadline) {
  let next = 0;
  let retries = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, members.length) }, async () => {
      while (next < members.length) {
        const member = members[next++];
        for (;;) {
          try {
            await member.connect(port);
            break;
          } catch (error) {
            member.client?.destroy();
            if (performance.now() > deadline) throw error;
            retries++;
            await sleep(50 + Math.random() * 100);
          }
        }
      }
    }),
  );
  return retries;
}

async function until(what, done, deadline) {
  while (!done()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

/**
 * One storm. `cut(members)` makes it happen and resolves with the time from which recovery is
 * measured (performance.now()); `kind` picks the member class.
 */
export async function storm({ kind, server, count, roomSize, before, after, lanes, cut, log, label }) {
  const Kind = kind === 'parley' ? ParleyMember : SioMember;
  const rooms = Math.ceil(count / roomSize);
  const members = Array.from({ length: count }, (_, i) => new Kind(i, `storm-${i % rooms}`));
  const deadline = performance.now() + 300_000;
  const setupStart = performance.now();
  await connectAll(members, server.port, lanes, deadline);
  log(`  ${label}: ${count} members in ${rooms} rooms joined in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);
  const senders = members.slice(0, rooms);
  for (const m of members) m.expected = before;
  for (let k = 1; k <= before; k++) for (const s of senders) s.send(k);
  await until('the first messages', () => members.every((m) => m.held.size >= before), deadline);
  for (const m of members) {
    m.expected = before + after;
    m.joinedAt = 0;
    m.recoveredAt = 0;
  }
  // The first member of each room sends the rest as soon as it is back.
  for (const s of senders) s.onJoined = () => setImmediate(() => Array.from({ length: after }, (_, j) => s.send(before + j + 1)));
  const cpuStart = server.cpuMs();
  const from = await cut(members);
  const retries = await connectAll(members, server.port, lanes, deadline);
  const allJoined = performance.now();
  await until('every message held', () => members.every((m) => m.recoveredAt > 0), deadline);
  const allRecovered = performance.now();
  // A barrier: one more message per room, after which nothing earlier can still be on its way.
  for (const m of members) m.expected = before + after + 1;
  for (const s of senders) s.send(before + after + 1);
  await until('the barrier message', () => members.every((m) => m.held.size >= before + after + 1), deadline);
  const joined = members.map((m) => m.joinedAt - from).sort((a, b) => a - b);
  const recovered = members.map((m) => m.recoveredAt - from).sort((a, b) => a - b);
  const result = {
    count,
    rooms,
    joinedP50Ms: percentile(joined, 50),
    joinedP99Ms: percentile(joined, 99),
    allJoinedMs: allJoined - from,
    recoveredP50Ms: percentile(recovered, 50),
    recoveredP99Ms: percentile(recovered, 99),
    allRecoveredMs: allRecovered - from,
    duplicates: members.reduce((sum, m) => sum + m.duplicates, 0),
    missing: members.reduce((sum, m) => sum + (before + after + 1 - m.held.size), 0),
    retries,
    serverCpuMs: server.cpuMs() - cpuStart,
    ...(kind === 'sio' ? { notRecovered: members.filter((m) => !m.recovered).length } : {}),
  };
  log(
    `  ${label}: all back ${Math.round(result.allJoinedMs)} ms (p50 ${Math.round(result.joinedP50Ms)}, p99 ${Math.round(result.joinedP99Ms)}), ` +
      `all recovered ${Math.round(result.allRecoveredMs)} ms (p50 ${Math.round(result.recoveredP50Ms)}, p99 ${Math.round(result.recoveredP99Ms)}); ` +
      `duplicates ${result.duplicates}, missing ${result.missing}, retries ${retries}` +
      (result.notRecovered !== undefined ? `, sessions not recovered ${result.notRecovered}` : ''),
  );
  for (const m of members) m.client?.destroy();
  return result;
}

/** Every member's connection reset at once, the server left running. */
export async function blip(members) {
  for (const m of members) m.client.destroy();
  // The server must see the resets before the clients come back (they would otherwise race their own ghosts).
  await sleep(200);
  return performance.now();
}
