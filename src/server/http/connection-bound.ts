// Open HTTP connections per peer address, before any upgrade: with timeouts alone one address could
// still open connections as fast as they time out and take every file descriptor. Counted on the
// server's 'connection' event (the raw TCP socket, TLS or not), released when the socket closes or
// when it is upgraded to a WebSocket (from then on the gateway's per-address limit counts it).
import type { Socket } from 'node:net';
import type { Server } from 'node:http';
import type { TrustFunction } from '../client-address.js';

export interface ConnectionBoundOptions {
  /** Connections one address may hold open; 0: no limit. */
  perAddress: number;
  /**
   * Trusted reverse proxies are exempt: every client behind one shares its address, so a bound on it
   * would be a bound on the whole site. The proxy limits its own clients (e.g. nginx limit_conn).
   */
  trust: TrustFunction | undefined;
  /** Called for each connection dropped over the bound. */
  onRefused: () => void;
}

export class ConnectionBound {
  /** Open, not yet upgraded connections by peer address. */
  readonly counts = new Map<string, number>();
  /** The same connections by `address port`: the TLS socket of an upgrade is not the raw socket counted. */
  readonly #open = new Map<string, { socket: Socket; onClose: () => void }>();
  readonly #options: ConnectionBoundOptions;

  constructor(options: ConnectionBoundOptions) {
    this.#options = options;
  }

  /** Starts counting on `server` (no-op without a limit). */
  attach(server: Server): void {
    if (this.#options.perAddress === 0) return;
    server.on('connection', (socket: Socket) => this.#opened(socket));
  }

  #opened(socket: Socket): void {
    const address = socket.remoteAddress;
    // A socket already closed has no address; nothing to count.
    if (address === undefined) return;
    if (this.#options.trust?.(address, 0) === true) return;
    const count = this.counts.get(address) ?? 0;
    if (count >= this.#options.perAddress) {
      this.#options.onRefused();
      // No HTTP answer: the request has not been read, and writing to every one of a storm's
      // connections would cost more than the storm. A reset is the cheapest clear refusal.
      socket.on('error', () => undefined);
      socket.resetAndDestroy();
      return;
    }
    this.counts.set(address, count + 1);
    const key = keyOf(address, socket.remotePort);
    const onClose = (): void => this.#release(key, socket);
    this.#open.set(key, { socket, onClose });
    socket.once('close', onClose);
  }

  /** The connection under this upgrade request is the gateway's now. */
  upgraded(socket: Socket): void {
    if (this.#options.perAddress === 0 || socket.remoteAddress === undefined) return;
    const key = keyOf(socket.remoteAddress, socket.remotePort);
    const entry = this.#open.get(key);
    if (entry === undefined) return;
    // Not kept for the life of the WebSocket: a long-lived connection carries no listener of ours.
    entry.socket.removeListener('close', entry.onClose);
    this.#release(key, entry.socket);
  }

  #release(key: string, socket: Socket): void {
    if (this.#open.get(key)?.socket !== socket) return;
    this.#open.delete(key);
    const address = key.slice(0, key.lastIndexOf(' '));
    const count = (this.counts.get(address) ?? 1) - 1;
    if (count <= 0) this.counts.delete(address);
    else this.counts.set(address, count);
  }
}

function keyOf(address: string, port: number | undefined): string {
  return `${address} ${port ?? 0}`;
}
