// Guests: a nickname and a server-made user id. The id comes back to the client as a signed
// `resume` token so that a reconnecting guest is the same user (its retried sends dedupe by cid,
// its presence does not flicker) without any account.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { randomId } from '../random-id.js';
import type { UserRef } from '../../protocol/messages.js';

export interface GuestIdentity {
  user: UserRef;
  resume: string;
}

export class GuestIssuer {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  /** A guest named `nick`: the user of `resume` when that token is genuine, else a new user. */
  issue(nick: string, resume?: string): GuestIdentity {
    const id = (resume !== undefined ? this.#verify(resume) : undefined) ?? `g_${randomId(12)}`;
    return { user: { id, name: nick }, resume: `${id}.${this.#sign(id)}` };
  }

  /** The guest user id a genuine resume token names, or undefined. */
  idOf(resume: string): string | undefined {
    return this.#verify(resume);
  }

  #sign(id: string): string {
    return createHmac('sha256', this.#secret).update(`guest:${id}`).digest('base64url');
  }

  #verify(token: string): string | undefined {
    const dot = token.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const id = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.#sign(id));
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }
}
