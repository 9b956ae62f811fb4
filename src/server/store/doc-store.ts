// DocStore: a room's shared Yjs document as the database keeps it: a snapshot (the merged state up
// to some point) and the updates appended after it, each durable before it is relayed
// (docs/collaboration.md); named versions; and whether moderators locked it read-only.
import type { TicketStore } from './ticket-store.js';

/** One stored update, in append order within its room. */
export interface StoredUpdate {
  id: number;
  update: Uint8Array;
}

/** Everything stored of a document: its snapshot, if compacted once, then the updates after it. */
export interface StoredDoc {
  snapshot: Uint8Array | undefined;
  updates: StoredUpdate[];
  /** Bytes of the snapshot and the updates together. */
  bytes: number;
}

export interface VersionInfo {
  id: number;
  name: string;
  /** Who saved it (a user id), or "auto" for a periodic one. */
  by: string;
  createdAt: number;
  bytes: number;
}

/**
 * Contract (test/contract/doc-store.contract.ts): `appendUpdate` resolves once the update is
 * durable, with an id above every earlier id of any room; `loadDoc` answers the snapshot and every
 * update not compacted, ascending by id. `compact` is one write: the snapshot becomes
 * `merge(current snapshot)` and exactly the updates `ids` go (updates appended meanwhile stay), so
 * two processes compacting at once lose nothing as long as `merge` keeps what it is given.
 * Versions are kept per room until the room is dropped.
 */
export interface DocStore {
  appendUpdate(room: string, update: Uint8Array, now: number): Promise<number>;
  loadDoc(room: string): Promise<StoredDoc>;
  /** The updates with an id above `after` (a process catching up on what its broker missed). */
  updatesAfter(room: string, after: number): Promise<StoredUpdate[]>;
  compact(room: string, ids: readonly number[], merge: (current: Uint8Array | undefined) => Uint8Array, now: number): Promise<void>;
  saveVersion(room: string, name: string, state: Uint8Array, by: string, now: number): Promise<number>;
  listVersions(room: string): Promise<VersionInfo[]>;
  version(room: string, id: number): Promise<Uint8Array | undefined>;
  setDocLocked(room: string, locked: boolean): Promise<void>;
  docLocked(room: string): Promise<boolean>;
  /** Drops the room's document, versions and lock (the room was deleted). */
  dropDoc(room: string): Promise<void>;
}

/** Both collaboration stores, as one engine class implements them on its own connection. */
export interface CollabStore extends DocStore, TicketStore {
  close(): Promise<void>;
}
