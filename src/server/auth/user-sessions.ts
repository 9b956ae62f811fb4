// The admin API's hold on a user's connections, on every process: "disconnect" closes them (4001;
// they may reconnect), "revoke sessions" ends the user's login sessions in the store and closes the
// connections made with them (4401, as a logout does). Both travel on the revocations channel
// (revocations.ts): a message is a session hash, or `user:` and a user id for a disconnect (a
// session hash is base64url and never holds a colon).
import type { Revocations } from './revocations.js';
import type { ApiKeyStore } from '../store/api-keys.js';

const USER_PREFIX = 'user:';

/** What a revocation message asks: close one session's connections, or all of one user's. */
export type Revocation = { session: string } | { user: string };

export function readRevocation(message: string): Revocation {
  return message.startsWith(USER_PREFIX) ? { user: message.slice(USER_PREFIX.length) } : { session: message };
}

export class UserSessions {
  readonly #store: Pick<ApiKeyStore, 'endSessionsOf'>;
  readonly #revocations: Revocations;

  constructor(store: Pick<ApiKeyStore, 'endSessionsOf'>, revocations: Revocations) {
    this.#store = store;
    this.#revocations = revocations;
  }

  disconnect(userId: string): Promise<void> {
    return this.#revocations.revoke(`${USER_PREFIX}${userId}`);
  }

  /** Resolves how many sessions were ended. */
  async revoke(userId: string): Promise<number> {
    const hashes = await this.#store.endSessionsOf(userId);
    for (const hash of hashes) await this.#revocations.revoke(hash);
    return hashes.length;
  }
}
