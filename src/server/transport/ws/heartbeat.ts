// Heartbeat: every connection is pinged once per interval (in slices, see sliced-beat.ts), and one
// that has not answered (a pong or any frame) since the last ping is cut off.
import { SlicedBeat } from '../sliced-beat.js';
import type { WsConnection } from './connection.js';

export class Heartbeat extends SlicedBeat<WsConnection> {
  constructor(intervalMs: number, connections: ReadonlySet<WsConnection>) {
    super(intervalMs, connections, (connection) => {
      if (!connection.alive) {
        // Its 'close' follows, and tells the session that the peer is gone.
        connection.terminate();
        return;
      }
      connection.alive = false;
      connection.ping();
    });
  }
}
