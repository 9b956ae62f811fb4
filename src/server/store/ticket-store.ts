// TicketStore: single-use tickets that let a connection other than the chat socket (a Yjs
// provider, an EventSource) prove who it is without a long-lived token in its URL. Stored in the
// database, so a ticket issued by one process of a cluster is redeemed by any other, once.
import type { UserRef } from '../../protocol/messages.js';

/** What a ticket stands for: one user, one room, until a time. */
export interface TicketRecord {
  user: UserRef;
  room: string;
  /** Ms since the epoch after which the ticket is worth nothing. */
  expiresAt: number;
}

export interface NewTicket extends TicketRecord {
  /** SHA-256 of the ticket; the ticket itself is never stored. */
  hash: string;
}

/**
 * Contract (test/contract/ticket-store.contract.ts): `redeemTicket` takes the ticket out of the
 * store in one write, so of any number of concurrent redeemers (on any process) exactly one gets
 * the record; an expired ticket answers undefined (and is gone too). `issueTicket` also drops
 * tickets that expired by `now`, so the table holds only live ones.
 */
export interface TicketStore {
  issueTicket(ticket: NewTicket, now: number): Promise<void>;
  redeemTicket(hash: string, now: number): Promise<TicketRecord | undefined>;
}
