// A protocol v1 test client over a real WebSocket: requests resolve with their reply, and every
// push is kept in arrival order so tests can assert on exactly what was received. FrameLog is the
// part that does not depend on the transport (the HTTP fallback's test client shares it).
import { WebSocket } from 'ws';
import { PROTOCOL } from '../../src/protocol/messages.js';

export type Frame = Record<string, unknown> & { type: string };

export interface CloseInfo {
  code: number;
  reason: string;
}

export abstract class FrameLog {
  /** Every frame received, replies included, in order. */
  readonly frames: Frame[] = [];
  #nextId = 1;
  #waiters: { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void }[] = [];

  /** Sends one frame's text to the server. */
  protected abstract sendText(text: string): void;

  /** Called by the transport with each frame's text, in arrival order. */
  protected received(text: string): void {
    const frame = JSON.parse(text) as Frame;
    this.frames.push(frame);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.match(frame)) return true;
      waiter.resolve(frame);
      return false;
    });
  }

  /** Sends a request and resolves with its reply, ok or error. */
  request(type: string, params: Record<string, unknown> = {}): Promise<Frame> {
    const id = this.#nextId++;
    const reply = this.next((frame) => frame['id'] === id, `reply to ${type} #${id}`);
    this.sendText(JSON.stringify({ id, type, ...params }));
    return reply;
  }

  /** Sends a request and resolves with its ok reply; rejects on an error reply. */
  async ok(type: string, params: Record<string, unknown> = {}): Promise<Frame> {
    const reply = await this.request(type, params);
    if (reply.type !== 'ok') throw new Error(`${type} failed: ${JSON.stringify(reply)}`);
    return reply;
  }

  /**
   * Proves "nothing else arrived": sends a cheap request (`rooms`) and waits for its reply, ok or
   * error (an error reply, say hello_required, is as good a marker). The server writes one
   * connection's pushes and replies through one outbox, in the order they were queued, so every
   * push queued for this connection before the request was read has arrived when its reply does.
   * The caller must first make sure the push it means to rule out would already have been queued:
   * a push caused by this connection's own request is queued before that request's reply; one
   * caused by another client's request is queued (in one process, with the memory broker, and on
   * the receiver's node in a cluster) before that client's reply, so await that reply first.
   * The id is a string no other request of the test uses, so no other reply can be taken for it.
   */
  async barrier(timeoutMs = 3000): Promise<void> {
    const id = `barrier-${this.#nextId++}`;
    const reply = this.next((frame) => frame['id'] === id, 'the barrier reply', timeoutMs);
    this.sendText(JSON.stringify({ id, type: 'rooms' }));
    await reply;
  }

  /** The first frame still to come that matches (register before causing it). */
  next(match: (frame: Frame) => boolean, what = 'frame', timeoutMs = 3000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.#waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      });
    });
  }

  /** Waits until `count` frames of `type` (optionally in `room`) have arrived; returns them in order. */
  async waitFor(type: string, count: number, room?: string, timeoutMs = 5000): Promise<Frame[]> {
    const matches = (): Frame[] => this.frames.filter((f) => f.type === type && (room === undefined || f['room'] === room));
    const deadline = Date.now() + timeoutMs;
    while (matches().length < count) {
      if (Date.now() > deadline) throw new Error(`timed out: ${matches().length}/${count} ${type} frames`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return matches();
  }

  pushes(type: string, room?: string): Frame[] {
    return this.frames.filter((f) => f.type === type && f['id'] === undefined && (room === undefined || f['room'] === room));
  }
}

export class TestClient extends FrameLog {
  readonly ws: WebSocket;
  readonly closed: Promise<CloseInfo>;

  private constructor(ws: WebSocket) {
    super();
    this.ws = ws;
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('message', (data) => this.received((data as Buffer).toString()));
  }

  protected sendText(text: string): void {
    this.ws.send(text);
  }

  /** `localAddress`: the client's own address, e.g. 127.0.0.2 to be "another address" than 127.0.0.1. */
  static async connect(url: string, protocols: string | string[] = PROTOCOL, options: { localAddress?: string } = {}): Promise<TestClient> {
    const ws = new WebSocket(url, protocols, options.localAddress === undefined ? {} : { localAddress: options.localAddress });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestClient(ws);
  }

  /** Connects and says hello as `nick`. */
  static async guest(url: string, nick: string, localAddress?: string): Promise<TestClient> {
    const client = await TestClient.connect(url, PROTOCOL, localAddress === undefined ? {} : { localAddress });
    await client.ok('hello', { nick });
    return client;
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  close(): Promise<CloseInfo> {
    this.ws.close();
    return this.closed;
  }
}

export const settle = (ms = 50): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A guest connection with its user id and resume token (the bearer token of the HTTP files API). */
export async function guestWithToken(url: string, nick: string): Promise<{ client: TestClient; id: string; resume: string }> {
  const client = await TestClient.connect(url);
  const hello = await client.ok('hello', { nick });
  return { client, id: (hello['user'] as { id: string }).id, resume: hello['resume'] as string };
}
