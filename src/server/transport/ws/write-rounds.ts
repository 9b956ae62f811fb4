// WriteRounds: when the frames queued in outboxes go to their sockets. Everything a connection is
// sent within one event-loop turn leaves in one write, in a round that runs after the turn's I/O
// (setImmediate), because on loopback the kernel's cost per write (about 6 µs here, most of a
// delivery) dominates the cost per byte.
//
// Pacing: a round that writes to thousands of sockets takes milliseconds. Left alone, the next
// round starts as soon as one more message arrives and carries that one message to every socket
// again, so at a few messages per turn the server does nothing but writes (and so does every
// client, reading them). After a round that took `t` ms, the next one therefore waits
// min(PAUSE_FACTOR × t, maxPauseMs): writing takes at most about a quarter of the time once it is
// expensive, each write carries whatever arrived meanwhile, and a cheap round (t close to 0) delays
// nothing. Measured on one room of 5,000 (docs/benchmarks.md): 75 msg/s at p99 over 100 ms without
// pacing, 150 msg/s at p99 89 ms with a factor of 1. A factor of 3 instead of 1, measured in one
// session, same machine, alternating runs: one room of 1,000 at 100 to 1,000 msg/s took 20 to 30%
// less server CPU (p99 +10 ms, about 40 ms), 100 rooms of 10 at 5 msg/s per client 8 to 10% less.
import type { Outbox } from './outbox.js';

/** The pause after a round, in multiples of the round's own length (up to maxPauseMs). */
const PAUSE_FACTOR = 3;

export class WriteRounds {
  readonly #maxPauseMs: number;
  #dirty: Outbox[] = [];
  #scheduled = false;
  /** performance.now() before which the next round may not start. */
  #notBefore = 0;
  // Members of one room get the same frames in the same order in a round, so the outbox flushed
  // just before usually holds the very same list: its joined buffer is reused, not joined again.
  #lastFrames: Buffer[] | null = null;
  #lastJoined: Buffer | null = null;
  readonly #run = (): void => this.#round();

  /** @param maxPauseMs longest wait between rounds; 0 writes every round as soon as the turn ends. */
  constructor(maxPauseMs: number) {
    this.#maxPauseMs = maxPauseMs;
  }

  /** `outbox` has frames for the next round (called once per round, on its first frame). */
  add(outbox: Outbox): void {
    this.#dirty.push(outbox);
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = this.#notBefore - performance.now();
    if (wait < 1) setImmediate(this.#run);
    else setTimeout(this.#run, wait);
  }

  #round(): void {
    this.#scheduled = false;
    const started = performance.now();
    const outboxes = this.#dirty;
    this.#dirty = [];
    for (const outbox of outboxes) outbox.flush();
    this.#lastFrames = null;
    this.#lastJoined = null;
    if (this.#maxPauseMs > 0) {
      const ended = performance.now();
      this.#notBefore = ended + Math.min(this.#maxPauseMs, PAUSE_FACTOR * (ended - started));
    }
  }

  /** The frames as one buffer; the same Buffer as last time when the frames are the same ones. */
  joined(frames: Buffer[], bytes: number): Buffer {
    if (frames.length === 1) return frames[0] as Buffer;
    const last = this.#lastFrames;
    if (last !== null && this.#lastJoined !== null && sameFrames(frames, last)) return this.#lastJoined;
    const buffer = Buffer.concat(frames, bytes);
    this.#lastFrames = frames;
    this.#lastJoined = buffer;
    return buffer;
  }
}

function sameFrames(a: Buffer[], b: Buffer[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
