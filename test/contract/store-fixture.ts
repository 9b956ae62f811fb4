// What every store contract suite runs on: a fresh database per test, opened as the whole Store an
// engine implements (each suite states one narrow interface, and sets its scene with the others).
import { describe, beforeEach, afterEach } from 'node:test';
import type { Store } from '../../src/server/store/store.js';
import type { NewMessage } from '../../src/server/store/message-store.js';
import type { UserRef } from '../../src/protocol/messages.js';

/** A fresh, empty database for one test, which may be opened several times (as several processes would). */
export interface StoreFixture {
  /** Opens a Store on this fixture's database. */
  open(): Promise<Store>;
  /**
   * The previous texts the edit path kept for a message, oldest first, read with the engine's own
   * SQL: no production code reads them, so the Store has no method for it.
   */
  storedRevisions(room: string, seq: number): Promise<{ text: string; editedAt: number }[]>;
  /** Removes the database; every store opened on it has been closed. */
  dispose(): Promise<void>;
}

export type MakeFixture = () => Promise<StoreFixture>;

export interface ContractOptions {
  skip?: string | undefined;
}

/** The suite's view of its test's database: the store opened first, and a way to open more. */
export interface ContractScene {
  readonly store: Store;
  readonly fixture: StoreFixture;
  open(): Promise<Store>;
}

export const ada: UserRef = { id: 'u_ada', name: 'ada' };
export const bob: UserRef = { id: 'u_bob', name: 'bob' };

export const msg = (room: string, cid: string, from: UserRef = ada, text = `text of ${cid}`): NewMessage => ({
  room,
  cid,
  from,
  text,
  ts: 1_700_000_000_000,
});

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A describe block whose every test gets a fresh database; every store it opened is closed after. */
export function describeContract(title: string, makeFixture: MakeFixture, options: ContractOptions, body: (scene: ContractScene) => void): void {
  describe(title, { skip: options.skip ?? false }, () => {
    let fixture: StoreFixture | undefined;
    let store: Store | undefined;
    const opened: Store[] = [];
    const open = async (): Promise<Store> => {
      if (fixture === undefined) throw new Error('no fixture outside a test');
      const s = await fixture.open();
      opened.push(s);
      return s;
    };
    beforeEach(async () => {
      fixture = await makeFixture();
      store = await open();
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
      await fixture?.dispose();
    });
    body({
      get store(): Store {
        if (store === undefined) throw new Error('no store outside a test');
        return store;
      },
      get fixture(): StoreFixture {
        if (fixture === undefined) throw new Error('no fixture outside a test');
        return fixture;
      },
      open,
    });
  });
}
