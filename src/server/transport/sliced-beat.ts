// SlicedBeat: one timer that visits every connection once per interval, a tenth of them per tick,
// never all in the same turn (5,000 pings at once stalled the event loop for tens of milliseconds,
// and their 5,000 pongs again). A connection keeps its slice; `beat` says what a visit does
// (a WebSocket ping and the dead-peer cut, an SSE comment line).
const SLICES = 10;

/** What the beat needs of a connection: the slice it was placed in. */
export interface Sliced {
  heartbeatSlice: number;
}

export class SlicedBeat<C extends Sliced> {
  readonly #connections: ReadonlySet<C>;
  readonly #visit: (connection: C) => void;
  readonly #timer: NodeJS.Timeout;
  /** Which slice the next tick visits, and which slice the next connection joins. */
  #beatSlice = 0;
  #nextSlice = 0;

  constructor(intervalMs: number, connections: ReadonlySet<C>, visit: (connection: C) => void) {
    this.#connections = connections;
    this.#visit = visit;
    this.#timer = setInterval(() => this.#beat(), Math.max(1, Math.floor(intervalMs / SLICES))).unref();
  }

  /** Places a new connection in the next slice, so that the slices stay the same size. */
  place(connection: C): void {
    connection.heartbeatSlice = this.#nextSlice;
    this.#nextSlice = (this.#nextSlice + 1) % SLICES;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #beat(): void {
    const slice = this.#beatSlice;
    this.#beatSlice = (slice + 1) % SLICES;
    for (const connection of this.#connections) if (connection.heartbeatSlice === slice) this.#visit(connection);
  }
}
