// Standard Webhooks signing (https://www.standardwebhooks.com): a secret `whsec_<base64>` of 24
// random bytes; each delivery carries `webhook-signature: v1,<base64 HMAC-SHA256>` over
// `${webhook-id}.${webhook-timestamp}.${body}`, keyed with the secret's decoded bytes. Any Standard
// Webhooks library verifies it (the tests use the spec authors' `standardwebhooks` package).
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

export function signature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}
