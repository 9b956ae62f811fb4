// Helpers for the identity tests: the accounts API over real HTTP, auth config overrides, and a
// WebSocket handshake whose refusal status can be read.
import { WebSocket } from 'ws';
import { loadConfig, type AuthConfig } from '../../src/server/config.js';
import { PROTOCOL } from '../../src/protocol/messages.js';

export interface ApiReply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function api(baseUrl: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiReply> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

/** Registers `username` and returns its session token and user id. */
export async function register(baseUrl: string, username: string, password = 'correct horse battery'): Promise<{ token: string; id: string }> {
  const reply = await api(baseUrl, '/api/register', { username, password });
  if (reply.status !== 201) throw new Error(`register ${username}: ${reply.status} ${JSON.stringify(reply.body)}`);
  const user = reply.body['user'] as { id: string };
  return { token: reply.body['token'] as string, id: user.id };
}

/** The default auth settings with `overrides`. */
export function authConfig(overrides: Partial<AuthConfig> = {}): AuthConfig {
  return { ...loadConfig([], {}).auth, ...overrides };
}

/** Opens a WebSocket; resolves 'open' or the HTTP status of a refused handshake. */
export function handshake(url: string, headers: Record<string, string> = {}, protocols: string | string[] = PROTOCOL): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}
