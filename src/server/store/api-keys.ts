// Where API keys and incoming webhooks live: in the same database as everything else, so every
// process of a cluster sees the same keys. Only hashes of the secrets are stored.
import type { UserRef } from '../../protocol/messages.js';

/** What a key may do on /api/v1 (docs/api.md). */
export type ApiScope = 'publish' | 'read' | 'admin';
export const API_SCOPES: readonly ApiScope[] = ['publish', 'read', 'admin'];

export interface ApiKeyRecord {
  id: string;
  name: string;
  scopes: ApiScope[];
  /** The bot user the key speaks as, when it was made for one. */
  bot?: UserRef;
  createdAt: number;
  /** Absent while the key works. */
  revokedAt?: number;
}

export interface NewApiKey extends ApiKeyRecord {
  /** SHA-256 of the key; the key itself is never stored. */
  keyHash: string;
}

/** An incoming webhook: whoever knows the secret may post to `room`. */
export interface HookRecord {
  id: string;
  room: string;
  /** Who the posts are from (a bot user). */
  bot: UserRef;
  createdAt: number;
}

export interface NewHook extends HookRecord {
  secretHash: string;
}

/**
 * Contract (test/contract/api-keys.contract.ts): `createKey` with a bot records the bot as a user
 * (kind 'bot') in the same write, so it can be invited and DMed; `findKey` answers only keys that
 * are not revoked; `revokeKey` resolves false for an unknown or already revoked id.
 */
export interface ApiKeyStore {
  createKey(key: NewApiKey): Promise<void>;
  findKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  listKeys(): Promise<ApiKeyRecord[]>;
  revokeKey(id: string, now: number): Promise<boolean>;
  createHook(hook: NewHook): Promise<void>;
  findHook(secretHash: string): Promise<HookRecord | undefined>;
  listHooks(): Promise<HookRecord[]>;
  deleteHook(id: string): Promise<boolean>;
  /** Ends every login session of the user (the admin API's "revoke sessions"); resolves their hashes. */
  endSessionsOf(userId: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Scopes as stored: a comma-separated list, read back keeping only known scopes. */
export function parseScopes(stored: string): ApiScope[] {
  return API_SCOPES.filter((scope) => stored.split(',').includes(scope));
}
