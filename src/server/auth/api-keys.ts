// Server API keys (`pk_…`) and incoming-webhook secrets (`hk_…`): 32 random bytes handed out once;
// the store keeps only their SHA-256 (as for session tokens, a plain hash suffices for 256 bits of
// entropy and lets a key be found by equality). Lookups are cached for at most `cacheMs` (under a
// second), so a revocation made on any process, or by `parley keys revoke`, holds everywhere
// within that time without a broadcast and without a database read per request.
import { createHash, randomBytes } from 'node:crypto';
import type { UserRef } from '../../protocol/messages.js';
import { randomId } from '../random-id.js';
import type { ApiKeyRecord, ApiKeyStore, ApiScope, HookRecord } from '../store/api-keys.js';

// Layers above auth (http, cli) take the key types from here, never from the store.
export { API_SCOPES, type ApiKeyRecord, type ApiKeyStore, type ApiScope, type HookRecord } from '../store/api-keys.js';

export const API_KEY_PREFIX = 'pk_';
export const HOOK_SECRET_PREFIX = 'hk_';
/** Bot names: like room names, short; the bot's user id is `bot:<name>`. */
export const BOT_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const BOT_PREFIX = 'bot:';

/** How long a lookup is trusted: a revoked key works for at most this long anywhere. */
export const API_KEY_CACHE_MS = 500;
/** Most lookups cached: random keys cannot grow the cache without bound. */
const MAX_CACHED = 10_000;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

function newSecret(prefix: string): { secret: string; hash: string } {
  const secret = `${prefix}${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashSecret(secret) };
}

export function botUser(name: string): UserRef {
  return { id: `${BOT_PREFIX}${name}`, name };
}

export function isBotId(id: string): boolean {
  return id.startsWith(BOT_PREFIX);
}

export class ApiKeyError extends Error {
  override readonly name = 'ApiKeyError';
}

export interface KeyRequest {
  name: string;
  scopes: ApiScope[];
  /** Makes (or reuses) the bot user `bot:<bot>`, which the key speaks as. */
  bot?: string;
}

/** Makes a key: resolves the key itself (shown once, never stored) and its record. */
export async function issueKey(store: ApiKeyStore, request: KeyRequest, now = Date.now()): Promise<{ key: string; record: ApiKeyRecord }> {
  if (request.name.trim() === '' || request.name.length > 64) throw new ApiKeyError('a key name is 1–64 characters');
  if (request.scopes.length === 0) throw new ApiKeyError('a key needs at least one scope (publish, read, admin)');
  if (request.bot !== undefined && !BOT_NAME_PATTERN.test(request.bot)) {
    throw new ApiKeyError(`a bot name must match ${BOT_NAME_PATTERN.source}`);
  }
  const { secret, hash } = newSecret(API_KEY_PREFIX);
  const record: ApiKeyRecord = { id: `k_${randomId(9)}`, name: request.name, scopes: [...request.scopes], createdAt: now };
  if (request.bot !== undefined) record.bot = botUser(request.bot);
  await store.createKey({ ...record, keyHash: hash });
  return { key: secret, record };
}

/** Makes an incoming webhook for `room`, posting as `bot:<bot>`: resolves its secret (shown once). */
export async function issueHook(store: ApiKeyStore, room: string, bot: string, now = Date.now()): Promise<{ secret: string; record: HookRecord }> {
  if (!BOT_NAME_PATTERN.test(bot)) throw new ApiKeyError(`a bot name must match ${BOT_NAME_PATTERN.source}`);
  const { secret, hash } = newSecret(HOOK_SECRET_PREFIX);
  const record: HookRecord = { id: `h_${randomId(9)}`, room, bot: botUser(bot), createdAt: now };
  await store.createHook({ ...record, secretHash: hash });
  return { secret, record };
}

/** Lookups of one kind, each trusted for `ttlMs`; misses are cached too (a flood of wrong keys is one read per key per TTL). */
class LookupCache<T> {
  readonly #entries = new Map<string, { value: T | undefined; until: number }>();
  readonly #ttlMs: number;
  readonly #load: (hash: string) => Promise<T | undefined>;

  constructor(ttlMs: number, load: (hash: string) => Promise<T | undefined>) {
    this.#ttlMs = ttlMs;
    this.#load = load;
  }

  async get(hash: string): Promise<T | undefined> {
    const now = performance.now();
    const cached = this.#entries.get(hash);
    if (cached !== undefined && cached.until > now) return cached.value;
    const value = await this.#load(hash);
    if (this.#entries.size >= MAX_CACHED) this.#entries.clear();
    this.#entries.set(hash, { value, until: now + this.#ttlMs });
    return value;
  }
}

/** The server side: which key (or webhook) a request's secret is, if any. */
export class ApiKeys {
  readonly #keys: LookupCache<ApiKeyRecord>;
  readonly #hooks: LookupCache<HookRecord>;

  constructor(store: ApiKeyStore, cacheMs = API_KEY_CACHE_MS) {
    this.#keys = new LookupCache(cacheMs, (hash) => store.findKey(hash));
    this.#hooks = new LookupCache(cacheMs, (hash) => store.findHook(hash));
  }

  /** The live key whose secret this is; undefined for anything else (revoked, unknown, malformed). */
  authenticate(key: string): Promise<ApiKeyRecord | undefined> {
    if (!key.startsWith(API_KEY_PREFIX)) return Promise.resolve(undefined);
    return this.#keys.get(hashSecret(key));
  }

  hook(secret: string): Promise<HookRecord | undefined> {
    if (!secret.startsWith(HOOK_SECRET_PREFIX)) return Promise.resolve(undefined);
    return this.#hooks.get(hashSecret(secret));
  }
}
