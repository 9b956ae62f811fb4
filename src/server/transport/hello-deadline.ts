// The hello deadline of protocol sessions: one timer for all of them instead of one each; a late
// hello is caught within a tenth of the timeout. A session that has not said hello in time is
// closed with 4408.
import type { Logger } from 'pino';
import { CloseCode } from '../../protocol/errors.js';
import type { Session } from '../session/session.js';

export class HelloDeadline {
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #awaiting = new Set<Session>();
  readonly #sweep: NodeJS.Timeout;

  constructor(timeoutMs: number, log: Logger) {
    this.#timeoutMs = timeoutMs;
    this.#log = log;
    const sweepMs = Math.max(50, Math.min(1000, Math.floor(timeoutMs / 10)));
    this.#sweep = setInterval(() => this.#sweepNow(), sweepMs).unref();
  }

  watch(session: Session): void {
    this.#awaiting.add(session);
  }

  forget(session: Session): void {
    this.#awaiting.delete(session);
  }

  stop(): void {
    clearInterval(this.#sweep);
  }

  #sweepNow(): void {
    if (this.#awaiting.size === 0) return;
    const deadline = performance.now() - this.#timeoutMs;
    for (const session of this.#awaiting) {
      if (session.identified || session.closed) {
        this.#awaiting.delete(session);
      } else if (session.openedAt <= deadline) {
        this.#awaiting.delete(session);
        this.#log.info({ conn: session.connId }, 'no hello in time; closing (4408)');
        session.close(CloseCode.HelloTimeout, 'send hello first');
      }
    }
  }
}
