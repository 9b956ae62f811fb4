// The WebhookStore contract (store/webhook-store.ts), with the chat Store beside it on the same
// database: the events are recorded by the Store's own writes (sqlite-webhooks.test.ts,
// postgres-webhooks.test.ts).
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { LoggedAttempt, NewWebhookSubscription, OutboxEntry, WebhookStore } from '../../src/server/store/webhook-store.js';
import { DELIVERY_ERROR_MAX, DELIVERY_LOG_KEEP } from '../../src/protocol/webhooks.js';
import type { Store } from '../../src/server/store/store.js';

export interface WebhooksFixture {
  open(): Promise<{ store: Store; hooks: WebhookStore }>;
  dispose(): Promise<void>;
}

const ada = { id: 'u_ada', name: 'ada' };

const subscription = (id: string, extra: Partial<NewWebhookSubscription> = {}): NewWebhookSubscription => ({
  id,
  owner: 'k_owner',
  url: `https://example.com/${id}`,
  events: ['message.created'],
  secret: `whsec_${id}`,
  createdAt: 1_700_000_000_000,
  ...extra,
});

/** An attempt at `entry` as the delivery worker logs it. */
const attemptAt = (entry: OutboxEntry, extra: Partial<LoggedAttempt> = {}): LoggedAttempt => ({
  eventId: entry.eventId,
  type: entry.type,
  attempt: entry.attempts + 1,
  at: 1_000 + entry.id,
  status: 200,
  ok: true,
  latencyMs: 12,
  payload: entry.payload,
  createdAt: entry.createdAt,
  ...extra,
});

/** A logged attempt at a made-up event `n` (with no status unless `extra` has one). */
const attemptNo = (n: number, extra: Partial<LoggedAttempt> = {}): LoggedAttempt => ({
  eventId: `msg_${String(n).padStart(32, '0')}`,
  type: 'message.created',
  attempt: 1,
  at: n,
  ok: true,
  latencyMs: n,
  payload: JSON.stringify({ n }),
  createdAt: n,
  ...extra,
});

export function runWebhookStoreContract(name: string, makeFixture: () => Promise<WebhooksFixture>, options: { skip?: string | undefined } = {}): void {
  describe(`WebhookStore contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: WebhooksFixture;
    let store: Store;
    let hooks: WebhookStore;

    beforeEach(async () => {
      fixture = await makeFixture();
      ({ store, hooks } = await fixture.open());
    });
    afterEach(async () => {
      await hooks.close();
      await store.close();
      await fixture.dispose();
    });

    const logOne = (subscriptionId: string, attempt: LoggedAttempt, keep: number): Promise<void> => hooks.logAttempts([{ subscriptionId, attempt }], keep);

    /** Every queued event of a subscription, in order, taking each as delivered. */
    async function drain(id: string): Promise<{ type: string; data: Record<string, unknown>; eventId: string }[]> {
      const seen = [];
      for (let entry = await hooks.head(id); entry !== undefined; entry = await hooks.head(id)) {
        seen.push({ type: entry.type, data: JSON.parse(entry.payload) as Record<string, unknown>, eventId: entry.eventId });
        await hooks.delivered(entry.id);
      }
      return seen;
    }

    test('subscriptions are bounded, and listed, deleted and enabled by their owner only', async () => {
      assert.equal(await hooks.createSubscription(subscription('w1'), 2), true);
      assert.equal(await hooks.createSubscription(subscription('w2', { owner: 'k_other', events: ['room.created', 'member.left'] }), 2), true);
      assert.equal(await hooks.createSubscription(subscription('w3'), 2), false, 'the bound counts every owner');
      const [mine] = await hooks.listSubscriptions('k_owner');
      assert.deepEqual(mine, {
        id: 'w1',
        owner: 'k_owner',
        url: 'https://example.com/w1',
        events: ['message.created'],
        enabled: true,
        createdAt: 1_700_000_000_000,
      });
      assert.deepEqual(
        (await hooks.listSubscriptions('k_other')).map((s) => s.events),
        [['member.left', 'room.created']],
      );
      assert.deepEqual(
        (await hooks.listAllSubscriptions()).map((s) => [s.id, s.owner]),
        [
          ['w1', 'k_owner'],
          ['w2', 'k_other'],
        ],
        "every key's, for the console",
      );
      assert.equal(await hooks.deleteSubscription('w2', 'k_owner'), false, "another key's subscription");
      assert.equal(await hooks.enableSubscription('w2', 'k_owner', 1), false);
      assert.equal(await hooks.deleteSubscription('w2', 'k_other'), true);
      assert.equal(await hooks.deleteSubscription('w2', 'k_other'), false);
      assert.deepEqual(await hooks.listSubscriptions('k_other'), []);
    });

    test('every event type is recorded, in order, by the write that causes it, for its subscribers only', async () => {
      await hooks.createSubscription(
        subscription('all', {
          events: ['message.created', 'message.edited', 'message.deleted', 'reaction.changed', 'member.joined', 'member.left', 'room.created'],
        }),
        10,
      );
      await hooks.createSubscription(subscription('joins', { events: ['member.joined'] }), 10);
      await store.recordUser(ada, 'guest', 1);
      await store.ensureRoom('lobby', 10, ada.id);
      await store.ensureRoom('lobby', 11, ada.id); // exists: no event
      await store.markJoined('lobby', ada.id, 12);
      await store.markJoined('lobby', ada.id, 13); // joined already: no event
      const { message } = await store.append({ room: 'lobby', cid: 'c1', from: ada, text: 'hello', ts: 14 });
      await store.append({ room: 'lobby', cid: 'c1', from: ada, text: 'hello', ts: 15 }); // a duplicate: no event
      await store.editMessage('lobby', message.seq, 'hello!', 16);
      await store.react('lobby', message.seq, ada.id, '👍', true, 17, 20);
      await store.react('lobby', message.seq, ada.id, '👍', true, 18, 20); // no change: no event
      await store.deleteMessage('lobby', message.seq, 19);
      await store.createRoom({ room: 'staff', owner: ada.id, private: true, now: 20 });
      await store.openDm('dm:u_ada:u_bob', [ada.id, 'u_bob'], 21);
      await store.markLeft('lobby', ada.id, 22);
      const events = await drain('all');
      assert.deepEqual(
        events.map((e) => e.type),
        [
          'room.created',
          'member.joined',
          'message.created',
          'message.edited',
          'reaction.changed',
          'message.deleted',
          'room.created',
          'room.created',
          'member.left',
        ],
      );
      assert.deepEqual(events[0]?.data, { room: 'lobby', kind: 'room', private: false, by: ada.id });
      assert.deepEqual(events[2]?.data, { room: 'lobby', seq: 1, msgId: message.msgId, cid: 'c1', from: ada, text: 'hello', ts: 14 });
      assert.deepEqual(events[3]?.data, { room: 'lobby', seq: 1, text: 'hello!', editedAt: 16 });
      assert.deepEqual(events[4]?.data, { room: 'lobby', seq: 1, user: ada.id, emoji: '👍', on: true, count: 1 });
      assert.deepEqual(events[5]?.data, { room: 'lobby', seq: 1, deletedAt: 19 });
      assert.deepEqual(events[6]?.data, { room: 'staff', kind: 'room', private: true, by: ada.id });
      assert.deepEqual(events[7]?.data, { room: 'dm:u_ada:u_bob', kind: 'dm', private: true, by: ada.id });
      assert.deepEqual(events[8]?.data, { room: 'lobby', user: ada.id });
      assert.equal(new Set(events.map((e) => e.eventId)).size, events.length, 'each event has its own webhook-id');
      assert.match(events[0]?.eventId ?? '', /^msg_[0-9a-f]{32}$/);
      assert.deepEqual(
        (await drain('joins')).map((e) => e.type),
        ['member.joined'],
      );
    });

    test('a disabled subscription records nothing; enabling makes its first event due again', async () => {
      await hooks.createSubscription(subscription('w'), 10);
      await store.append({ room: 'r', cid: 'a', from: ada, text: 'one', ts: 1 });
      const first = await hooks.head('w');
      assert.ok(first);
      await hooks.retryLater(first.id, 3, 9_999_999_999_999);
      assert.equal(await hooks.disable('w', 'failing'), true);
      assert.equal(await hooks.disable('w', 'failing'), false, 'already disabled');
      assert.equal((await hooks.listSubscriptions('k_owner'))[0]?.disabledReason, 'failing');
      await store.append({ room: 'r', cid: 'b', from: ada, text: 'two', ts: 2 });
      assert.deepEqual(await hooks.claim('worker', 100, 1000, 10), [], 'disabled: nothing to claim');
      assert.equal(await hooks.enableSubscription('w', 'k_owner', 50), true);
      assert.deepEqual(await hooks.head('w'), { ...first, attempts: 0, nextAt: 50 });
      assert.deepEqual(await hooks.depth(), new Map([['w', 1]]), 'the message sent while disabled was not queued');
    });

    test('a lease gives a subscription to one worker until it passes; a failure moves the next attempt', async () => {
      await hooks.createSubscription(subscription('w'), 10);
      await hooks.createSubscription(subscription('idle', { events: ['member.left'] }), 10);
      assert.deepEqual(await hooks.claim('a', 100, 1000, 10), [], 'no due event');
      await store.append({ room: 'r', cid: 'a', from: ada, text: 'one', ts: 50 });
      const claimed = await hooks.claim('a', 100, 1000, 10);
      assert.deepEqual(claimed, [{ id: 'w', url: 'https://example.com/w', secret: 'whsec_w' }]);
      assert.deepEqual(await hooks.claim('b', 500, 1000, 10), [], 'leased to a');
      assert.equal(await hooks.extendLease('w', 'a', 1500), true);
      assert.deepEqual(await hooks.claim('b', 1200, 1000, 10), [], 'the lease was moved on');
      assert.equal((await hooks.claim('b', 1600, 1000, 10)).length, 1, 'a lease that passed is taken over');
      assert.equal(await hooks.extendLease('w', 'a', 5000), false, 'a no longer holds it');
      const entry = await hooks.head('w');
      assert.ok(entry);
      await hooks.retryLater(entry.id, 1, 10_000);
      await hooks.release('w', 'b');
      assert.deepEqual(await hooks.claim('b', 9_999, 1000, 10), [], 'not due before its next attempt');
      assert.equal((await hooks.claim('b', 10_000, 1000, 10)).length, 1);
      assert.equal((await hooks.head('w'))?.attempts, 1);
      await hooks.delivered(entry.id);
      assert.equal(await hooks.head('w'), undefined);
      assert.deepEqual(await hooks.depth(), new Map());
    });

    test('a subscription made while the store runs gets the events after it, none before', async () => {
      await store.append({ room: 'r', cid: 'before', from: ada, text: 'nobody listens', ts: 1 });
      await hooks.createSubscription(subscription('late'), 10);
      await store.append({ room: 'r', cid: 'after', from: ada, text: 'now someone does', ts: 2 });
      assert.deepEqual(
        (await drain('late')).map((e) => e.data['cid']),
        ['after'],
      );
      await hooks.disable('late', 'failing');
      await store.append({ room: 'r', cid: 'disabled', from: ada, text: 'nobody again', ts: 3 });
      assert.deepEqual(await hooks.depth(), new Map());
    });

    test('deleting a subscription drops its queue and its delivery log', async () => {
      await hooks.createSubscription(subscription('w'), 10);
      await store.append({ room: 'r', cid: 'a', from: ada, text: 'one', ts: 1 });
      assert.deepEqual(await hooks.depth(), new Map([['w', 1]]));
      await logOne('w', attemptNo(1), 10);
      await hooks.deleteSubscription('w', 'k_owner');
      assert.deepEqual(await hooks.depth(), new Map());
      assert.deepEqual(await hooks.deliveries('w', 10), []);
      // One made again under the same id starts with an empty log.
      await hooks.createSubscription(subscription('w'), 10);
      assert.deepEqual(await hooks.deliveries('w', 10), []);
      // An attempt that ends after its subscription was deleted is not logged (nothing would ever drop it).
      await logOne('gone', attemptNo(2), 10);
      assert.deepEqual(await hooks.deliveries('gone', 10), []);
    });

    test('each attempt is logged, newest first, the newest `keep` kept per subscription; errors are cut short', async () => {
      await hooks.createSubscription(subscription('w'), 10);
      await hooks.createSubscription(subscription('v'), 10);
      await logOne('w', attemptNo(1, { ok: false, status: 500, error: 'the receiver answered 500' }), 3);
      await logOne('w', attemptNo(1, { attempt: 2, at: 2, ok: false, error: 'x'.repeat(100_000) }), 3);
      await logOne('v', attemptNo(9), 3);
      const [newest, first] = await hooks.deliveries('w', 10);
      assert.deepEqual(first, {
        eventId: attemptNo(1).eventId,
        type: 'message.created',
        attempt: 1,
        at: 1,
        status: 500,
        ok: false,
        latencyMs: 1,
        error: 'the receiver answered 500',
      });
      assert.equal(newest?.status, undefined, 'no answer, no status');
      assert.equal(newest?.attempt, 2);
      assert.equal(newest?.error, 'x'.repeat(DELIVERY_ERROR_MAX), 'a huge error text is cut');
      for (let n = 2; n <= 5; n++) await logOne('w', attemptNo(n, { latencyMs: n + 0.6 }), 3);
      assert.deepEqual(
        (await hooks.deliveries('w', 10)).map((d) => [d.at, d.latencyMs, d.ok]),
        [
          [5, 6, true],
          [4, 5, true],
          [3, 4, true],
        ],
        'the newest 3, latency in whole ms',
      );
      assert.equal((await hooks.deliveries('w', 2)).length, 2, 'limit');
      assert.deepEqual(
        (await hooks.deliveries('v', 10)).map((d) => d.at),
        [9],
        "another subscription's log is its own",
      );
    });

    test("one write logs a batch of several subscriptions' attempts in order, each log cut to its newest `keep`", async () => {
      await hooks.createSubscription(subscription('w'), 10);
      await hooks.createSubscription(subscription('v'), 10);
      await logOne('w', attemptNo(1), 3);
      await logOne('w', attemptNo(2), 3);
      await hooks.logAttempts(
        [
          { subscriptionId: 'w', attempt: attemptNo(3) },
          { subscriptionId: 'v', attempt: attemptNo(4) },
          { subscriptionId: 'gone', attempt: attemptNo(5) },
          { subscriptionId: 'w', attempt: attemptNo(6) },
          { subscriptionId: 'v', attempt: attemptNo(7) },
        ],
        3,
      );
      const at = async (id: string): Promise<number[]> => (await hooks.deliveries(id, 10)).map((d) => d.at);
      assert.deepEqual(await at('w'), [6, 3, 2], "the batch's two and the newest old one");
      assert.deepEqual(await at('v'), [7, 4]);
      assert.deepEqual(await at('gone'), [], 'not for a subscription that does not exist');
      // A batch with more of one subscription's attempts than the bound keeps their newest.
      await hooks.logAttempts(
        Array.from({ length: 5 }, (_, i) => ({ subscriptionId: 'w', attempt: attemptNo(10 + i) })),
        3,
      );
      assert.deepEqual(await at('w'), [14, 13, 12]);
      assert.deepEqual(await at('v'), [7, 4], 'untouched');
      await hooks.logAttempts([], 3);
    });

    test('the log lists attempts newest first by their time, though a later one was written first', async () => {
      // Two processes' batches: the one that delivered a subscription's next event may write first.
      await hooks.createSubscription(subscription('w'), 10);
      await hooks.logAttempts([{ subscriptionId: 'w', attempt: attemptNo(1) }], 10);
      await hooks.logAttempts([{ subscriptionId: 'w', attempt: attemptNo(3) }], 10);
      await hooks.logAttempts([{ subscriptionId: 'w', attempt: attemptNo(2) }], 10);
      assert.deepEqual(
        (await hooks.deliveries('w', 10)).map((d) => d.at),
        [3, 2, 1],
      );
    });

    test(`the log keeps the newest ${DELIVERY_LOG_KEEP} attempts of a busy subscription`, async () => {
      await hooks.createSubscription(subscription('w'), 10);
      for (let n = 1; n <= DELIVERY_LOG_KEEP + 5; n++) await logOne('w', attemptNo(n), DELIVERY_LOG_KEEP);
      const log = await hooks.deliveries('w', DELIVERY_LOG_KEEP + 10);
      assert.equal(log.length, DELIVERY_LOG_KEEP);
      assert.equal(log[0]?.at, DELIVERY_LOG_KEEP + 5);
      assert.equal(log.at(-1)?.at, 6);
      assert.equal(await hooks.resend('w', attemptNo(5).eventId, 1), 'no_event', 'a pruned event cannot be sent again');
      assert.equal(await hooks.resend('w', attemptNo(6).eventId, 1), 'queued');
    });

    test('resend queues a logged event again, after what is queued, with its webhook-id, payload and time', async () => {
      await hooks.createSubscription(subscription('w'), 10);
      await store.append({ room: 'r', cid: 'a', from: ada, text: 'one', ts: 10 });
      await store.append({ room: 'r', cid: 'b', from: ada, text: 'two', ts: 20 });
      const first = await hooks.head('w');
      assert.ok(first);
      await logOne('w', attemptAt(first, { ok: false, status: 500, error: 'the receiver answered 500' }), 10);
      await hooks.retryLater(first.id, 1, 30);
      await logOne('w', attemptAt(first, { attempt: 2 }), 10);
      await hooks.delivered(first.id);
      assert.equal(await hooks.resend('w', first.eventId, 40), 'queued');
      assert.equal(await hooks.resend('w', first.eventId, 41), 'already_queued', 'a second press while it waits queues nothing more');
      assert.deepEqual(await hooks.depth(), new Map([['w', 2]]));
      const second = await hooks.head('w');
      assert.equal(second?.payload && (JSON.parse(second.payload) as { cid: string }).cid, 'b', 'what was queued goes first');
      assert.ok(second);
      await hooks.delivered(second.id);
      const again = await hooks.head('w');
      assert.ok(again);
      assert.deepEqual(
        { eventId: again.eventId, type: again.type, payload: again.payload, createdAt: again.createdAt, attempts: again.attempts, nextAt: again.nextAt },
        { eventId: first.eventId, type: first.type, payload: first.payload, createdAt: first.createdAt, attempts: 0, nextAt: 40 },
        'the same event, due at once, with a fresh retry count',
      );
      assert.ok(again.id > second.id, 'last in the outbox order');
      assert.deepEqual(
        (await hooks.claim('worker', 40, 1000, 10)).map((c) => c.id),
        ['w'],
        'due now',
      );
      await hooks.delivered(again.id);
      assert.equal(await hooks.resend('w', first.eventId, 50), 'queued', 'and again once delivered');
    });

    test('resends of one event at the same moment queue it once', async () => {
      await hooks.createSubscription(subscription('w'), 10);
      await logOne('w', attemptNo(1), 10);
      const outcomes = await Promise.all(Array.from({ length: 10 }, (_, i) => hooks.resend('w', attemptNo(1).eventId, 100 + i)));
      assert.deepEqual(
        outcomes.filter((o) => o === 'queued'),
        ['queued'],
      );
      assert.equal(outcomes.filter((o) => o === 'already_queued').length, 9);
      assert.deepEqual(await hooks.depth(), new Map([['w', 1]]));
    });

    test('resend refuses an unknown subscription or event, a disabled subscription, and another subscription’s event', async () => {
      await hooks.createSubscription(subscription('w'), 10);
      await hooks.createSubscription(subscription('v'), 10);
      await logOne('w', attemptNo(1), 10);
      assert.equal(await hooks.resend('nope', attemptNo(1).eventId, 1), 'no_subscription');
      assert.equal(await hooks.resend('w', 'msg_unknown', 1), 'no_event');
      assert.equal(await hooks.resend('v', attemptNo(1).eventId, 1), 'no_event', "w's event is not v's");
      await hooks.disable('w', 'failing');
      assert.equal(await hooks.resend('w', attemptNo(1).eventId, 1), 'disabled');
      assert.deepEqual(await hooks.depth(), new Map(), 'nothing was queued');
      await hooks.enableSubscription('w', 'k_owner', 2);
      assert.equal(await hooks.resend('w', attemptNo(1).eventId, 3), 'queued');
      assert.deepEqual(await hooks.depth(), new Map([['w', 1]]));
    });
  });
}
