// SseHeartbeat: every fallback stream gets a comment line once per interval, so that proxies and
// balancers that cut idle responses keep it, and a stream whose peer is gone fills its outbox until
// the slow-consumer bound ends it (a response has no pong to wait for). In slices, like the
// WebSocket heartbeat (ws/heartbeat.ts), never all streams in one turn; one timer for all.
/** A stream the heartbeat keeps: a session's (Beating) or a room's event stream (RoomFollower). */
export interface Beating {
  heartbeatSlice: number;
  ping(): void;
}

const SLICES = 10;

export class SseHeartbeat {
  readonly #connections: ReadonlySet<Beating>;
  readonly #timer: NodeJS.Timeout;
  #beatSlice = 0;
  #nextSlice = 0;

  constructor(intervalMs: number, connections: ReadonlySet<Beating>) {
    this.#connections = connections;
    this.#timer = setInterval(() => this.#beat(), Math.max(1, Math.floor(intervalMs / SLICES))).unref();
  }

  place(connection: Beating): void {
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
      if (connection.heartbeatSlice === slice) connection.ping();
    }
  }
}
