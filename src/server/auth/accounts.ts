// Registration, login and logout: what the HTTP API does, without HTTP. Login failures are counted
// per IP and per account; past either limit a login is refused before the password is checked.
// Every attempt reserves its slot in both counters before argon2 runs and gives it back only if it
// succeeds, so N concurrent guesses cannot all pass a check that none of them has been counted in.
import { randomBytes } from 'node:crypto';
import type { UserRef } from '../../protocol/messages.js';
import type { AccountStore, AuthSessionStore } from '../store/account-store.js';
import { memoryFailureCounters, type FailureCounter, type FailureCounters } from './failure-counter.js';
import { hashPassword, verifyPassword } from './password.js';
import { PasswordBusy, PasswordPool } from './password-pool.js';
import { nameSkeleton } from '../../protocol/names.js';
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

export type AccountErrorCode = 'name_taken' | 'bad_credentials' | 'disabled' | 'throttled' | 'busy';

export class AccountError extends Error {
  override readonly name = 'AccountError';
  readonly code: AccountErrorCode;
  /** With `throttled` and `busy`: when to try again. */
  readonly retryAfterMs: number;

  constructor(code: AccountErrorCode, message: string, retryAfterMs = 0) {
    super(message);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }
}

export class AccountService {
  readonly #store: AccountStore & AuthSessionStore;
  readonly #sessionTtlMs: number;
  readonly #byAccount: FailureCounter;
  readonly #byIp: FailureCounter;
  readonly #registrations: FailureCounter;
  readonly #passwords: PasswordPool;

  /**
   * @param counters where failures are counted: this process's memory, or Redis for a cluster.
   * @param passwords where argon2 runs, a few at a time (password-pool.ts).
   */
  constructor(
    store: AccountStore & AuthSessionStore,
    sessionTtlMs: number,
    limits: AccountLimits,
    counters: FailureCounters = memoryFailureCounters,
    passwords: PasswordPool = new PasswordPool({ concurrency: 2, queue: 64 }),
  ) {
    this.#store = store;
    this.#passwords = passwords;
    this.#sessionTtlMs = sessionTtlMs;
    this.#byAccount = counters('login-account', limits.failuresPerAccount, limits.windowMs);
    this.#byIp = counters('login-ip', limits.failuresPerIp, limits.windowMs);
    this.#registrations = counters('register-ip', limits.failuresPerIp, limits.windowMs);
  }

  /** `username` must already match the username rule; it is stored as its skeleton (lower-case). */
  async register(username: string, password: string, ip: string): Promise<SignedIn> {
    // Every registration costs a password hash, so each one takes a slot of the IP's budget, kept
    // whether or not the name turns out to be free; only a hash that never ran gives it back.
    await this.#reserve(this.#registrations, ip, 'too many registrations from this address; try again later');
    const canonical = nameSkeleton(username);
    const user: UserRef = { id: `u_${randomBytes(12).toString('base64url')}`, name: canonical };
    const passwordHash = await this.#work('hash', () => hashPassword(password), [[this.#registrations, ip]]);
    if (!(await this.#store.createAccount({ user, username: canonical, passwordHash }, Date.now()))) {
      throw new AccountError('name_taken', `the username "${canonical}" is taken`);
    }
    return this.#signIn(user);
  }

  async login(username: string, password: string, ip: string): Promise<SignedIn> {
    const canonical = nameSkeleton(username);
    const ipKey = `ip:${ip}`;
    const accountKey = `account:${canonical}`;
    const message = 'too many failed attempts; try again later';
    await this.#reserve(this.#byIp, ipKey, message);
    try {
      await this.#reserve(this.#byAccount, accountKey, message);
    } catch (error) {
      await this.#byIp.refund(ipKey);
      throw error;
    }
    const held: Array<[FailureCounter, string]> = [
      [this.#byIp, ipKey],
      [this.#byAccount, accountKey],
    ];
    const account = await this.#store.findAccount(canonical).catch(async (error: unknown) => {
      await this.#refund(held);
      throw error;
    });
    // A wrong password keeps both slots: they are its failures.
    if (!(await this.#work('verify', () => verifyPassword(account?.passwordHash, password), held)) || account === undefined) {
      throw new AccountError('bad_credentials', 'wrong username or password');
    }
    await Promise.all([this.#byIp.refund(ipKey), this.#byAccount.reset(accountKey)]);
    // Told only to whoever knows the password: it says nothing of an account to anyone else.
    if ((await this.isDisabled?.(account.user.id)) === true) throw new AccountError('disabled', 'an admin has disabled this account');
    return this.#signIn(account.user);
  }

  /** Whether an admin disabled the account (the console): it cannot sign in. */
  isDisabled: ((userId: string) => Promise<boolean>) | undefined;

  /** A hash of `password` for an admin's reset, in the same bounded queue as every other hash. */
  passwordHash(password: string): Promise<string> {
    return this.#work('hash', () => hashPassword(password), []);
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

  async #reserve(counter: FailureCounter, key: string, message: string): Promise<void> {
    const wait = (await counter.reserve(key)).retryAfterMs;
    if (wait > 0) throw new AccountError('throttled', message, wait);
  }

  /** Runs argon2 in the pool; when the pool refuses, the slots `held` are given back (nothing was tried). */
  async #work<T>(op: 'hash' | 'verify', work: () => Promise<T>, held: Array<[FailureCounter, string]>): Promise<T> {
    try {
      return await this.#passwords.run(op, work);
    } catch (error) {
      if (!(error instanceof PasswordBusy)) throw error;
      await this.#refund(held);
      throw new AccountError('busy', error.message, BUSY_RETRY_MS);
    }
  }

  async #refund(held: Array<[FailureCounter, string]>): Promise<void> {
    await Promise.all(held.map(([counter, key]) => counter.refund(key)));
  }
}

/** What a `busy` refusal tells the client to wait: about the time the queue takes to drain. */
const BUSY_RETRY_MS = 1000;
