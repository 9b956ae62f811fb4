// Webhooks out on three real processes sharing PostgreSQL and Redis: events published through any
// process reach every subscription, each delivered by exactly one process (FOR UPDATE SKIP LOCKED
// and leases: no webhook-id twice in a clean run, and the processes' attempt counters add up to
// the deliveries), in order; and when a process is killed mid-delivery, another takes its
// subscriptions over once their lease passes, so nothing is lost. Each attempt is in its
// subscription's delivery log, whichever process made it, read from any process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { clusterEnv, dropCluster } from '../support/cluster.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { postgresSkip, redisSkip } from '../support/services.js';
import { call, makeKey } from '../support/api-v1.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { TestClient } from '../support/client.js';
import { loadConfig } from '../../src/server/config.js';

const skip = (await postgresSkip()) ?? (await redisSkip());
const env = clusterEnv({
  PARLEY_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
  PARLEY_WEBHOOK_POLL_MS: '20',
  PARLEY_WEBHOOK_TIMEOUT_MS: '1000',
  PARLEY_WEBHOOK_RETRY_SCHEDULE: '100ms,100ms,100ms,100ms,100ms',
  PARLEY_JOIN_CREATES: 'on',
});
let nodes: ServerProcess[] = [];
let key: string;

before(async () => {
  if (skip !== undefined) return;
  nodes = await Promise.all([0, 1, 2].map(() => spawnServer({ env, startedWhen: 'ready' })));
  key = (await makeKey(loadConfig([], env), 'ops', ['admin', 'publish'])).key;
});
after(async () => {
  for (const node of nodes) await node.stop();
  if (skip === undefined) await dropCluster(env);
});

function node(index: number): ServerProcess {
  const found = nodes[index];
  if (found === undefined) throw new Error(`no node ${index}`);
  return found;
}

/** Successful attempts each process counted, from its /metrics. */
async function okAttempts(server: ServerProcess): Promise<number> {
  const text = await fetch(`${server.url}/metrics`).then((r) => r.text());
  return Number(/parley_webhook_attempts_total\{result="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
}

/** The subscriptions' secrets; their ids are pushed onto `ids` when given. */
async function subscribeAll(count: number, receiver: WebhookReceiver, on: ServerProcess, ids: string[] = []): Promise<string[]> {
  const secrets: string[] = [];
  for (let i = 0; i < count; i++) {
    // One receiver for every subscription: a path per subscription tells them apart.
    const made = await call(on.url, 'POST', '/api/v1/webhooks', { key, body: { url: `${receiver.url}/${i}`, events: ['message.created'] } });
    assert.equal(made.status, 201, made.text);
    secrets.push(String(made.body['secret']));
    ids.push(String(made.body['id']));
  }
  return secrets;
}

async function publish(room: string, count: number): Promise<void> {
  const maker = await TestClient.guest(node(0).wsUrl, `maker-${room}`);
  await maker.ok('join', { room });
  await maker.close();
  for (let i = 0; i < count; i++) {
    const via = nodes[i % nodes.length] as ServerProcess;
    const sent = await call(via.url, 'POST', `/api/v1/rooms/${room}/messages`, { key, body: { text: `event ${i}`, cid: `${room}-${i}` } });
    assert.equal(sent.status, 201, sent.text);
  }
}

test('each event reaches every subscription once, delivered by one process, in order', { skip }, async () => {
  const receiver = await WebhookReceiver.start();
  try {
    const SUBSCRIPTIONS = 6;
    const EVENTS = 30;
    const before = await Promise.all(nodes.map(okAttempts));
    // Verification per subscription needs its secret: the receiver verifies with the one its path names.
    const subscriptionIds: string[] = [];
    const secrets = await subscribeAll(SUBSCRIPTIONS, receiver, node(1), subscriptionIds);
    // The last event is the barrier: a subscription's events go one at a time, each removed from the
    // outbox before the next is sent, so once the last has arrived no earlier one can come again.
    await publish('hooks-once', EVENTS + 1);
    await receiver.waitFor(() => receiver.accepted.filter((d) => d.data['seq'] === EVENTS + 1).length >= SUBSCRIPTIONS, 60_000);
    const ids = receiver.attempts.map((d) => d.id);
    assert.equal(new Set(ids).size, ids.length, 'no webhook-id delivered twice');
    assert.equal(receiver.attempts.length, SUBSCRIPTIONS * (EVENTS + 1));
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const mine = receiver.attempts.filter((d) => d.path === `/hook/${i}`);
      assert.deepEqual(
        mine.map((d) => d.data['seq']),
        Array.from({ length: EVENTS + 1 }, (_, n) => n + 1),
        `subscription ${i}: every event, in order`,
      );
      assert.ok(
        mine.every((d) => WebhookReceiver.verifies(d, secrets[i] ?? '')),
        `subscription ${i}: signatures verify`,
      );
    }
    // Every attempt logged (in batches, a moment after it), read from a process that may not have made it.
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const expected = receiver.attempts
        .filter((d) => d.path === `/hook/${i}`)
        .map((d) => d.id)
        .reverse();
      let logged: { eventId: string; ok: boolean; status?: number }[] = [];
      for (let tries = 0; tries < 200 && logged.length < expected.length; tries++) {
        if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 25));
        const answer = await call(node(2).url, 'GET', `/api/v1/webhooks/${subscriptionIds[i] ?? ''}/deliveries?limit=100`, { key });
        assert.equal(answer.status, 200, answer.text);
        logged = answer.body['deliveries'] as typeof logged;
      }
      assert.deepEqual(
        logged.map((d) => d.eventId),
        expected,
        `subscription ${i}: the log has every attempt, newest first`,
      );
      assert.ok(
        logged.every((d) => d.ok && d.status === 200),
        `subscription ${i}: each one delivered`,
      );
    }
    const after = await Promise.all(nodes.map(okAttempts));
    const counted = after.map((n, i) => n - (before[i] ?? 0));
    assert.equal(
      counted.reduce((a, b) => a + b, 0),
      SUBSCRIPTIONS * (EVENTS + 1),
      `the processes' own counts add up: ${counted.join(', ')}`,
    );
  } finally {
    await receiver.close();
  }
});

test('a process killed mid-delivery: another takes its subscriptions over after the lease, nothing lost', { skip }, async () => {
  const receiver = await WebhookReceiver.start();
  try {
    const SUBSCRIPTIONS = 3;
    const EVENTS = 20;
    receiver.holdMs = 40;
    const start = await Promise.all(nodes.map(okAttempts));
    await subscribeAll(SUBSCRIPTIONS, receiver, node(0));
    await publish('hooks-takeover', EVENTS);
    await receiver.waitFor(() => receiver.attempts.length >= 10);
    // The process that has delivered most in this test holds leases: it is the one to kill.
    const delivered = (await Promise.all(nodes.map(okAttempts))).map((n, i) => n - (start[i] ?? 0));
    const victim = node(delivered.indexOf(Math.max(...delivered)));
    assert.ok(Math.max(...delivered) > 0);
    victim.child.kill('SIGKILL');
    await victim.exited;
    nodes = nodes.filter((n) => n !== victim);
    await receiver.waitFor(() => new Set(receiver.accepted.map((d) => `${d.path}#${String(d.data['seq'])}`)).size >= SUBSCRIPTIONS * EVENTS, 60_000);
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const order = receiver.unique.filter((d) => d.path === `/hook/${i}`).map((d) => d.data['seq']);
      assert.deepEqual(
        order,
        Array.from({ length: EVENTS }, (_, n) => n + 1),
        `subscription ${i}: every event, in order once deduplicated`,
      );
    }
  } finally {
    await receiver.close();
  }
});
