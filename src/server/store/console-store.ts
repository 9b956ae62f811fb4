// ConsoleStore: what the admin console keeps beyond chat: who is a server admin, the audit log of
// every admin and moderator act, which accounts are disabled, and the whole-server lists of rooms
// and users an admin searches. Written by the CLI (`parley admin`) and by the server, read on
// admin requests only, never on the message path.
import type { UserKind, UserRef } from '../../protocol/messages.js';

export interface AdminRecord {
  user: UserRef;
  grantedAt: number;
  /** Who granted it: a user id, or `cli` for `parley admin grant`. */
  grantedBy: string;
}

export interface NewAuditEntry {
  at: number;
  actor: UserRef;
  /** What was done, e.g. `room.ban`, `user.disable`, `admin.grant`. */
  action: string;
  room?: string;
  /** The user acted on, if any. */
  target?: string;
  /** Anything else worth keeping (a mute's length, a new owner), as short text. */
  detail?: string;
}

export interface AuditEntry extends NewAuditEntry {
  /** Grows with every entry: `before` pages back from one. */
  id: number;
}

export interface UserListing {
  user: UserRef;
  kind: UserKind;
  createdAt: number;
  seenAt: number;
  /** When the account was disabled; absent when it is not. */
  disabledAt?: number;
}

export interface RoomListing {
  room: string;
  private: boolean;
  archived: boolean;
  /** The room's latest seq: how many messages it has had. */
  seq: number;
  /** Users who joined it and have not left (every device). */
  joined: number;
  owner?: string;
  createdAt: number;
  activeAt: number;
}

export interface Restriction {
  room: string;
  kind: 'ban' | 'mute';
  /** A ban: since when; a mute: until when (ms since the epoch). */
  at: number;
}

/** A search over names: `search` is a part of the name (any case), `limit` at most 200. */
export interface ListQuery {
  search?: string;
  limit: number;
}

/** Contract: test/contract/console-store.contract.ts, on every implementation. */
export interface ConsoleStore {
  /** Makes the user a server admin; false when it was one already. */
  grantAdmin(userId: string, by: string, now: number): Promise<boolean>;
  /** false when the user was not an admin. */
  revokeAdmin(userId: string): Promise<boolean>;
  listAdmins(): Promise<AdminRecord[]>;
  isAdmin(userId: string): Promise<boolean>;
  /** The account with this username (any case), or else the user with this id. */
  resolveUser(nameOrId: string): Promise<UserRef | undefined>;

  recordAudit(entry: NewAuditEntry): Promise<void>;
  /** Newest first, `limit` entries with an id below `before` (all when absent). */
  auditLog(options: { before?: number; limit: number }): Promise<AuditEntry[]>;

  /** Users whose name (or id) contains `search`, most recently seen first. */
  listUsers(query: ListQuery & { kind?: UserKind }): Promise<UserListing[]>;
  /** Rooms (DMs left out) whose name contains `search`, most recently active first. */
  listRooms(query: ListQuery): Promise<RoomListing[]>;
  /** Disables (at `at`) or enables (null) an account; false for a user that is no account. */
  setDisabled(userId: string, at: number | null): Promise<boolean>;
  isDisabled(userId: string): Promise<boolean>;
  /** Makes `userId` the room's owner; a previous owner becomes a moderator. False for no such room or DM. */
  setOwner(room: string, userId: string, now: number): Promise<boolean>;
  /** Every room the user is banned from or muted in (mutes that have not ended at `now`). */
  restrictionsOf(userId: string, now: number): Promise<Restriction[]>;
  /** Replaces an account's password hash; false for a user that is no account. */
  setPasswordHash(userId: string, passwordHash: string): Promise<boolean>;

  close(): Promise<void>;
}
