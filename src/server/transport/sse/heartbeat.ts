// SseHeartbeat: every fallback stream gets a comment line once per interval (in slices, as the
// WebSocket heartbeat: sliced-beat.ts), so that proxies and balancers that cut idle responses keep
// it, and a stream whose peer is gone fills its outbox until the slow-consumer bound ends it (a
// response has no pong to wait for).
import { SlicedBeat } from '../sliced-beat.js';

/** A stream the heartbeat keeps: a session's (Beating) or a room's event stream (RoomFollower). */
export interface Beating {
  heartbeatSlice: number;
  ping(): void;
}

export class SseHeartbeat extends SlicedBeat<Beating> {
  constructor(intervalMs: number, connections: ReadonlySet<Beating>) {
    super(intervalMs, connections, (connection) => connection.ping());
  }
}
