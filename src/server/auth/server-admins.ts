// Who is a server admin: the users PARLEY_ADMINS names (fixed for the process's life) and those
// granted in the store (`parley admin grant`, or another admin in the console). The store's answer
// is kept for under a second per user, so a grant or a revoke holds on every process of a cluster
// within a second, and a busy console does not read the store on every request.
import type { ConsoleStore } from '../store/console-store.js';

// Layers above auth (cli) take the console store's type from here, never from the store.
export type { ConsoleStore } from '../store/console-store.js';

const CACHE_MS = 900;
/** Answers kept at most; past it the oldest go (a flood of distinct ids cannot grow memory). */
const CACHE_MAX = 10_000;

export interface AdminCheck {
  isAdmin(userId: string): Promise<boolean>;
}

export class ServerAdmins implements AdminCheck {
  readonly #store: Pick<ConsoleStore, 'isAdmin'>;
  readonly #configured: ReadonlySet<string>;
  readonly #now: () => number;
  readonly #cache = new Map<string, { admin: boolean; at: number }>();

  constructor(store: Pick<ConsoleStore, 'isAdmin'>, configured: Iterable<string>, now: () => number = Date.now) {
    this.#store = store;
    this.#configured = new Set(configured);
    this.#now = now;
  }

  async isAdmin(userId: string): Promise<boolean> {
    if (this.#configured.has(userId)) return true;
    const now = this.#now();
    const cached = this.#cache.get(userId);
    if (cached !== undefined && now - cached.at < CACHE_MS) return cached.admin;
    const admin = await this.#store.isAdmin(userId);
    this.#cache.delete(userId);
    if (this.#cache.size >= CACHE_MAX) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    this.#cache.set(userId, { admin, at: now });
    return admin;
  }

  /** Whether PARLEY_ADMINS names the user: such an admin cannot be revoked from the console. */
  configured(userId: string): boolean {
    return this.#configured.has(userId);
  }

  /** Forgets a cached answer at once (after a grant or revoke on this process). */
  forget(userId: string): void {
    this.#cache.delete(userId);
  }
}
