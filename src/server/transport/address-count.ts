// Open connections per client address, for a transport's per-IP bound: counted when a connection
// is admitted (before its handshake ends, so a burst cannot slip past the bound), released once.
export class AddressCount {
  readonly #limit: number;
  readonly #counts = new Map<string, number>();

  /** @param limit connections per address; 0 means no limit (and nothing is counted). */
  constructor(limit: number) {
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Whether one more from `ip` would pass the bound. */
  full(ip: string): boolean {
    return this.#limit > 0 && (this.#counts.get(ip) ?? 0) >= this.#limit;
  }

  take(ip: string): void {
    if (this.#limit === 0) return;
    this.#counts.set(ip, (this.#counts.get(ip) ?? 0) + 1);
  }

  release(ip: string): void {
    if (this.#limit === 0) return;
    const count = (this.#counts.get(ip) ?? 1) - 1;
    if (count <= 0) this.#counts.delete(ip);
    else this.#counts.set(ip, count);
  }
}
