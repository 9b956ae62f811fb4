// Requests being handled right now, over all sessions of one server, so that a shutdown can let
// them finish (a send stored and acknowledged) before it closes the connections with 1001.
export class Drain {
  #inFlight = 0;
  #idle: (() => void)[] = [];
  /** Set once the server is shutting down: new frames are no longer acted on. */
  draining = false;

  track(work: Promise<void>): void {
    this.#inFlight++;
    void work.finally(() => {
      if (--this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    });
  }

  /** Resolves when nothing is in flight, or after `timeoutMs`. */
  settled(timeoutMs: number): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
