// Unguessable ids (connections, guests, messages) from the CSPRNG, cut from a pool refilled 4 KiB
// at a time: one crypto call per id showed up in profiles of connection set-up and of storing.
import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let offset = 0;

/** `bytes` random bytes as base64url (16 characters for 12 bytes, 22 for 16). */
export function randomId(bytes: number): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString('base64url');
  if (offset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + bytes);
  // Each byte is handed out once.
  offset += bytes;
  return id;
}
