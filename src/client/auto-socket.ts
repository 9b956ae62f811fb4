// The SDK's choice of transport (ClientOptions.transport): WebSocket first, the HTTP fallback when
// the WebSocket handshake fails or no frame arrives in time on it (a proxy that lets the upgrade
// through and then holds the frames), and back to WebSocket when a periodic probe finds it working
// again. To the client it is one socket; which transport carries it shows as `socket.transport`.
import type { SocketEvents, SocketFactory, SocketLike, Transport } from './socket.js';

export interface AutoOptions {
  /** After the WebSocket opened, how long to wait for the first frame (the hello's answer) before falling back (default 5000 ms). */
  firstFrameMs?: number;
  /** While on the fallback, how often to try a WebSocket handshake (default 60000 ms). */
  probeMs?: number;
}

/**
 * One factory per client: it remembers that WebSocket failed, so that reconnects go straight to the
 * fallback (not through another failed handshake), until the probe sees a handshake succeed.
 */
export function autoSocketFactory(webSocket: SocketFactory, http: SocketFactory, options: AutoOptions = {}): SocketFactory {
  const firstFrameMs = options.firstFrameMs ?? 5000;
  const probeMs = options.probeMs ?? 60_000;
  let preferHttp = false;
  return (url, protocol, events) => {
    if (!preferHttp) {
      return new FallingBackSocket(url, protocol, events, webSocket, http, { firstFrameMs, probeMs }, (fellBack) => (preferHttp = fellBack));
    }
    return new ProbingSocket(url, protocol, events, webSocket, http, probeMs, () => (preferHttp = false));
  };
}

/**
 * Tries a WebSocket handshake every `probeMs`; the first that succeeds calls `works` (once) and
 * the probing stops. Returns the function that stops it.
 */
function probeWebSocket(url: string, protocol: string, webSocket: SocketFactory, probeMs: number, works: () => void): () => void {
  let stopped = false;
  const timer = setInterval(() => {
    const probe = webSocket(url, protocol, {
      open: () => {
        probe.close(1000, 'probe');
        if (stopped) return;
        stop();
        works();
      },
      message: () => undefined,
      close: () => undefined,
    });
  }, probeMs);
  const stop = (): void => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}

/** WebSocket, and the fallback in its place when it fails before its first frame. */
class FallingBackSocket implements SocketLike {
  transport: Transport = 'websocket';
  #current: SocketLike;
  /** Frames the client sent on the WebSocket before it proved itself; sent again on the fallback. */
  #unproven: string[] | null = [];
  #opened = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #url: string;
  readonly #protocol: string;
  readonly #events: SocketEvents;
  readonly #http: SocketFactory;
  readonly #webSocket: SocketFactory;
  readonly #probeMs: number;
  readonly #preferHttp: (yes: boolean) => void;
  #stopProbe: (() => void) | undefined;

  constructor(
    url: string,
    protocol: string,
    events: SocketEvents,
    webSocket: SocketFactory,
    http: SocketFactory,
    timings: { firstFrameMs: number; probeMs: number },
    preferHttp: (yes: boolean) => void,
  ) {
    this.#url = url;
    this.#protocol = protocol;
    this.#events = events;
    this.#http = http;
    this.#webSocket = webSocket;
    this.#probeMs = timings.probeMs;
    this.#preferHttp = preferHttp;
    const { firstFrameMs } = timings;
    let current: SocketLike | undefined;
    const mine = (): boolean => current === this.#current;
    current = webSocket(url, protocol, {
      open: () => {
        if (!mine()) return;
        this.#opened = true;
        this.#timer = setTimeout(() => this.#fallBack(), firstFrameMs);
        events.open();
      },
      message: (text) => {
        if (!mine()) return;
        clearTimeout(this.#timer);
        this.#unproven = null;
        events.message(text);
      },
      close: (code, reason) => {
        if (!mine()) return;
        clearTimeout(this.#timer);
        if (this.#unproven !== null) this.#fallBack();
        else events.close(code, reason);
      },
    });
    this.#current = current;
  }

  #fallBack(): void {
    const unproven = this.#unproven ?? [];
    this.#unproven = null;
    const webSocket = this.#current;
    this.transport = 'http';
    let fallback: SocketLike | undefined;
    const mine = (): boolean => fallback === this.#current;
    fallback = this.#http(this.#url, this.#protocol, {
      open: () => {
        if (!mine()) return;
        // Only now: where both fail (the server is down), the next attempt tries WebSocket first
        // again, instead of staying on the fallback after the server is back.
        this.#preferHttp(true);
        if (!this.#opened) this.#events.open();
        else for (const frame of unproven) fallback?.send(frame);
      },
      message: (text) => {
        if (mine()) this.#events.message(text);
      },
      close: (code, reason) => {
        if (!mine()) return;
        this.#stopProbe?.();
        this.#events.close(code, reason);
      },
    });
    this.#current = fallback;
    this.#stopProbe = probeWebSocket(this.#url, this.#protocol, this.#webSocket, this.#probeMs, () => {
      this.#preferHttp(false);
      // The client reconnects (re-hello, re-join with since): nothing is lost in the switch.
      fallback?.close(1012, 'WebSocket works again; reconnecting over it');
    });
    try {
      webSocket.close(1000, 'falling back to HTTP');
    } catch {
      // A socket that never opened may refuse to close; it is abandoned either way.
    }
  }

  send(data: string): void {
    this.#unproven?.push(data);
    this.#current.send(data);
  }

  close(code?: number, reason?: string): void {
    clearTimeout(this.#timer);
    this.#stopProbe?.();
    this.#current.close(code, reason);
  }
}

/** The fallback, with a WebSocket handshake tried now and then; one that succeeds ends this socket so the client reconnects over WebSocket. */
class ProbingSocket implements SocketLike {
  readonly transport: Transport = 'http';
  readonly #socket: SocketLike;
  readonly #stopProbe: () => void;

  constructor(
    url: string,
    protocol: string,
    events: SocketEvents,
    webSocket: SocketFactory,
    http: SocketFactory,
    probeMs: number,
    backToWebSocket: () => void,
  ) {
    let opened = false;
    this.#socket = http(url, protocol, {
      open: () => {
        opened = true;
        events.open();
      },
      message: (text) => events.message(text),
      close: (code, reason) => {
        this.#stopProbe();
        // The fallback did not open either: the next attempt starts with WebSocket again.
        if (!opened) backToWebSocket();
        events.close(code, reason);
      },
    });
    this.#stopProbe = probeWebSocket(url, protocol, webSocket, probeMs, () => {
      backToWebSocket();
      // The client reconnects (re-hello, re-join with since): nothing is lost in the switch.
      this.#socket.close(1012, 'WebSocket works again; reconnecting over it');
    });
  }

  send(data: string): void {
    this.#socket.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#stopProbe();
    this.#socket.close(code, reason);
  }
}
