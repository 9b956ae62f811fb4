// The TicketStore contract (store/ticket-store.ts), run by sqlite-collab.test.ts and postgres-collab.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CollabStore } from '../../src/server/store/doc-store.js';
import type { NewTicket } from '../../src/server/store/ticket-store.js';
import { freshCollabPerTest, type CollabFixture, type MakeCollabFixture } from './collab-fixture.js';

const NOW = 1_700_000_000_000;
const ticket = (hash: string, extra: Partial<NewTicket> = {}): NewTicket => ({
  hash,
  room: 'general',
  user: { id: 'u_ada', name: 'ada' },
  expiresAt: NOW + 60_000,
  ...extra,
});

export function runTicketStoreContract(name: string, makeFixture: MakeCollabFixture, options: { skip?: string | undefined } = {}): void {
  describe(`TicketStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: CollabFixture;
    let store: CollabStore;
    freshCollabPerTest(makeFixture, (f, s) => {
      fixture = f;
      store = s;
    });

    test('a ticket is redeemed once, with its user and room', async () => {
      await store.issueTicket(ticket('h1'), NOW);
      assert.deepEqual(await store.redeemTicket('h1', NOW + 1), { room: 'general', user: { id: 'u_ada', name: 'ada' }, expiresAt: NOW + 60_000 });
      assert.equal(await store.redeemTicket('h1', NOW + 2), undefined, 'used');
      assert.equal(await store.redeemTicket('never-issued', NOW), undefined);
    });

    test('an expired ticket is worth nothing, and issuing drops the expired', async () => {
      await store.issueTicket(ticket('old', { expiresAt: NOW + 10 }), NOW);
      assert.equal(await store.redeemTicket('old', NOW + 10), undefined, 'expired at its expiry');
      await store.issueTicket(ticket('old2', { expiresAt: NOW + 10 }), NOW);
      await store.issueTicket(ticket('new'), NOW + 20);
      assert.equal(await store.redeemTicket('old2', NOW), undefined, 'dropped by the later issue, even asked with an earlier clock');
      assert.ok(await store.redeemTicket('new', NOW + 21));
    });

    test('of many redeemers at once, on two connections, exactly one gets the ticket', async () => {
      const other = await fixture.open();
      try {
        for (let round = 0; round < 5; round++) {
          await store.issueTicket(ticket(`race${round}`), NOW);
          const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? store : other).redeemTicket(`race${round}`, NOW + 1)));
          assert.equal(answers.filter((answer) => answer !== undefined).length, 1, `round ${round}`);
        }
      } finally {
        await other.close();
      }
    });
  });
}
