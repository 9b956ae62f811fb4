// Outbox: what one connection is sent, coalesced per event-loop turn. Frames queued during a turn
// leave in one socket write at the end of it (setImmediate runs after all I/O callbacks of the
// turn), because on loopback the kernel's cost per write dominates the cost per byte.
import type { Duplex } from 'node:stream';

const dirty: Outbox[] = [];
let flushScheduled = false;

function flushDirty(): void {
  flushScheduled = false;
  const outboxes = dirty.splice(0);
  for (const outbox of outboxes) outbox.flush();
}

export class Outbox {
  readonly #socket: Duplex;
  readonly #limit: number;
  readonly #onOverflow: () => void;
  #frames: Buffer[] | null = null;
  #bytes = 0;
  #closed = false;

  /**
   * @param limit bytes queued here plus bytes the socket has not yet handed to the kernel; past it
   *   the frames are dropped and `onOverflow` runs once (the connection is too slow to keep).
   */
  constructor(socket: Duplex, limit: number, onOverflow: () => void) {
    this.#socket = socket;
    this.#limit = limit;
    this.#onOverflow = onOverflow;
  }

  enqueue(frame: Buffer): void {
    if (this.#closed) return;
    if (this.#frames === null) {
      this.#frames = [frame];
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushDirty);
      }
    } else {
      this.#frames.push(frame);
    }
    this.#bytes += frame.length;
    if (this.#bytes + this.#socket.writableLength > this.#limit) {
      this.close();
      this.#onOverflow();
    }
  }

  /** Writes everything queued now, in one write. */
  flush(): void {
    const frames = this.#frames;
    if (frames === null) return;
    this.#frames = null;
    const bytes = this.#bytes;
    this.#bytes = 0;
    if (this.#closed || this.#socket.destroyed) return;
    this.#socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames, bytes));
  }

  /** Stops all further writes; frames still queued are dropped. */
  close(): void {
    this.#closed = true;
    this.#frames = null;
    this.#bytes = 0;
  }
}
