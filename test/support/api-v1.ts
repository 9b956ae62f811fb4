// Helpers for the server API suites: a key made the way `parley keys create` makes it (in the
// server's own store), and requests over real HTTP.
import type { Config } from '../../src/server/config.js';
import { openApiKeyStore } from '../../src/server/backends.js';
import { issueHook, issueKey, type ApiScope } from '../../src/server/auth/api-keys.js';

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
  text: string;
}

/** Makes a key in the store `config` names; resolves the key and its id. */
export async function makeKey(config: Config, name: string, scopes: ApiScope[], bot?: string): Promise<{ key: string; id: string }> {
  const store = await openApiKeyStore(config);
  try {
    const { key, record } = await issueKey(store, { name, scopes, ...(bot === undefined ? {} : { bot }) });
    return { key, id: record.id };
  } finally {
    await store.close();
  }
}

export async function revokeKey(config: Config, id: string): Promise<boolean> {
  const store = await openApiKeyStore(config);
  try {
    return await store.revokeKey(id, Date.now());
  } finally {
    await store.close();
  }
}

export async function makeHook(config: Config, room: string, bot = 'webhook'): Promise<string> {
  const store = await openApiKeyStore(config);
  try {
    return `/hooks/${(await issueHook(store, room, bot)).secret}`;
  } finally {
    await store.close();
  }
}

/** One request; `body` as a string is sent as is (to send broken JSON). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers['authorization'] = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    parsed = {};
  }
  return { status: response.status, body: parsed, headers: response.headers, text };
}
