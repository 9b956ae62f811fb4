// The one thing the SDK needs from a WebSocket implementation. The core never touches a DOM or
// `ws` type: each environment supplies a factory that opens a socket and reports its events.

/** Which transport carries a connection: WebSocket, or the HTTP fallback (event stream + POSTs). */
export type Transport = 'websocket' | 'http';

/** What the client calls on an open socket. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** Which transport this socket uses (WebSocket when it does not say). */
  readonly transport?: Transport;
}

/** What the socket reports back; text frames only (protocol v1 is JSON text). */
export interface SocketEvents {
  open(): void;
  message(text: string): void;
  close(code: number, reason: string): void;
}

export type SocketFactory = (url: string, protocol: string, events: SocketEvents) => SocketLike;

/** The shape of a standard (browser, Deno, Node 22+) WebSocket, as much as the factory below uses. */
interface StandardSocket extends SocketLike {
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: (() => void) | null;
}
type StandardSocketClass = new (url: string, protocol: string) => StandardSocket;

/** A factory over the global `WebSocket` (browsers); undefined where there is none (Node 20). */
export function globalSocketFactory(): SocketFactory | undefined {
  const Socket = Reflect.get(globalThis, 'WebSocket') as StandardSocketClass | undefined;
  if (typeof Socket !== 'function') return undefined;
  return (url, protocol, events) => {
    const socket = new Socket(url, protocol);
    socket.onopen = () => events.open();
    socket.onmessage = (event) => {
      if (typeof event.data === 'string') events.message(event.data);
    };
    // An error is always followed by close, which is where the client reacts.
    socket.onerror = () => undefined;
    socket.onclose = (event) => events.close(event.code, event.reason);
    return socket;
  };
}
