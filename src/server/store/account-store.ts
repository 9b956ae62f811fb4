// AccountStore and AuthSessionStore: registered accounts and their login sessions.
import type { UserRef } from '../../protocol/messages.js';

/** A registered account: a user of kind 'account' with a unique username and a password hash. */
export interface Account {
  user: UserRef;
  /** Canonical (lower-case) username; also `user.name`. */
  username: string;
  /** argon2id PHC string. */
  passwordHash: string;
}

/** A login session. Only the token's SHA-256 is stored, never the token. */
export interface NewAuthSession {
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}

/** Contract: test/contract/account-store.contract.ts, on every implementation. */
export interface AccountStore {
  /**
   * Stores a new account (and its user row). Resolves false, storing nothing, when the username is
   * taken: usernames are unique case-insensitively (callers pass them lower-cased).
   */
  createAccount(account: Account, createdAt: number): Promise<boolean>;
  /** The account with this (lower-cased) username, if any. */
  findAccount(username: string): Promise<Account | undefined>;
}

/** Contract: test/contract/account-store.contract.ts, on every implementation. */
export interface AuthSessionStore {
  createAuthSession(session: NewAuthSession): Promise<void>;
  /** The user of a session that exists and has not expired at `now`; undefined otherwise. */
  findAuthSession(tokenHash: string, now: number): Promise<UserRef | undefined>;
  /** Revokes a session at once; resolves whether it existed. */
  deleteAuthSession(tokenHash: string): Promise<boolean>;
  /** Forgets sessions that expired before `now`; resolves how many. */
  pruneAuthSessions(now: number): Promise<number>;
}
