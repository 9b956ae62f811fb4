// Login session tokens: 32 random bytes, handed to the client once. The store keeps only their
// SHA-256, so a leaked database does not hold usable tokens; a hash (not argon2) is enough because
// the token has 256 bits of entropy, and it lets a token be looked up by equality.
import { createHash, randomBytes } from 'node:crypto';

/** Prefix that tells a Parley session token from a JWT (which always has dots) in `hello {token}`. */
const PREFIX = 'pst_';

export function newSessionToken(): { token: string; tokenHash: string } {
  const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
  return { token, tokenHash: hashSessionToken(token) };
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** A JWT has three dot-separated parts; a session token has none. */
export function looksLikeJwt(token: string): boolean {
  return token.includes('.');
}
