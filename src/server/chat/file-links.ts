// Download links: the bytes of a file are fetched with a URL that names its reader and expires
// soon (an HMAC with the server's secret over file, variant, user, login session and expiry), not
// with a token that lasts. An <img> cannot send an Authorization header, and a link that leaks
// (a log, a copied URL) works for minutes, for that reader, and only while the reader may still
// read the room: every download checks the room again (files.ts).
import { createHmac, timingSafeEqual } from 'node:crypto';

export type FileVariant = 'file' | 'thumb';

/** Who a link was made for: a user, and for an account its login session (so a logout ends it). */
export interface LinkReader {
  user: string;
  session?: string;
}

/** The query parameters of a link. */
export interface LinkQuery {
  u?: string | undefined;
  s?: string | undefined;
  e?: string | undefined;
  sig?: string | undefined;
}

export class FileLinks {
  readonly #secret: Buffer;
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(secret: Buffer, ttlMs: number, now: () => number = Date.now) {
    this.#secret = secret;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** The path and query of a link to `variant` of `fileId` for `reader`, and when it expires. */
  make(fileId: string, variant: FileVariant, reader: LinkReader): { url: string; expiresAt: number } {
    const expiresAt = this.#now() + this.#ttlMs;
    const query = new URLSearchParams({ u: reader.user, s: reader.session ?? '', e: String(expiresAt) });
    query.set('sig', this.#sign(fileId, variant, reader.user, reader.session ?? '', expiresAt));
    const path = variant === 'thumb' ? `/files/${encodeURIComponent(fileId)}/thumb` : `/files/${encodeURIComponent(fileId)}`;
    return { url: `${path}?${query.toString()}`, expiresAt };
  }

  /** The reader a genuine, unexpired link names, or undefined. */
  check(fileId: string, variant: FileVariant, query: LinkQuery): LinkReader | undefined {
    const { u: user, s: session = '', e, sig } = query;
    if (user === undefined || e === undefined || sig === undefined || !/^\d{1,16}$/.test(e)) return undefined;
    const expiresAt = Number(e);
    if (expiresAt < this.#now()) return undefined;
    const given = Buffer.from(sig);
    const expected = Buffer.from(this.#sign(fileId, variant, user, session, expiresAt));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    return session === '' ? { user } : { user, session };
  }

  #sign(fileId: string, variant: FileVariant, user: string, session: string, expiresAt: number): string {
    // NUL-separated: no field can contain one (ids and hashes are printable), so no two tuples sign alike.
    return createHmac('sha256', this.#secret)
      .update(`file-link\u0000${fileId}\u0000${variant}\u0000${user}\u0000${session}\u0000${expiresAt}`)
      .digest('base64url');
  }
}
