// Raw TCP and raw WebSocket frames, for attacks that no well-behaved client library would send:
// resets at any stage, odd request targets, hand-built (masked) frames, trickled bytes.
import { connect, type Socket } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import { TestClient } from './client.js';
import { PROTOCOL } from '../../src/protocol/messages.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/** A raw TCP connection to 127.0.0.1:port (from `localAddress` when given); errors are expected and ignored. */
export function rawConnect(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** An upgrade request for `target` with extra header lines (each `Name: value`). */
export function upgradeRequest(target: string, headers: readonly string[] = []): string {
  return [
    `GET ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${KEY}`,
    'Sec-WebSocket-Version: 13',
    ...headers,
    '',
    '',
  ].join('\r\n');
}

/** Resolves with the status of the HTTP response head the socket receives, and the bytes after it. */
export function responseHead(socket: Socket): Promise<{ status: number; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(got.toString('latin1'))?.[1] ?? 0), rest: got.subarray(end + 4) });
    };
    const onClose = (): void => reject(new Error(`closed before a response head (got ${JSON.stringify(got.toString('latin1'))})`));
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** A client (masked) frame; `length` overrides the declared payload length (for lying headers). */
export function clientFrame(opcode: number, fin: boolean, payload: Buffer, mask = Buffer.from([0x11, 0x22, 0x33, 0x44])): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.alloc(2) : length < 0x10000 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) header[1] = 0x80 | length;
  else if (length < 0x10000) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([header, mask, masked]);
}

/** Collects server frames from the bytes after the 101; resolves with the close frame's code and reason. */
export function closeFrame(socket: Socket, already: Buffer = Buffer.alloc(0)): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    let got = already;
    const scan = (): boolean => {
      // Server frames are unmasked; walk them until a close (opcode 8).
      let at = 0;
      while (got.length - at >= 2) {
        const first = got[at] ?? 0;
        let length = (got[at + 1] ?? 0) & 0x7f;
        let header = 2;
        if (length === 126) {
          if (got.length - at < 4) return false;
          length = got.readUInt16BE(at + 2);
          header = 4;
        } else if (length === 127) {
          if (got.length - at < 10) return false;
          length = Number(got.readBigUInt64BE(at + 2));
          header = 10;
        }
        if (got.length - at < header + length) return false;
        if ((first & 0x0f) === 8) {
          const payload = got.subarray(at + header, at + header + length);
          resolve({ code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005, reason: payload.subarray(2).toString('utf8') });
          return true;
        }
        at += header + length;
      }
      return false;
    };
    if (scan()) return;
    const onData = (chunk: Buffer): void => {
      got = Buffer.concat([got, chunk]);
      if (scan()) socket.removeListener('data', onData);
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed without a close frame')));
  });
}

/** Upgrades a raw socket in protocol mode; resolves with the socket and any bytes after the 101. */
export async function rawUpgrade(port: number, localAddress?: string, target = '/ws'): Promise<{ socket: Socket; rest: Buffer }> {
  const socket = await rawConnect(port, localAddress);
  socket.write(upgradeRequest(target, ['Sec-WebSocket-Protocol: parley.v1']));
  const { status, rest } = await responseHead(socket);
  if (status !== 101) throw new Error(`upgrade answered ${status}`);
  return { socket, rest };
}

/** Resident memory of a process, in KiB (VmRSS of /proc/<pid>/status). */
export function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN);
}

/** Open file descriptors of a process. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * An honest pair next to an attack: two guests in one room, one sends, the other receives it.
 * Resolves once the message has arrived; rejects (times out) if the server cannot chat.
 */
export async function honestChat(wsUrl: string, tag: string): Promise<void> {
  const safe = tag.toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  const room = `honest-${safe}`.slice(0, 64);
  const sender = await TestClient.guest(wsUrl, 'sender');
  const receiver = await TestClient.guest(wsUrl, 'receiver');
  try {
    await sender.ok('join', { room });
    await receiver.ok('join', { room });
    const arrived = receiver.next((frame) => frame.type === 'message' && frame['room'] === room, `message in ${room}`, 10_000);
    await sender.ok('send', { room, text: `still here after ${tag}`, cid: `c-${safe}`.slice(0, 64) });
    const message = await arrived;
    if (message['text'] !== `still here after ${tag}`) throw new Error(`wrong message: ${JSON.stringify(message)}`);
  } finally {
    await Promise.all([sender.close(), receiver.close()]);
  }
}

// A peer that stops reading: frames many requests into one write, then reads only when told to.
export interface RawFrame {
  opcode: number;
  payload: Buffer;
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
            `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n` +
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
    this.socket.write(Buffer.concat(texts.map((text) => clientFrame(1, true, Buffer.from(text)))));
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
