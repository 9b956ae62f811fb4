// Webhooks out over real HTTP against SQLite: a subscription made through /api/v1/webhooks gets
// every event type, signed so that the `standardwebhooks` package verifies it; a receiver that
// fails for a while still gets every event, in order, once deduplicated by webhook-id; a
// subscription whose retries run out is disabled and can be re-enabled; the outbox bound disables
// instead of refusing chat; and every way to attack the endpoints is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { call, makeKey } from '../support/api-v1.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { WEBHOOK_EVENTS } from '../../src/protocol/webhooks.js';
import type { Config } from '../../src/server/config.js';
import { Writable } from 'node:stream';
import { pino } from 'pino';

let server: TestServer;
let admin: string;
let receiver: WebhookReceiver;

/** Webhook settings for a server whose receiver runs on 127.0.0.1: short polls and retries. */
function webhookConfig(base: Config['webhooks'], extra: Partial<Config['webhooks']> = {}): Config['webhooks'] {
  return { ...base, allowPrivate: ['127.0.0.1'], pollMs: 20, retryScheduleMs: [50, 50, 50, 50, 50, 50, 50, 50], ...extra };
}

/** The server's log lines at warn and above, as parsed JSON objects, for every server of this file. */
const warnings: { msg: string; subscription?: string }[] = [];
const warnSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n')) if (line !== '') warnings.push(JSON.parse(line) as { msg: string });
    done();
  },
});

async function startServer(extra: Partial<Config['webhooks']> = {}): Promise<TestServer> {
  const first = await startTestServer();
  const webhooks = webhookConfig(first.config.webhooks, extra);
  await first.stop();
  return startTestServer({ webhooks }, pino({ level: 'warn' }, warnSink));
}

async function subscribe(target: TestServer, key: string, url: string, events: readonly string[]): Promise<{ id: string; secret: string }> {
  const answer = await call(target.url, 'POST', '/api/v1/webhooks', { key, body: { url, events } });
  assert.equal(answer.status, 201, answer.text);
  return { id: String(answer.body['id']), secret: String(answer.body['secret']) };
}

async function publish(target: TestServer, key: string, room: string, text: string): Promise<number> {
  const answer = await call(target.url, 'POST', `/api/v1/rooms/${room}/messages`, { key, body: { text } });
  assert.equal(answer.status, 201, answer.text);
  return answer.body['seq'] as number;
}

/** Makes `room` the way users do: a guest's join creates it. */
async function makeRoom(target: TestServer, room: string): Promise<void> {
  const maker = await TestClient.guest(target.wsUrl, `maker-${room}`);
  await maker.ok('join', { room });
  await maker.close();
}

/** The subscription as listed, once it is disabled (polled through the API). */
async function whenDisabled(target: TestServer, key: string, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 400; i++) {
    const list = await call(target.url, 'GET', '/api/v1/webhooks', { key });
    const listed = (list.body['webhooks'] as Record<string, unknown>[]).find((w) => w['id'] === id);
    if (listed?.['enabled'] === false) return listed;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`webhook ${id} was not disabled`);
}

before(async () => {
  server = await startServer();
  admin = (await makeKey(server.config, 'ops', ['admin', 'publish', 'read'])).key;
  receiver = await WebhookReceiver.start();
});
after(async () => {
  await receiver.close();
  await server.stop();
});

test('every event type arrives, signed so that standardwebhooks verifies it, in the Standard Webhooks shape', async () => {
  const { secret } = await subscribe(server, admin, receiver.url, WEBHOOK_EVENTS);
  assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  receiver.secret = secret;
  const client = await TestClient.guest(server.wsUrl, 'ada');
  await client.ok('join', { room: 'hooked' });
  const sent = await client.ok('send', { room: 'hooked', text: 'hello', cid: 'c1' });
  const seq = sent['seq'] as number;
  await client.ok('edit', { room: 'hooked', seq, text: 'hello!' });
  await client.ok('react', { room: 'hooked', seq, emoji: '👍', on: true });
  await client.ok('delete', { room: 'hooked', seq });
  await client.ok('leave', { room: 'hooked' });
  const types = ['room.created', 'member.joined', 'message.created', 'message.edited', 'reaction.changed', 'message.deleted', 'member.left'];
  await receiver.waitFor(() => receiver.unique.length >= types.length);
  const got = receiver.unique;
  assert.deepEqual(
    got.map((d) => d.type),
    types,
  );
  assert.ok(
    got.every((d) => d.verified),
    'every delivery verifies',
  );
  const created = got[2];
  assert.equal(created?.data['text'], 'hello');
  assert.equal(created?.data['room'], 'hooked');
  assert.equal(created?.data['seq'], seq);
  assert.match(String(created?.headers['webhook-id']), /^msg_/);
  assert.match(String(created?.headers['webhook-signature']), /^v1,/);
  assert.equal(got[4]?.data['emoji'], '👍');
  await client.close();
});

test('a receiver answering 500 for a while gets every event, in order, with no gap once deduplicated', async () => {
  const flaky = await WebhookReceiver.start();
  try {
    const { secret } = await subscribe(server, admin, flaky.url, ['message.created']);
    flaky.secret = secret;
    // The first 6 attempts fail (fewer than the 8 retries): the first event is retried, blocking those behind.
    flaky.answer = (n) => (n < 6 ? 500 : 200);
    await makeRoom(server, 'flaky');
    const seqs: number[] = [];
    for (let i = 0; i < 20; i++) seqs.push(await publish(server, admin, 'flaky', `event ${i}`));
    await flaky.waitFor(() => flaky.unique.length >= 20);
    assert.ok(flaky.attempts.length > 20, 'there were retries');
    assert.deepEqual(
      flaky.unique.map((d) => d.data['seq']),
      seqs,
      'every event, in order',
    );
    assert.ok(
      flaky.attempts.every((d) => d.verified),
      'retries are signed too',
    );
    const ids = flaky.attempts.filter((d) => d.data['seq'] === seqs[0]).map((d) => d.id);
    assert.ok(ids.length > 1 && new Set(ids).size === 1, 'a retried event keeps its webhook-id');
  } finally {
    await flaky.close();
  }
});

test('a subscription whose retries run out is disabled (metric, list), and re-enabling delivers what was queued', async () => {
  const dead = await WebhookReceiver.start();
  try {
    const { id, secret } = await subscribe(server, admin, dead.url, ['message.created']);
    dead.secret = secret;
    dead.answer = () => 503;
    await makeRoom(server, 'dead');
    const seq = await publish(server, admin, 'dead', 'will wait');
    // One attempt and one per wait of the schedule (8), then it is disabled.
    await dead.waitFor(() => dead.attempts.length >= 9);
    const listed = await whenDisabled(server, admin, id);
    assert.equal(listed['disabledReason'], 'failing');
    assert.equal(dead.attempts.length, 9, 'nothing after it was disabled');
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /parley_webhook_disabled_total\{reason="failing"\} [1-9]/);
    assert.match(metrics, /parley_webhook_attempts_total\{result="failed"\} \d+/);
    assert.deepEqual(
      warnings.filter((line) => line.subscription === id).map((line) => line.msg),
      ['webhook subscription disabled: every retry failed'],
      'one log line says it was disabled, and why',
    );

    dead.answer = () => 204;
    const enabled = await call(server.url, 'POST', `/api/v1/webhooks/${id}/enable`, { key: admin });
    assert.equal(enabled.status, 200, enabled.text);
    await dead.waitFor(() => dead.unique.length === 1);
    assert.equal(dead.unique[0]?.data['seq'], seq);
  } finally {
    await dead.close();
  }
});

test('at the outbox bound the subscription is disabled; every chat message is still stored', async () => {
  const bounded = await startServer({ outboxMax: 3, retryScheduleMs: [3_600_000] });
  const stuck = await WebhookReceiver.start();
  try {
    const key = (await makeKey(bounded.config, 'ops', ['admin', 'publish', 'read'])).key;
    const { id } = await subscribe(bounded, key, stuck.url, ['message.created']);
    stuck.answer = () => 500;
    const client = await TestClient.guest(bounded.wsUrl, 'dee');
    await client.ok('join', { room: 'bounded' });
    for (let i = 0; i < 10; i++) await publish(bounded, key, 'bounded', `m${i}`);
    assert.equal((await whenDisabled(bounded, key, id))['disabledReason'], 'outbox_full');
    const history = await client.ok('history', { room: 'bounded' });
    assert.equal((history['messages'] as unknown[]).length, 10, 'chat never waits for webhooks');
    const metrics = await fetch(`${bounded.url}/metrics`).then((r) => r.text());
    // The depth as of the check that disabled it: at the bound at least, and no more than was sent.
    const depth = Number(/parley_webhook_outbox_depth (\d+)/.exec(metrics)?.[1]);
    assert.ok(depth >= 3 && depth <= 10, `depth ${depth}`);
    assert.match(metrics, /parley_webhook_disabled_total\{reason="outbox_full"\} 1/);
    // The bound itself, and how near the fullest subscription is to it.
    assert.match(metrics, /^parley_webhook_outbox_max 3$/m);
    const deepest = Number(/^parley_webhook_outbox_deepest (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(deepest >= 3 && deepest <= 10, `deepest ${deepest}`);
    assert.deepEqual(
      warnings.filter((line) => line.subscription === id).map((line) => line.msg),
      ['webhook subscription disabled: its outbox is full (PARLEY_WEBHOOK_OUTBOX_MAX)'],
    );
    await client.close();
  } finally {
    await stuck.close();
    await bounded.stop();
  }
});

test('subscriptions: admin scope only, validated, bounded, and each key sees only its own', async () => {
  const publisher = (await makeKey(server.config, 'backend', ['publish', 'read'])).key;
  const other = (await makeKey(server.config, 'other-admin', ['admin'])).key;
  const body = { url: receiver.url, events: ['message.created'] };
  assert.equal((await call(server.url, 'POST', '/api/v1/webhooks', { body })).status, 401);
  assert.equal((await call(server.url, 'POST', '/api/v1/webhooks', { key: publisher, body })).status, 403);
  assert.equal((await call(server.url, 'GET', '/api/v1/webhooks', { key: publisher })).status, 403);
  const bad: unknown[] = [
    { url: receiver.url, events: [] },
    { url: receiver.url, events: ['message.exploded'] },
    { url: receiver.url, events: Array.from({ length: 10_000 }, () => 'message.created') },
    { url: receiver.url, events: ['message.created', 'message.created'] },
    { url: `http://127.0.0.1/${'x'.repeat(5000)}`, events: ['message.created'] },
    { url: 'ftp://example.com/', events: ['message.created'] },
    { url: 'file:///etc/passwd', events: ['message.created'] },
    { url: 'javascript:alert(1)', events: ['message.created'] },
    { url: 'http://user:pw@127.0.0.1/', events: ['message.created'] },
    { url: 'not a url', events: ['message.created'] },
    { url: receiver.url },
    { events: ['message.created'] },
    { url: receiver.url, events: ['message.created'], extra: true },
    { url: 42, events: ['message.created'] },
    '{"url": ',
  ];
  for (const attempt of bad) {
    const answer = await call(server.url, 'POST', '/api/v1/webhooks', { key: admin, body: attempt });
    assert.ok(answer.status === 400 || answer.status === 413, `${JSON.stringify(attempt).slice(0, 80)}: ${answer.status} ${answer.text.slice(0, 200)}`);
  }
  const mine = await subscribe(server, admin, receiver.url, ['room.created']);
  const list = await call(server.url, 'GET', '/api/v1/webhooks', { key: other });
  assert.deepEqual(list.body['webhooks'], [], "another key's subscriptions are not listed");
  assert.equal((await call(server.url, 'DELETE', `/api/v1/webhooks/${mine.id}`, { key: other })).status, 404);
  assert.equal((await call(server.url, 'POST', `/api/v1/webhooks/${mine.id}/enable`, { key: other })).status, 404);
  assert.equal((await call(server.url, 'DELETE', '/api/v1/webhooks/..%2F..%2Fetc', { key: admin })).status, 400);
  const own = await call(server.url, 'GET', '/api/v1/webhooks', { key: admin });
  const shown = (own.body['webhooks'] as Record<string, unknown>[]).find((w) => w['id'] === mine.id);
  assert.deepEqual(Object.keys(shown ?? {}).sort(), ['createdAt', 'enabled', 'events', 'id', 'url'], 'no secret, no owner');
  assert.equal((await call(server.url, 'DELETE', `/api/v1/webhooks/${mine.id}`, { key: admin })).status, 200);
  assert.equal((await call(server.url, 'DELETE', `/api/v1/webhooks/${mine.id}`, { key: admin })).status, 404);

  const small = await startServer({ maxSubscriptions: 2 });
  try {
    const key = (await makeKey(small.config, 'ops', ['admin'])).key;
    await subscribe(small, key, receiver.url, ['room.created']);
    await subscribe(small, key, receiver.url, ['room.created']);
    const third = await call(small.url, 'POST', '/api/v1/webhooks', { key, body: { url: receiver.url, events: ['room.created'] } });
    assert.equal(third.status, 403, third.text);
  } finally {
    await small.stop();
  }
});

test('the OpenAPI document describes the webhook endpoints', async () => {
  const doc = await call(server.url, 'GET', '/api/v1/openapi.json');
  const paths = doc.body['paths'] as Record<string, Record<string, unknown>>;
  assert.ok(paths['/webhooks']?.['post'] && paths['/webhooks']['get']);
  assert.ok(paths['/webhooks/{id}']?.['delete']);
  assert.ok(paths['/webhooks/{id}/enable']?.['post']);
});
