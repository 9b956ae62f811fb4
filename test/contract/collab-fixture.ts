// What the ticket and document contracts run on: a fresh database, on which a collaboration store
// can be opened more than once (two processes of a cluster).
import type { CollabStore } from '../../src/server/store/doc-store.js';

export interface CollabFixture {
  open(): Promise<CollabStore>;
  dispose(): Promise<void>;
}

export type MakeCollabFixture = () => Promise<CollabFixture>;
