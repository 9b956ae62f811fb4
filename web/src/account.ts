// The accounts API (docs/api.md) from the browser: register, log in, log out. The session token
// goes only in the request body of the answer and in localStorage, never in a URL.
import type { ErrorCode, HttpErrorBody } from '../../src/client/index.js';
import { USERNAME_PATTERN } from '../../src/protocol/patterns.js';

export type AccountMode = 'login' | 'register';

export interface SignedIn {
  user: { id: string; name: string };
  token: string;
}

/**
 * The server's code from the answer's body, or the app's own: `network` when the server could not
 * be reached, `error` when it answered without a readable error body (a proxy's page, say).
 */
export type AccountFailureCode = ErrorCode | 'network' | 'error';

export class AccountFailure extends Error {
  constructor(
    readonly code: AccountFailureCode,
    message: string,
  ) {
    super(message);
  }
}

// The server's pattern (docs/api.md).
const USERNAME = new RegExp(USERNAME_PATTERN);

export function credentialProblem(username: string, password: string): string | null {
  if (!USERNAME.test(username)) return 'Usernames are 3–32 letters, digits, “.”, “_” or “-”.';
  if (password.length < 8) return 'Passwords have at least 8 characters.';
  if (password.length > 256) return 'Passwords have at most 256 characters.';
  return null;
}

/** Which field a problem is about, so the form marks only that one ('both': it cannot say which). */
export type WrongField = 'username' | 'password' | 'both' | 'none';

export function wrongField(username: string, password: string, failure?: AccountFailure): WrongField {
  if (failure !== undefined) {
    if (failure.code === 'name_taken') return 'username';
    // Sign-in does not say which of the two was wrong, on purpose.
    return failure.code === 'unauthorized' ? 'both' : 'none';
  }
  if (!USERNAME.test(username)) return 'username';
  return credentialProblem(username, password) === null ? 'none' : 'password';
}

export async function signIn(mode: AccountMode, username: string, password: string): Promise<SignedIn> {
  let response: Response;
  try {
    response = await fetch(`/api/${mode}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
  } catch {
    throw new AccountFailure('network', 'Could not reach the server. Try again.');
  }
  const body = (await response.json().catch(() => ({}))) as Partial<SignedIn> & Partial<HttpErrorBody>;
  if (response.ok && typeof body.token === 'string' && body.user !== undefined) return { user: body.user, token: body.token };
  switch (response.status) {
    case 401:
      throw new AccountFailure('unauthorized', 'Wrong username or password.');
    case 409:
      throw new AccountFailure('name_taken', 'That username is taken. Pick another or sign in.');
    case 429: {
      const seconds = Number(response.headers.get('retry-after') ?? '60');
      const minutes = Math.ceil(seconds / 60);
      throw new AccountFailure('throttled', `Too many attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`);
    }
    default:
      throw new AccountFailure(body.error ?? 'error', body.message ?? `The server answered ${response.status}.`);
  }
}

/** Revokes the token on the server; failures are ignored (the token is forgotten locally anyway). */
export async function signOut(token: string): Promise<void> {
  await fetch('/api/logout', { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
}
