// One push on its way to many connections: each wire form is serialized and framed at most once,
// on first use, and the same bytes go to every recipient that speaks that form.
import type { Push } from '../../protocol/messages.js';
import { textFrame } from '../wire/frame.js';

export class OutgoingPush {
  readonly push: Push;
  #protocolFrame: Buffer | undefined;
  #plainFrame: Buffer | null | undefined;

  constructor(push: Push) {
    this.push = push;
  }

  /** The frame for protocol (parley.v1) clients: the push as JSON. */
  get protocolFrame(): Buffer {
    return (this.#protocolFrame ??= textFrame(JSON.stringify(this.push)));
  }

  /** The frame for plain clients, `name: text`; null for pushes plain clients do not see. */
  get plainFrame(): Buffer | null {
    if (this.#plainFrame === undefined) {
      const push = this.push;
      this.#plainFrame = push.type === 'message' ? textFrame(`${push.from.name}: ${push.text}`) : null;
    }
    return this.#plainFrame;
  }
}
