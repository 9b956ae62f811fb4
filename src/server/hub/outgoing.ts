// One push on its way to many connections: each wire form is serialized at most once, on first use,
// and each transport frames that text at most once too (its Framing), so the same bytes go to every
// recipient that speaks that form over that transport.
import type { Push } from '../../protocol/messages.js';

/** What a connection reads: JSON (parley.v1 clients) or `name: text` lines (plain clients). */
export type WireForm = 'protocol' | 'plain';

/**
 * How one transport frames a wire form's text (a WebSocket text frame, an SSE event...). Each
 * transport makes one Framing for the whole server; every push keeps what it framed with it.
 */
export class Framing {
  static #transports = 0;
  /** Where a push keeps this transport's frames: its two wire forms at slot and slot + 1. */
  readonly slot: number;
  readonly frame: (text: string) => Buffer;

  constructor(frame: (text: string) => Buffer) {
    this.slot = 2 * Framing.#transports++;
    this.frame = frame;
  }
}

export class OutgoingPush {
  readonly push: Push;
  #protocolText: string | undefined;
  #plainText: string | null | undefined;
  /** Frames by Framing slot and wire form; null for a form this push has none in. */
  readonly #frames: (Buffer | null | undefined)[] = [];

  constructor(push: Push) {
    this.push = push;
  }

  /** The text protocol (parley.v1) clients get: the push as JSON. */
  get protocolText(): string {
    return (this.#protocolText ??= JSON.stringify(this.push));
  }

  /** The text plain clients get, `name: text`; null for pushes plain clients do not see. */
  get plainText(): string | null {
    if (this.#plainText === undefined) {
      const push = this.push;
      this.#plainText = push.type === 'message' ? `${push.from.name}: ${push.text}` : null;
    }
    return this.#plainText;
  }

  /** The `form` text framed by `framing`, made on the first call and the same Buffer on every later one. */
  framed(framing: Framing, form: WireForm): Buffer | null {
    const at = form === 'protocol' ? framing.slot : framing.slot + 1;
    let frame = this.#frames[at];
    if (frame === undefined) {
      const text = form === 'protocol' ? this.protocolText : this.plainText;
      frame = text === null ? null : framing.frame(text);
      this.#frames[at] = frame;
    }
    return frame;
  }
}
