// Registration, login and logout: what the HTTP API does, without HTTP. Login failures are counted
// per IP and per account; past either limit a login is refused before the password is checked.
import { randomBytes } from 'node:crypto';
import type { UserRef } from '../../protocol/messages.js';
import type { Store } from '../store/store.js';
import { memoryFailureCounters, type FailureCounter, type FailureCounters } from './failure-counter.js';
import { hashPassword, verifyPassword } from './password.js';
import { hashSessionToken, newSessionToken } from './session-token.js';

export interface AccountLimits {
  /** Failed logins per account per window before that account's logins are refused. */
  failuresPerAccount: number;
  /** Failed logins per IP per window before that IP's logins are refused; also its registrations per window. */
  failuresPerIp: number;
  windowMs: number;
}

export interface SignedIn {
  user: UserRef;
  token: string;
  expiresAt: number;
}

export type AccountErrorCode = 'name_taken' | 'bad_credentials' | 'throttled';

export class AccountError extends Error {
  override readonly name = 'AccountError';
  readonly code: AccountErrorCode;
  /** With `throttled`: when to try again. */
  readonly retryAfterMs: number;

  constructor(code: AccountErrorCode, message: string, retryAfterMs = 0) {
    super(message);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

export class AccountService {
  readonly #store: Store;
  readonly #sessionTtlMs: number;
  readonly #byAccount: FailureCounter;
  readonly #byIp: FailureCounter;
  readonly #registrations: FailureCounter;

  /** @param counters where failures are counted: this process's memory, or Redis for a cluster. */
  constructor(store: Store, sessionTtlMs: number, limits: AccountLimits, counters: FailureCounters = memoryFailureCounters) {
    this.#store = store;
    this.#sessionTtlMs = sessionTtlMs;
    this.#byAccount = counters('login-account', limits.failuresPerAccount, limits.windowMs);
    this.#byIp = counters('login-ip', limits.failuresPerIp, limits.windowMs);
    this.#registrations = counters('register-ip', limits.failuresPerIp, limits.windowMs);
  }

  /** `username` must already match the username rule; it is stored lower-cased. */
  async register(username: string, password: string, ip: string): Promise<SignedIn> {
    const wait = (await this.#registrations.check(ip)).retryAfterMs;
    if (wait > 0) throw new AccountError('throttled', 'too many registrations from this address; try again later', wait);
    const canonical = username.toLowerCase();
    const user: UserRef = { id: `u_${randomBytes(12).toString('base64url')}`, name: canonical };
    const passwordHash = await hashPassword(password);
    // Every registration costs a password hash, so each one counts against the IP's budget.
    await this.#registrations.fail(ip);
    if (!(await this.#store.createAccount({ user, username: canonical, passwordHash }, Date.now()))) {
      throw new AccountError('name_taken', `the username "${canonical}" is taken`);
    }
    return this.#signIn(user);
  }

  async login(username: string, password: string, ip: string): Promise<SignedIn> {
    const canonical = username.toLowerCase();
    const ipKey = `ip:${ip}`;
    const accountKey = `account:${canonical}`;
    await this.#throttle(ipKey, accountKey);
    const account = await this.#store.findAccount(canonical);
    if (!(await verifyPassword(account?.passwordHash, password)) || account === undefined) {
      await Promise.all([this.#byIp.fail(ipKey), this.#byAccount.fail(accountKey)]);
      throw new AccountError('bad_credentials', 'wrong username or password');
    }
    await this.#byAccount.reset(accountKey);
    return this.#signIn(account.user);
  }

  /** Called with the session's hash after a logout, to close the connections that use it. */
  onLogout: ((sessionHash: string) => void) | undefined;

  /** Revokes the session at once; resolves whether the token was a live session. */
  async logout(token: string): Promise<boolean> {
    const sessionHash = hashSessionToken(token);
    const existed = await this.#store.deleteAuthSession(sessionHash);
    this.onLogout?.(sessionHash);
    return existed;
  }

  async #signIn(user: UserRef): Promise<SignedIn> {
    const { token, tokenHash } = newSessionToken();
    const now = Date.now();
    const expiresAt = now + this.#sessionTtlMs;
    await this.#store.createAuthSession({ tokenHash, userId: user.id, createdAt: now, expiresAt });
    // Expired sessions are useless already (lookups check the expiry); this only keeps the table small.
    this.#store.pruneAuthSessions(now).catch(() => undefined);
    return { user, token, expiresAt };
  }

  async #throttle(...keys: string[]): Promise<void> {
    let wait = 0;
    for (const key of keys) {
      const counter = key.startsWith('ip:') ? this.#byIp : this.#byAccount;
      wait = Math.max(wait, (await counter.check(key)).retryAfterMs);
    }
    if (wait > 0) throw new AccountError('throttled', 'too many failed attempts; try again later', wait);
  }
}
