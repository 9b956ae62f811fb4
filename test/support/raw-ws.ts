// A WebSocket client at the byte level, for attacks a well-behaved library will not make: many
// frames in one TCP write, and a peer that stops reading entirely (its kernel receive buffer fills,
// then the server's send buffer). It frames and masks by hand and parses what it reads only when
// told to.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { PROTOCOL } from '../../src/protocol/messages.js';

export interface RawFrame {
  opcode: number;
  payload: Buffer;
}

/** One masked client text frame carrying `text`. */
export function clientFrame(text: string, opcode = 1): Buffer {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = 0x80 | opcode;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 65536) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  const masked = Buffer.alloc(length);
  for (let i = 0; i < length; i++) masked[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([header, mask, masked]);
}

export class RawWs {
  readonly socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes read after the handshake, whether parsed or not. */
  bytesRead = 0;

  private constructor(socket: Socket, rest: Buffer) {
    this.socket = socket;
    this.#buffer = rest;
    this.bytesRead = rest.length;
  }

  /** Upgrades with the protocol subprotocol; resolves once the 101 is in, with reading paused. */
  static open(port: number, localAddress?: string): Promise<RawWs> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write(
          'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
            `Sec-WebSocket-Protocol: ${PROTOCOL}\r\n\r\n`,
        );
      });
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.pause();
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!status.includes(' 101 ')) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${status}`));
          return;
        }
        resolve(new RawWs(socket, head.subarray(end + 4)));
      };
      socket.on('data', onData);
    });
  }

  /** Sends every text in one TCP write. */
  writeAll(texts: string[]): void {
    this.socket.write(Buffer.concat(texts.map((text) => clientFrame(text))));
  }

  /**
   * Reads (and keeps reading) until the server's close frame or the end of the connection; resolves
   * with the close code (1006 when the connection ended without one) and the text frames seen.
   */
  readToClose(timeoutMs: number): Promise<{ code: number; texts: string[] }> {
    const texts: string[] = [];
    return new Promise((resolve) => {
      let done = false;
      const finish = (code: number): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.socket.destroy();
        resolve({ code, texts });
      };
      const timer = setTimeout(() => finish(1006), timeoutMs);
      const parse = (): void => {
        for (;;) {
          const frame = this.#take();
          if (frame === undefined) return;
          if (frame.opcode === 1) texts.push(frame.payload.toString());
          if (frame.opcode === 8) return finish(frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005);
        }
      };
      this.socket.on('data', (chunk: Buffer) => {
        this.bytesRead += chunk.length;
        this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
        parse();
      });
      this.socket.once('close', () => finish(1006));
      parse();
      this.socket.resume();
    });
  }

  #take(): RawFrame | undefined {
    const buffer = this.#buffer;
    if (buffer.length < 2) return undefined;
    const opcode = (buffer[0] as number) & 0x0f;
    let length = (buffer[1] as number) & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return undefined;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return undefined;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    if (buffer.length < offset + length) return undefined;
    const payload = buffer.subarray(offset, offset + length);
    this.#buffer = buffer.subarray(offset + length);
    return { opcode, payload };
  }
}

/** Resident set size and its peak (VmRSS, VmHWM) of process `pid`, in bytes, from /proc. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}
