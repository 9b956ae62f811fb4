// The Broker contract against Redis at REDIS_URL (each test on its own channel prefix), plus what
// only a networked broker has to survive: its connections being cut.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { RedisBroker } from '../../src/server/broker/redis.js';
import { REDIS_URL, killRedisClients, redisSkip, uniqueName } from '../support/services.js';
import { runBrokerContract, Received, messagePush } from './broker.contract.js';

const skip = await redisSkip();
const log = pino({ level: process.env['PARLEY_TEST_LOG'] ?? 'silent' });

runBrokerContract(
  'RedisBroker',
  () => {
    const prefix = `${uniqueName('t')}:`;
    return Promise.resolve({
      open: () => RedisBroker.open({ url: REDIS_URL, prefix, log }),
      dispose: () => Promise.resolve(),
    });
  },
  { shared: true, skip },
);

const texts = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `t${from + i}`);
const firstOccurrences = (items: string[]): string[] => [...new Set(items)];

test('RedisBroker: a cut subscriber connection comes back subscribed and asks for a resync', { skip }, async () => {
  const prefix = `${uniqueName('t')}:`;
  const name = uniqueName('parley-test-sub');
  const publisher = await RedisBroker.open({ url: REDIS_URL, prefix, log });
  const subscriber = await RedisBroker.open({ url: REDIS_URL, prefix, log, name });
  try {
    const received = new Received(subscriber);
    let resyncs = 0;
    subscriber.onResync(() => resyncs++);
    await subscriber.subscribe('r1');
    await publisher.publish('r1', messagePush('r1', 1));
    await received.waitForTexts('r1', 1);
    assert.equal(await killRedisClients(`${name}:sub`), 1);
    const deadline = Date.now() + 5000;
    while (resyncs === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(resyncs, 1, 'resync runs once the subscription is back');
    assert.equal(subscriber.connected, true);
    await publisher.publish('r1', messagePush('r1', 2));
    assert.deepEqual(await received.waitForTexts('r1', 2), texts(1, 2));
  } finally {
    await publisher.close();
    await subscriber.close();
  }
});

test('RedisBroker: publications made while the publishing connection is cut are sent when it is back', { skip }, async () => {
  const prefix = `${uniqueName('t')}:`;
  const name = uniqueName('parley-test-pub');
  const publisher = await RedisBroker.open({ url: REDIS_URL, prefix, log, name });
  const subscriber = await RedisBroker.open({ url: REDIS_URL, prefix, log });
  try {
    const received = new Received(subscriber);
    await subscriber.subscribe('r1');
    assert.equal(await killRedisClients(`${name}:pub`), 1);
    for (let seq = 1; seq <= 20; seq++) await publisher.publish('r1', messagePush('r1', seq));
    const deadline = Date.now() + 5000;
    while (firstOccurrences(received.texts('r1')).length < 20 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // A publication cut off mid-command is sent again, so a repeat is possible; order is kept.
    assert.deepEqual(firstOccurrences(received.texts('r1')), texts(1, 20));
  } finally {
    await publisher.close();
    await subscriber.close();
  }
});
