// A minimal WebSocket client for the load generator: net.connect, a hand-written HTTP upgrade and a
// frame-header parser. It does not unmask, inflate or decode anything it does not have to, so that
// thousands of receivers cost the generator little CPU: in counting mode a frame costs one header
// parse and one scan for the timestamp marker.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

// Fixed key: the server's accept value is not checked either; this is a load generator, not a client.
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const MARKER = 0x7e; // '~': a message text is `~` + 12-digit microsecond timestamp + `~` + padding

/** Microseconds since this process started, as used in message timestamps. */
export function nowMicros() {
  return Math.round(performance.now() * 1000);
}

/** A text of exactly `size` bytes that carries the send time. */
export function stampedText(size, micros = nowMicros()) {
  const head = `~${String(micros).padStart(12, '0')}~`;
  return head + 'x'.repeat(size - head.length);
}

/** Reads the timestamp from a payload region; -1 when the payload carries none. */
function stampIn(buf, start, end) {
  // Every server under test puts the text within its first few hundred bytes, but not at the same
  // place: at the start for the naive loop, after about 130 bytes of JSON for Parley. indexOf (a
  // native memchr) makes finding it cost the same for all; a JavaScript scan byte by byte made the
  // generator spend several times longer on each Parley frame than on a naive-loop frame. A long
  // frame (a join reply listing thousands of members) is not searched to its end.
  const limit = Math.min(end, start + 512);
  let i = buf.indexOf(MARKER, start);
  while (i >= 0 && i + 13 < limit) {
    if (buf[i + 13] === MARKER) {
      let value = 0;
      for (let j = i + 1; j < i + 13; j++) {
        const digit = buf[j] - 48;
        if (digit < 0 || digit > 9) return -1;
        value = value * 10 + digit;
      }
      return value;
    }
    i = buf.indexOf(MARKER, i + 1);
  }
  return -1;
}

/** One client frame (masked with a zero key, so the payload bytes stay as they are). */
export function clientFrame(text, opcode = 0x1) {
  const payload = Buffer.from(text);
  const length = payload.length;
  const headerLength = length < 126 ? 6 : length < 0x10000 ? 8 : 14;
  const frame = Buffer.alloc(headerLength + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) frame[1] = 0x80 | length;
  else if (length < 0x10000) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(length, 6);
  }
  // mask key: 4 zero bytes already in place
  payload.copy(frame, headerLength);
  return frame;
}

const PONG_EMPTY = clientFrame('', 0xa);

const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** `onread` callback; `this` is the socket. Returning false would pause it: never. */
function onRead(nread, buffer) {
  const client = this.rawClient;
  const chunk = buffer.subarray(0, nread);
  if (client.onHandshake !== null) client.onHandshake(Buffer.from(chunk));
  else client.onData(chunk);
  return true;
}

/**
 * Shared per-run sink of latencies, in 0.1 ms buckets up to 20 s, so that millions of samples cost
 * no allocation.
 */
export class Histogram {
  constructor() {
    this.buckets = new Uint32Array(200_000);
    this.count = 0;
    this.max = 0;
  }
  reset() {
    this.buckets.fill(0);
    this.count = 0;
    this.max = 0;
  }
  add(micros) {
    const ms = micros / 1000;
    if (ms > this.max) this.max = ms;
    const bucket = Math.min(this.buckets.length - 1, Math.max(0, Math.floor(micros / 100)));
    this.buckets[bucket]++;
    this.count++;
  }
  percentile(p) {
    if (this.count === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i];
      if (seen >= rank) return (i + 1) / 10; // upper edge of the bucket, in ms
    }
    return this.max;
  }
}

/** The counters every receiver in a run adds to. */
export const totals = { stamped: 0, other: 0, histogram: new Histogram(), measuring: false, lastAt: 0 };

/**
 * A raw WebSocket connection. `onText(conn, text)` is called for frames in setup mode only; in
 * counting mode (the default after `count()`), frames with a timestamp are only counted.
 */
export class RawClient {
  constructor() {
    this.socket = null;
    this.rest = null;
    this.upgraded = false;
    this.counting = false;
    this.received = 0;
    this.onText = null;
    /** Counting mode: called with the raw bytes of frames that carry no timestamp. */
    this.onOther = null;
    this.engineIo = false;
    this.onClose = null;
    this.closed = false;
    this.closeCode = 0;
    this.onHandshake = null;
    this.readAt = 0;
  }

  /** Connects and upgrades; resolves with the client once the 101 arrived. */
  open({ port, path, protocol, host = '127.0.0.1' }) {
    return new Promise((resolve, reject) => {
      // `onread` hands every read to one callback with one shared buffer: no 'data' event, no
      // allocation per read. What a read leaves unparsed is copied out before the buffer is reused.
      const socket = net.connect({ host, port, noDelay: true, onread: { buffer: READ_BUFFER, callback: onRead } });
      socket.rawClient = this;
      this.socket = socket;
      let settled = false;
      const fail = (error) => {
        if (!settled) {
          settled = true;
          reject(error);
        }
      };
      socket.once('error', fail);
      socket.on('error', () => {});
      socket.on('close', () => {
        this.closed = true;
        if (!settled) fail(new Error('closed during upgrade'));
        this.onClose?.(this);
      });
      socket.once('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n` +
            (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
            '\r\n',
        );
      });
      let head = Buffer.alloc(0);
      this.onHandshake = (chunk) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 8192) fail(new Error('upgrade response too long'));
          return;
        }
        const status = head.subarray(0, 12).toString('latin1');
        if (!status.startsWith('HTTP/1.1 101')) {
          fail(new Error(`upgrade refused: ${head.subarray(0, end).toString('latin1').split('\r\n')[0]}`));
          socket.destroy();
          return;
        }
        this.onHandshake = null;
        this.upgraded = true;
        settled = true;
        resolve(this);
        const tail = head.subarray(end + 4);
        if (tail.length > 0) this.onData(tail);
      };
    });
  }

  send(frame) {
    if (!this.closed) this.socket.write(frame);
  }

  sendText(text) {
    this.send(clientFrame(text));
  }

  /** Switch to counting mode: frames are counted and timed, not decoded. */
  count() {
    this.counting = true;
  }

  /** Tears the connection down with a reset, so that no TIME_WAIT is left to eat ephemeral ports. */
  destroy() {
    if (this.socket === null || this.socket.destroyed) return;
    if (typeof this.socket.resetAndDestroy === 'function') this.socket.resetAndDestroy();
    else this.socket.destroy();
  }

  /** Parses what arrived; `chunk` may be the shared read buffer, so nothing may keep a view of it. */
  onData(chunk) {
    // One clock read per read: every frame in it arrived at the same moment.
    this.readAt = totals.measuring ? nowMicros() : 0;
    let buf = chunk;
    if (this.rest !== null) {
      buf = Buffer.concat([this.rest, chunk]);
      this.rest = null;
    }
    let offset = 0;
    const length = buf.length;
    while (offset + 2 <= length) {
      const b0 = buf[offset];
      let payloadLength = buf[offset + 1] & 0x7f;
      let header = 2;
      if (payloadLength === 126) {
        if (offset + 4 > length) break;
        payloadLength = buf.readUInt16BE(offset + 2);
        header = 4;
      } else if (payloadLength === 127) {
        if (offset + 10 > length) break;
        payloadLength = buf.readUInt32BE(offset + 2) * 0x100000000 + buf.readUInt32BE(offset + 6);
        header = 10;
      }
      const start = offset + header;
      const end = start + payloadLength;
      if (end > length) break;
      this.#frame(b0 & 0x0f, buf, start, end);
      offset = end;
    }
    if (offset < length) this.rest = Buffer.from(buf.subarray(offset));
  }

  #frame(opcode, buf, start, end) {
    if (opcode === 0x1 || opcode === 0x0) {
      // engine.io ping: answer at once, in any mode
      if (this.engineIo && end - start === 1 && buf[start] === 0x32) {
        this.sendText('3');
        return;
      }
      if (this.counting) {
        const stamp = stampIn(buf, start, end);
        if (stamp >= 0) {
          this.received++;
          totals.stamped++;
          if (totals.measuring) {
            const now = this.readAt > 0 ? this.readAt : nowMicros();
            totals.histogram.add(now - stamp);
            totals.lastAt = now;
          }
          return;
        }
        totals.other++;
        this.onOther?.(this, buf, start, end);
        return;
      }
      this.onText?.(this, buf.toString('utf8', start, end));
    } else if (opcode === 0x9) {
      this.send(end === start ? PONG_EMPTY : clientFrame(buf.toString('latin1', start, end), 0xa));
    } else if (opcode === 0x8) {
      this.closeCode = end - start >= 2 ? buf.readUInt16BE(start) : 1005;
      this.socket.end();
    }
  }
}
