// The Broker contract: every Broker implementation runs this suite (memory-broker.test.ts,
// redis-broker.test.ts). A shared broker (one that connects processes) also runs the cross-process
// part with two instances standing in for two processes.
import { describe, test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/server/broker/broker.js';
import type { Push } from '../../src/protocol/messages.js';

export interface BrokerFixture {
  /** Opens a broker; with `shared`, brokers opened by one fixture reach each other. */
  open(): Promise<Broker>;
  dispose(): Promise<void>;
}

/** Publications a broker's handler received, in order. */
export class Received {
  readonly items: { room: string; push: Push }[] = [];

  constructor(broker: Broker) {
    broker.onPublication((room, push) => this.items.push({ room, push }));
  }

  texts(room: string): string[] {
    return this.items.filter((item) => item.room === room && item.push.type === 'message').map((item) => (item.push.type === 'message' ? item.push.text : ''));
  }

  async waitForTexts(room: string, count: number, timeoutMs = 5000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.texts(room).length < count) {
      if (Date.now() > deadline) throw new Error(`timed out: ${this.texts(room).length}/${count} publications in ${room}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.texts(room);
  }
}

export const messagePush = (room: string, seq: number): Push => ({
  type: 'message',
  room,
  seq,
  msgId: `m${seq}`,
  cid: `c${seq}`,
  from: { id: 'u1', name: 'ada' },
  text: `t${seq}`,
  ts: 1,
});

/**
 * Proves that nothing more from `publisher` is on its way to `receiver`: publishes a marker to a
 * room `receiver` subscribes to and waits for it. A broker hands one publisher's publications to a
 * subscriber in publication order (the first tests here hold it to that; Redis runs one
 * connection's commands in order and pushes to a subscriber's connection in that order), so any
 * earlier publication that was going to reach `receiver` has reached it when the marker does.
 */
async function barrier(publisher: Broker, receiver: Broker, received: Received): Promise<void> {
  const before = received.texts(BARRIER_ROOM).length;
  await receiver.subscribe(BARRIER_ROOM);
  await publisher.publish(BARRIER_ROOM, messagePush(BARRIER_ROOM, before + 1));
  await received.waitForTexts(BARRIER_ROOM, before + 1);
}
const BARRIER_ROOM = 'barrier';
const texts = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `t${from + i}`);

export function runBrokerContract(name: string, makeFixture: () => Promise<BrokerFixture>, options: { shared: boolean; skip?: string | undefined }): void {
  describe(`Broker contract: ${name}`, { skip: options.skip ?? false }, () => {
    let fixture: BrokerFixture;
    const opened: Broker[] = [];
    const open = async (): Promise<{ broker: Broker; received: Received }> => {
      const broker = await fixture.open();
      opened.push(broker);
      return { broker, received: new Received(broker) };
    };

    beforeEach(async () => {
      fixture = await makeFixture();
    });
    afterEach(async () => {
      for (const broker of opened.splice(0)) await broker.close();
      await fixture.dispose();
    });

    test('a subscriber receives its own publications in publication order', async () => {
      const { broker, received } = await open();
      await broker.subscribe('r1');
      for (let seq = 1; seq <= 100; seq++) await broker.publish('r1', messagePush('r1', seq));
      assert.deepEqual(await received.waitForTexts('r1', 100), texts(1, 100));
    });

    test('publications not awaited one by one still arrive in order', async () => {
      const { broker, received } = await open();
      await broker.subscribe('r1');
      await Promise.all(Array.from({ length: 100 }, (_, i) => broker.publish('r1', messagePush('r1', i + 1))));
      assert.deepEqual(await received.waitForTexts('r1', 100), texts(1, 100));
    });

    test('rooms are separate, and nothing arrives without or after a subscription', async () => {
      const { broker, received } = await open();
      await broker.publish('r1', messagePush('r1', 1));
      await broker.subscribe('r1');
      await broker.publish('r2', messagePush('r2', 1));
      await broker.publish('r1', messagePush('r1', 2));
      await received.waitForTexts('r1', 1);
      await broker.unsubscribe('r1');
      await broker.publish('r1', messagePush('r1', 3));
      await barrier(broker, broker, received);
      assert.deepEqual(received.texts('r1'), ['t2']);
      assert.deepEqual(received.texts('r2'), []);
    });

    test('presence and typing pushes travel as they are', async () => {
      const { broker, received } = await open();
      await broker.subscribe('r1');
      const presence: Push = { type: 'presence', room: 'r1', user: { id: 'u', name: 'n' }, event: 'leave' };
      const typing: Push = { type: 'typing', room: 'r1', user: { id: 'u', name: 'n' } };
      await broker.publish('r1', presence);
      await broker.publish('r1', typing);
      const deadline = Date.now() + 5000;
      while (received.items.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(
        received.items.map((item) => item.push),
        [presence, typing],
      );
    });

    test('a direct message reaches the node it names, in order, and says when no node listens', async () => {
      const { broker } = await open();
      const got: string[] = [];
      await broker.listenAsNode('n1', (payload) => got.push(payload));
      for (let i = 1; i <= 20; i++) assert.equal(await broker.sendToNode('n1', `m${i}`), true);
      assert.equal(await broker.sendToNode('n-nobody', 'lost'), false, 'nobody listens as n-nobody');
      const deadline = Date.now() + 5000;
      while (got.length < 20 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(
        got,
        Array.from({ length: 20 }, (_, i) => `m${i + 1}`),
      );
    });

    if (options.shared) {
      test('a publication on one process reaches every subscribed process, in order', async () => {
        const a = await open();
        const b = await open();
        const c = await open();
        await a.broker.subscribe('r1');
        await b.broker.subscribe('r1');
        for (let seq = 1; seq <= 50; seq++) await c.broker.publish('r1', messagePush('r1', seq));
        assert.deepEqual(await a.received.waitForTexts('r1', 50), texts(1, 50));
        assert.deepEqual(await b.received.waitForTexts('r1', 50), texts(1, 50));
        await barrier(c.broker, c.broker, c.received);
        assert.deepEqual(c.received.texts('r1'), [], 'a process that did not subscribe gets nothing');
      });
      test('a direct message crosses to the other process, and only to it', async () => {
        const a = await open();
        const b = await open();
        const toA: string[] = [];
        const toB: string[] = [];
        await a.broker.listenAsNode('node-a', (payload) => toA.push(payload));
        await b.broker.listenAsNode('node-b', (payload) => toB.push(payload));
        for (let i = 1; i <= 20; i++) assert.equal(await a.broker.sendToNode('node-b', `m${i}`), true);
        // Barrier: a later message to a itself, through the same broker, arrives after b's.
        assert.equal(await b.broker.sendToNode('node-a', 'done'), true);
        const deadline = Date.now() + 5000;
        while ((toB.length < 20 || toA.length < 1) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
        assert.deepEqual(
          toB,
          Array.from({ length: 20 }, (_, i) => `m${i + 1}`),
        );
        assert.deepEqual(toA, ['done']);
      });
    }
  });
}
