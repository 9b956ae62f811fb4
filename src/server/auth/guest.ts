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

/**
 * `g_`, the time in base 36 (8 characters, so ids sort by creation until 2059), then 72 random bits.
 * Ids that sort by time are written at the right edge of every B-tree keyed by user id (users,
 * joined_rooms): a burst of new guests dirties a few pages per commit instead of one page per guest
 * per index, which made the store most of a connection set-up. The id is public (everyone in a room
 * sees it); what makes a guest that user is the signed `resume` token, not the id.
 */
export function newGuestId(now = Date.now()): string {
  return `g_${now.toString(36).padStart(8, '0')}${randomId(9)}`;
}

export class GuestIssuer {
  readonly #secret: Buffer;

  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  /** A guest named `nick`: the user of `resume` when that token is genuine, else a new user. */
  issue(nick: string, resume?: string): GuestIdentity {
    const known = resume !== undefined ? this.#verify(resume) : undefined;
    // A genuine token is the one the id would be signed with again: handed back as it is.
    if (known !== undefined && resume !== undefined) return { user: { id: known, name: nick }, resume };
    const id = newGuestId();
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
