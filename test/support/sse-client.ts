// A protocol v1 test client over the HTTP fallback (docs/protocol.md, "HTTP fallback"): the event
// stream read with node:http (so a test can stop reading it), frames POSTed with fetch, one POST at a
// time as the SDK does. Requests, barriers and the frame log are FrameLog's, as for TestClient.
import { get, type IncomingMessage } from 'node:http';
import { SseReader } from '../../src/client/sse-reader.js';
import { FrameLog, type CloseInfo } from './client.js';

export class SseTestClient extends FrameLog {
  readonly base: string;
  readonly stream: string;
  readonly secret: string;
  readonly response: IncomingMessage;
  /** The `close` event's code and reason, or 1006 when the stream just ended. */
  readonly closed: Promise<CloseInfo>;
  /** The answers to this client's POSTs, in order (status codes). */
  readonly postStatuses: number[] = [];
  #posting: Promise<void> = Promise.resolve();

  private constructor(base: string, response: IncomingMessage, opened: { stream: string; secret: string }, reader: SseReader) {
    super();
    this.base = base;
    this.response = response;
    this.stream = opened.stream;
    this.secret = opened.secret;
    let closeEvent: CloseInfo | undefined;
    this.closed = new Promise((resolve) => {
      response.on('data', (chunk: Buffer) => {
        for (const event of reader.push(chunk.toString('utf8'))) {
          if (event.event === 'message') this.received(event.data);
          else if (event.event === 'close') closeEvent = JSON.parse(event.data) as CloseInfo;
        }
      });
      response.once('close', () => resolve(closeEvent ?? { code: 1006, reason: '' }));
    });
  }

  /** Opens a stream on `base` (http://host:port) and waits for its `stream` event. */
  static open(base: string, headers: Record<string, string> = {}): Promise<SseTestClient> {
    return new Promise((resolve, reject) => {
      const request = get(`${base}/fallback/stream`, { headers: { accept: 'text/event-stream', ...headers } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`stream refused: ${response.statusCode}`));
          return;
        }
        const reader = new SseReader();
        const first = (chunk: Buffer): void => {
          const events = reader.push(chunk.toString('utf8'));
          const opened = events.find((event) => event.event === 'stream');
          if (opened === undefined) return;
          response.off('data', first);
          resolve(new SseTestClient(base, response, JSON.parse(opened.data) as { stream: string; secret: string }, reader));
        };
        response.on('data', first);
      });
      request.once('error', reject);
    });
  }

  /** Opens a stream and says hello as `nick`. */
  static async guest(base: string, nick: string): Promise<SseTestClient> {
    const client = await SseTestClient.open(base);
    await client.ok('hello', { nick });
    return client;
  }

  protected sendText(text: string): void {
    this.#posting = this.#posting.then(async () => {
      const response = await this.post(text);
      this.postStatuses.push(response.status);
    });
  }

  /** One POST with `body` as it is, to this stream (or `stream`), with this secret (or `secret`). */
  post(body: string, options: { stream?: string; secret?: string; contentType?: string; base?: string } = {}): Promise<Response> {
    return fetch(`${options.base ?? this.base}/fallback/stream/${encodeURIComponent(options.stream ?? this.stream)}`, {
      method: 'POST',
      headers: { 'content-type': options.contentType ?? 'text/plain', 'parley-stream-secret': options.secret ?? this.secret },
      body,
    });
  }

  /** Ends the stream from this side (the server sees the peer gone). */
  close(): Promise<CloseInfo> {
    this.response.destroy();
    return this.closed;
  }
}
