// Outbox: what one connection is sent, coalesced: frames queued until the next write round (see
// WriteRounds) leave in one write to the raw socket the upgrade handed over (WebSocket), or to the
// streaming response (the HTTP fallback's event stream).
import type { Writable } from 'node:stream';
import type { WriteRounds } from './write-rounds.js';

/** Where an outbox writes: a socket, or a response whose writableLength counts its socket's backlog too. */
export type OutboxSink = Pick<Writable, 'write' | 'writableLength' | 'destroyed'>;

/** Who is told when an outbox passes its limit (the session, which closes the connection as slow). */
export interface OutboxOwner {
  slowConsumer(): void;
}

export class Outbox {
  readonly #socket: OutboxSink;
  readonly #limit: number;
  readonly #owner: OutboxOwner;
  readonly #rounds: WriteRounds;
  #frames: Buffer[] | null = null;
  #bytes = 0;
  /** What this round may still queue: the limit less what the socket held when the round began. */
  #room = 0;
  #closed = false;

  /**
   * @param limit bytes a connection may have waiting: queued here for the next round plus what the
   *   socket has not yet handed to the kernel. Past it the frames are dropped and the owner is told
   *   once (the connection is too slow to keep). The owner is an object, not a callback, so that a
   *   connection costs no closure.
   */
  constructor(socket: OutboxSink, limit: number, owner: OutboxOwner, rounds: WriteRounds) {
    this.#socket = socket;
    this.#limit = limit;
    this.#owner = owner;
    this.#rounds = rounds;
  }

  enqueue(frame: Buffer): void {
    if (this.#closed) return;
    if (this.#frames === null) {
      // The socket's backlog is read once per round, on its first frame: only a round's flush writes
      // to it, so until then it can only shrink (the kernel takes more) and the room left is
      // conservative. Every frame after that costs an add and a compare, on the fan-out hot path.
      // This round's frames count too: a burst of requests answered in one turn (many `history`
      // replies) must not pile up in memory for a peer that does not read. Bursts an honest reader
      // causes stay under the limit by construction: a join's replay is bounded to half of it
      // (see finishJoin) and a connection has a bounded number of requests in flight.
      this.#room = this.#limit - this.#socket.writableLength;
      this.#frames = [frame];
      this.#rounds.add(this);
    } else {
      this.#frames.push(frame);
    }
    if ((this.#bytes += frame.length) > this.#room) {
      this.close();
      this.#owner.slowConsumer();
    }
  }

  /** Bytes waiting for this peer now: queued for the next round plus the socket's own backlog. */
  pending(): number {
    return this.#bytes + this.#socket.writableLength;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Writes everything queued now, in one write. */
  flush(): void {
    const frames = this.#frames;
    if (frames === null) return;
    this.#frames = null;
    const bytes = this.#bytes;
    this.#bytes = 0;
    if (this.#closed || this.#socket.destroyed) return;
    this.#socket.write(this.#rounds.joined(frames, bytes));
  }

  /** Stops all further writes; frames still queued are dropped. */
  close(): void {
    this.#closed = true;
    this.#frames = null;
    this.#bytes = 0;
  }
}
