// Heartbeat: every connection is pinged once per interval, and one that has not answered (a pong or
// any frame) since the last ping is cut off. The connections are pinged in slices, one slice per
// tick, never all in the same turn: 5,000 pings at once stalled the event loop for tens of
// milliseconds, and their 5,000 pongs again. One timer for all of them, none per connection.
import type { WsConnection } from './connection.js';

const SLICES = 10;

export class Heartbeat {
  readonly #connections: ReadonlySet<WsConnection>;
  readonly #timer: NodeJS.Timeout;
  /** Which slice the next tick pings, and which slice the next connection joins. */
  #beatSlice = 0;
  #nextSlice = 0;

  constructor(intervalMs: number, connections: ReadonlySet<WsConnection>) {
    this.#connections = connections;
    this.#timer = setInterval(() => this.#beat(), Math.max(1, Math.floor(intervalMs / SLICES))).unref();
  }

  /** Places a new connection in the next slice, so that the slices stay the same size. */
  place(connection: WsConnection): void {
    connection.heartbeatSlice = this.#nextSlice;
    this.#nextSlice = (this.#nextSlice + 1) % SLICES;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #beat(): void {
    const slice = this.#beatSlice;
    this.#beatSlice = (slice + 1) % SLICES;
    for (const connection of this.#connections) {
      if (connection.heartbeatSlice !== slice) continue;
      if (!connection.alive) {
        // Its 'close' follows, and tells the session that the peer is gone.
        connection.terminate();
        continue;
      }
      connection.alive = false;
      connection.ping();
    }
  }
}
