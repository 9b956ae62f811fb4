// ReadinessWatch: the latest answer of the readiness checks (PostgreSQL ping, Redis connections),
// refreshed on a timer, for a decision that must be made synchronously: whether to accept a
// WebSocket upgrade. A node that cannot reach its store or broker answers /readyz with 503 so that a
// load balancer stops sending it new clients; the few that still arrive (a balancer between health
// checks, a client connecting directly) are refused the same way instead of being let in to fail at
// their first join.
import type { Readiness } from './http/ops-routes.js';

export class ReadinessWatch {
  readonly #check: () => Promise<Readiness>;
  readonly #timer: NodeJS.Timeout;
  #ready = true;
  #checking = false;

  constructor(check: () => Promise<Readiness>, intervalMs = 500) {
    this.#check = check;
    this.#timer = setInterval(() => this.#refresh(), intervalMs).unref();
    this.#refresh();
  }

  /** Whether the last check found every dependency reachable (true until a check says otherwise). */
  get ready(): boolean {
    return this.#ready;
  }

  #refresh(): void {
    if (this.#checking) return;
    this.#checking = true;
    this.#check()
      .then((state) => (this.#ready = state.ready))
      .catch(() => (this.#ready = false))
      .finally(() => (this.#checking = false));
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
