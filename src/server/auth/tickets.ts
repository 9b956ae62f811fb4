// Tickets: how a connection that cannot say hello (a stock Yjs provider, an EventSource) proves
// who it is. A client that is signed in on the chat socket (or a server API key) asks for one; the
// other connection puts it in its URL, where a long-lived token must never go. A ticket is 32
// random bytes, stored as its SHA-256, bound to one user and one room, good for one redemption
// within TICKET_TTL_MS, on any process of a cluster (store/ticket-store.ts says how that holds).
import { createHash, randomBytes } from 'node:crypto';
import type { UserRef } from '../../protocol/messages.js';
import type { TicketStore } from '../store/ticket-store.js';

export type { TicketStore } from '../store/ticket-store.js';

export const TICKET_PREFIX = 'tk_';
export const TICKET_TTL_MS = 60_000;

/** Why a ticket was not accepted: `invalid` covers unknown, used and expired alike (no oracle). */
export class TicketRefused extends Error {
  override readonly name = 'TicketRefused';
  readonly code: 'invalid' | 'wrong_room';
  constructor(code: 'invalid' | 'wrong_room', message: string) {
    super(message);
    this.code = code;
  }
}

export interface IssuedTicket {
  ticket: string;
  expiresAt: number;
}

export class Tickets {
  readonly #store: TicketStore;
  readonly #now: () => number;

  constructor(store: TicketStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  async issue(user: UserRef, room: string): Promise<IssuedTicket> {
    const ticket = `${TICKET_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.#now();
    const expiresAt = now + TICKET_TTL_MS;
    await this.#store.issueTicket({ hash: hashTicket(ticket), user, room, expiresAt }, now);
    return { ticket, expiresAt };
  }

  /**
   * The user the ticket was issued to, when it is live and for `room`; it is used up either way, so
   * a ticket tried against the wrong room cannot be tried again against the right one.
   */
  async redeem(ticket: string, room: string): Promise<UserRef> {
    if (!ticket.startsWith(TICKET_PREFIX) || ticket.length > 100) throw new TicketRefused('invalid', 'the ticket is unknown, used or expired');
    const record = await this.#store.redeemTicket(hashTicket(ticket), this.#now());
    if (record === undefined) throw new TicketRefused('invalid', 'the ticket is unknown, used or expired');
    if (record.room !== room) throw new TicketRefused('wrong_room', `the ticket is for another room than ${room}`);
    return record.user;
  }
}

function hashTicket(ticket: string): string {
  return createHash('sha256').update(ticket).digest('base64url');
}
