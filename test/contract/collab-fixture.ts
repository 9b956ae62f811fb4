// What the ticket and document contracts run on: a fresh database, on which a collaboration store
// can be opened more than once (two processes of a cluster).
import { beforeEach, afterEach } from 'node:test';
import type { CollabStore } from '../../src/server/store/doc-store.js';

export interface CollabFixture {
  open(): Promise<CollabStore>;
  dispose(): Promise<void>;
}

export type MakeCollabFixture = () => Promise<CollabFixture>;

/**
 * Inside a describe: a fresh database and a store opened on it before every test, both closed
 * after it; `use` is handed them for the test to read.
 */
export function freshCollabPerTest(makeFixture: MakeCollabFixture, use: (fixture: CollabFixture, store: CollabStore) => void): void {
  let current: { fixture: CollabFixture; store: CollabStore } | undefined;
  beforeEach(async () => {
    const fixture = await makeFixture();
    current = { fixture, store: await fixture.open() };
    use(current.fixture, current.store);
  });
  afterEach(async () => {
    if (current === undefined) return;
    await current.store.close();
    await current.fixture.dispose();
    current = undefined;
  });
}
