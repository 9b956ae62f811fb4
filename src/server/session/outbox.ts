// Outbox: what one connection is sent, coalesced: frames queued until the next write round (see
// WriteRounds) leave in one socket write.
import type { Duplex } from 'node:stream';
import type { WriteRounds } from './write-rounds.js';

/** Who is told when an outbox passes its limit (the session, which closes the connection as slow). */
export interface OutboxOwner {
  slowConsumer(): void;
}

export class Outbox {
  readonly #socket: Duplex;
  readonly #limit: number;
  readonly #owner: OutboxOwner;
  readonly #rounds: WriteRounds;
  #frames: Buffer[] | null = null;
  #bytes = 0;
  #closed = false;

  /**
   * @param limit bytes the socket has not yet handed to the kernel (what earlier turns left unsent);
   *   past it, at the next frame, the frames are dropped and the owner is told once (the connection is too slow to keep). The
   *   owner is an object, not a callback, so that a connection costs no closure.
   */
  constructor(socket: Duplex, limit: number, owner: OutboxOwner, rounds: WriteRounds) {
    this.#socket = socket;
    this.#limit = limit;
    this.#owner = owner;
    this.#rounds = rounds;
  }

  enqueue(frame: Buffer): void {
    if (this.#closed) return;
    if (this.#frames === null) {
      // Checked once per round, on the first frame: what earlier writes left unsent is the backlog.
      // This turn's own frames do not count, or a burst (a big recovery, many sends in one turn)
      // would cut off a reader that keeps up perfectly well.
      if (this.#socket.writableLength > this.#limit) {
        this.close();
        this.#owner.slowConsumer();
        return;
      }
      this.#frames = [frame];
      this.#rounds.add(this);
    } else {
      this.#frames.push(frame);
    }
    this.#bytes += frame.length;
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
