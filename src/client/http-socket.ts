// The HTTP fallback as a SocketFactory (docs/protocol.md, "HTTP fallback"): for networks where the
// WebSocket upgrade fails. What the server sends arrives on one streaming GET (text/event-stream,
// read with fetch, so it works in browsers and in Node 20 alike); what the client sends goes in
// POSTs, one at a time, each carrying every frame queued meanwhile. To the client it is a socket
// like any other: it opens when the stream's first event arrives, and closes with the code of the
// server's `close` event (or 1006 when the stream just ends).
import type { SocketEvents, SocketFactory, SocketLike } from './socket.js';
import { SseReader } from './sse-reader.js';
import { apiUrl } from './accounts.js';

const STREAM_PATH = '/fallback/stream';

/** Frames in one POST at most (the server's bound). */
const MAX_FRAMES_PER_POST = 32;

/** The header the stream's secret travels in (never the URL). */
const SECRET_HEADER = 'parley-stream-secret';

export function httpSocketFactory(fetchImpl: typeof fetch = (input, init) => fetch(input, init)): SocketFactory {
  // Rooted at the server's origin, as the accounts API is (apiUrl): ws(s)://host/ws → http(s)://host/fallback/stream.
  return (url, _protocol, events) => new HttpSocket(apiUrl(url, STREAM_PATH), events, fetchImpl);
}

class HttpSocket implements SocketLike {
  readonly transport = 'http';
  /** The stream's URL; POSTs go to it plus `/{stream id}`. */
  readonly #streamUrl: string;
  readonly #events: SocketEvents;
  readonly #fetch: typeof fetch;
  readonly #abort = new AbortController();
  #stream: { id: string; secret: string } | undefined;
  #queue: string[] = [];
  #posting = false;
  #closed = false;
  /** When the stream last carried anything (an event or a heartbeat), and the timer that watches it. */
  #lastRead = Date.now();
  #watch: ReturnType<typeof setInterval> | undefined;
  /** The server's `close` event, when it sent one before the stream ended. */
  #closeEvent: { code: number; reason: string } | undefined;

  constructor(streamUrl: string, events: SocketEvents, fetchImpl: typeof fetch) {
    this.#streamUrl = streamUrl;
    this.#events = events;
    this.#fetch = fetchImpl;
    void this.#read();
  }

  send(data: string): void {
    if (this.#closed) return;
    this.#queue.push(data);
    void this.#post();
  }

  close(code = 1000, reason = ''): void {
    this.#end(code, reason);
  }

  async #read(): Promise<void> {
    try {
      const response = await this.#fetch(this.#streamUrl, {
        headers: { accept: 'text/event-stream' },
        signal: this.#abort.signal,
      });
      if (!response.ok || response.body === null) {
        this.#end(1006, `fallback stream refused (${response.status})`);
        return;
      }
      const reader = new SseReader();
      const decoder = new TextDecoder();
      const body = (response.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const chunk = await body.read();
        if (chunk.done) break;
        this.#lastRead = Date.now();
        for (const event of reader.push(decoder.decode(chunk.value, { stream: true }))) this.#onEvent(event.event, event.data);
        if (this.#closed) return;
      }
      const closing = this.#closeEvent;
      this.#end(closing?.code ?? 1006, closing?.reason ?? 'fallback stream ended');
    } catch {
      this.#end(1006, 'fallback stream failed');
    }
  }

  #onEvent(event: string, data: string): void {
    if (event === 'message') {
      this.#events.message(data);
    } else if (event === 'stream') {
      const opened = JSON.parse(data) as { stream: string; secret: string; heartbeatMs?: number };
      this.#stream = { id: opened.stream, secret: opened.secret };
      this.#watchHeartbeats(opened.heartbeatMs);
      this.#events.open();
      void this.#post();
    } else if (event === 'close') {
      this.#closeEvent = JSON.parse(data) as { code: number; reason: string };
    }
  }

  /**
   * The server writes at least a heartbeat every `heartbeatMs`: a stream silent for two and a half
   * of them is dead without having said so (a proxy or the network dropped it), and is closed so
   * that the client reconnects, as a WebSocket client does when its pings go unanswered.
   */
  #watchHeartbeats(heartbeatMs: number | undefined): void {
    if (heartbeatMs === undefined || !(heartbeatMs > 0)) return;
    this.#watch = setInterval(() => {
      if (Date.now() - this.#lastRead > 2.5 * heartbeatMs) this.#end(1006, 'fallback stream went silent');
    }, heartbeatMs);
  }

  /** One POST at a time, in order: the frames reach the session in the order they were sent. */
  async #post(): Promise<void> {
    const stream = this.#stream;
    if (this.#posting || stream === undefined || this.#queue.length === 0) return;
    this.#posting = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const batch = this.#queue.splice(0, MAX_FRAMES_PER_POST);
        const response = await this.#fetch(`${this.#streamUrl}/${encodeURIComponent(stream.id)}`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain;charset=UTF-8', [SECRET_HEADER]: stream.secret },
          body: batch.join('\n'),
          signal: this.#abort.signal,
        });
        // Read to the end, so that the connection goes back to the pool.
        await response.text();
        if (!response.ok) {
          // The stream is gone (another process died, or it ended): like a dropped socket; what was
          // not acknowledged is sent again on the next connection.
          this.#end(1006, `fallback POST refused (${response.status})`);
          return;
        }
      }
    } catch {
      this.#end(1006, 'fallback POST failed');
    } finally {
      this.#posting = false;
    }
  }

  #end(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watch);
    this.#queue = [];
    this.#abort.abort();
    this.#events.close(code, reason);
  }
}
