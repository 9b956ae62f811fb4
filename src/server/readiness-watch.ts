// ReadinessWatch: the latest answer of the readiness checks (PostgreSQL ping, Redis connections),
// refreshed on a timer, for a decision that must be made synchronously: whether to accept a
// WebSocket upgrade. A node that cannot reach its store or broker answers /readyz with 503 so that a
// load balancer stops sending it new clients; the few that still arrive (a balancer between health
// checks, a client connecting directly) are refused the same way instead of being let in to fail at
// their first join. /readyz asks through the watch too (`check`), so its answer and the upgrade's
// decision are one state: a node that has just told a balancer it is ready does not refuse the next
// upgrade on an older failed check.
import type { Readiness } from './http/ops-routes.js';

export class ReadinessWatch {
  readonly #check: () => Promise<Readiness>;
  readonly #timer: NodeJS.Timeout;
  #ready = true;
  #checking = false;
  /** Checks started so far, and the start number of the one whose answer `ready` holds. */
  #started = 0;
  #recorded = 0;

  constructor(check: () => Promise<Readiness>, intervalMs = 500) {
    this.#check = check;
    this.#timer = setInterval(() => this.#refresh(), intervalMs).unref();
    this.#refresh();
  }

  /** Whether the latest check found every dependency reachable (true until a check says otherwise). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Runs the checks now and keeps their answer (unless a check started later has answered already). */
  async check(): Promise<Readiness> {
    const number = ++this.#started;
    try {
      const state = await this.#check();
      this.#record(number, state.ready);
      return state;
    } catch (error) {
      this.#record(number, false);
      throw error;
    }
  }

  #record(number: number, ready: boolean): void {
    if (number < this.#recorded) return;
    this.#recorded = number;
    this.#ready = ready;
  }

  #refresh(): void {
    if (this.#checking) return;
    this.#checking = true;
    this.check()
      .catch(() => undefined) // recorded as not ready
      .finally(() => (this.#checking = false));
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
