// Outbox: what one connection is sent, coalesced per event-loop turn. Frames queued during a turn
// leave in one socket write at the end of it (setImmediate runs after all I/O callbacks of the
// turn), because on loopback the kernel's cost per write dominates the cost per byte.
import type { Duplex } from 'node:stream';

const dirty: Outbox[] = [];
let flushScheduled = false;

// Members of one room get the same frames in the same order in a turn, so the outbox flushed just
// before usually holds the very same list: its joined buffer is reused instead of joined again.
let lastFrames: Buffer[] | null = null;
let lastJoined: Buffer | null = null;

function flushDirty(): void {
  flushScheduled = false;
  const outboxes = dirty.splice(0);
  for (const outbox of outboxes) outbox.flush();
  lastFrames = null;
  lastJoined = null;
}

function sameFrames(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The frames as one buffer; the same Buffer as last time when the frames are the same ones. */
function joined(frames: Buffer[], bytes: number): Buffer {
  if (frames.length === 1) return frames[0] as Buffer;
  if (lastFrames !== null && lastJoined !== null && sameFrames(frames, lastFrames)) return lastJoined;
  const buffer = Buffer.concat(frames, bytes);
  lastFrames = frames;
  lastJoined = buffer;
  return buffer;
}

/** Who is told when an outbox passes its limit (the session, which closes the connection as slow). */
export interface OutboxOwner {
  slowConsumer(): void;
}

export class Outbox {
  readonly #socket: Duplex;
  readonly #limit: number;
  readonly #owner: OutboxOwner;
  #frames: Buffer[] | null = null;
  #bytes = 0;
  #closed = false;

  /**
   * @param limit bytes the socket has not yet handed to the kernel (what earlier turns left unsent);
   *   past it, at the next frame, the frames are dropped and the owner is told once (the connection is too slow to keep). The
   *   owner is an object, not a callback, so that a connection costs no closure.
   */
  constructor(socket: Duplex, limit: number, owner: OutboxOwner) {
    this.#socket = socket;
    this.#limit = limit;
    this.#owner = owner;
  }

  enqueue(frame: Buffer): void {
    if (this.#closed) return;
    if (this.#frames === null) {
      // Checked once per turn, on the first frame: what earlier writes left unsent is the backlog.
      // This turn's own frames do not count, or a burst (a big recovery, many sends in one turn)
      // would cut off a reader that keeps up perfectly well.
      if (this.#socket.writableLength > this.#limit) {
        this.close();
        this.#owner.slowConsumer();
        return;
      }
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
  }

  /** Writes everything queued now, in one write. */
  flush(): void {
    const frames = this.#frames;
    if (frames === null) return;
    this.#frames = null;
    const bytes = this.#bytes;
    this.#bytes = 0;
    if (this.#closed || this.#socket.destroyed) return;
    this.#socket.write(joined(frames, bytes));
  }

  /** Stops all further writes; frames still queued are dropped. */
  close(): void {
    this.#closed = true;
    this.#frames = null;
    this.#bytes = 0;
  }
}
