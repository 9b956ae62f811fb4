// Accounts over the HTTP API of docs/api.md: `login` and `register` answer a session token, which
// `createClient(url, { token })` then says hello with; `logout` revokes it. They take the same
// URL as the client (ws:// or wss://, or the http(s) one of the server) and use the global fetch.
import type { UserRef } from '../protocol/messages.js';
import { RequestError } from './errors.js';
import { answerOf } from './http-answer.js';

export interface Session {
  user: UserRef;
  /** A session token (`pst_…`): pass it as `token` to `createClient` or `connect`. */
  token: string;
  /** When the token expires (ms since the epoch). */
  expiresAt: number;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface AccountOptions {
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** The server's http(s) address of `path`, from the URL of its WebSocket or of its web app. */
export function apiUrl(serverUrl: string, path: string): string {
  let url: URL;
  try {
    url = new URL(serverUrl);
  } catch {
    throw new RequestError('bad_url', `not a URL: ${serverUrl}`);
  }
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  else if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RequestError('bad_url', `not a Parley address: ${serverUrl}`);
  return new URL(path, url.origin).href;
}

/** Signs in; rejects with the server's code (`unauthorized` for a wrong username or password, `throttled`, `busy`). */
export function login(serverUrl: string, credentials: Credentials, options: AccountOptions = {}): Promise<Session> {
  return post(serverUrl, '/api/login', credentials, options).then(asSession);
}

/** Creates an account and signs it in; `name_taken` when the username is taken. */
export function register(serverUrl: string, credentials: Credentials, options: AccountOptions = {}): Promise<Session> {
  return post(serverUrl, '/api/register', credentials, options).then(asSession);
}

/** Revokes the session (its open connections close with 4401); a token already dead is no error. */
export async function logout(serverUrl: string, token: string, options: AccountOptions = {}): Promise<void> {
  await post(serverUrl, '/api/logout', undefined, options, { authorization: `Bearer ${token}` });
}

async function post(
  serverUrl: string,
  path: string,
  body: Credentials | undefined,
  options: AccountOptions,
  headers: Record<string, string> = {},
): Promise<unknown> {
  const url = apiUrl(serverUrl, path);
  const send = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await send(url, {
      method: 'POST',
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const why = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new RequestError('unreachable', `could not reach ${url} (${why})`);
  }
  return answerOf(url, response);
}

function asSession(value: unknown): Session {
  if (typeof value === 'object' && value !== null && 'token' in value && typeof value.token === 'string' && 'user' in value && 'expiresAt' in value) {
    const { user, expiresAt } = value;
    if (
      typeof user === 'object' &&
      user !== null &&
      'id' in user &&
      'name' in user &&
      typeof user.id === 'string' &&
      typeof user.name === 'string' &&
      typeof expiresAt === 'number'
    ) {
      return { user: { id: user.id, name: user.name }, token: value.token, expiresAt };
    }
  }
  throw new RequestError('unreachable', 'the server answered the sign-in with something that is not a session');
}
