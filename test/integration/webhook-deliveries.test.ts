// Each webhook subscription's delivery log and "send again", over real HTTP against SQLite: a
// receiver that answers 500 then 200 shows both attempts (status, latency, error) to an admin and
// to the key that owns the subscription; a resend arrives again with the same webhook-id, verified
// by `standardwebhooks`, after what was queued, once however often it is pressed while it waits;
// a disabled subscription refuses it (409); every other caller, id and limit is refused; and a log
// that cannot be written (a trigger makes its inserts fail) delays and loses no delivery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { startTestServer, type TestServer } from '../support/server.js';
import { register } from '../support/auth.js';
import { TestClient } from '../support/client.js';
import { call, makeKey, type ApiAnswer } from '../support/api-v1.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { admin as adminCli } from '../../src/cli/admin.js';
import { loadConfig } from '../../src/server/config.js';
import { DELIVERY_LOG_KEEP, type WebhookDelivery } from '../../src/protocol/webhooks.js';

let server: TestServer;
let root: { token: string; id: string };
/** An admin key: it owns the subscriptions made here. */
let ops: string;

before(async () => {
  const defaults = loadConfig([], {});
  server = await startTestServer({
    webhooks: { ...defaults.webhooks, allowPrivate: ['127.0.0.1'], pollMs: 20, retryScheduleMs: [30, 30, 30] },
  });
  root = await register(server.url, 'hookadmin');
  await adminCli(
    ['grant', 'hookadmin', '--data-dir', server.config.dataDir],
    () => undefined,
    () => undefined,
  );
  ops = (await makeKey(server.config, 'ops', ['admin', 'publish'])).key;
  // The room every test posts to (a key's post needs the room to exist), made as users make rooms.
  const maker = await TestClient.guest(server.wsUrl, 'maker');
  await maker.ok('join', { room: 'orders' });
  await maker.close();
});
after(() => server.stop());

const asAdmin = (method: string, path: string, body?: unknown): Promise<ApiAnswer> =>
  call(server.url, method, path, { headers: { authorization: `Bearer ${root.token}` }, ...(body === undefined ? {} : { body }) });

async function subscribe(receiver: WebhookReceiver, key = ops): Promise<string> {
  const made = await call(server.url, 'POST', '/api/v1/webhooks', { key, body: { url: receiver.url, events: ['message.created'] } });
  assert.equal(made.status, 201, made.text);
  receiver.secret = String(made.body['secret']);
  return String(made.body['id']);
}

async function publish(text: string): Promise<void> {
  const sent = await call(server.url, 'POST', '/api/v1/rooms/orders/messages', { key: ops, body: { text } });
  assert.equal(sent.status, 201, sent.text);
}

/** The admin's view of the log, once it has at least `count` attempts (the log is written after the outbox). */
async function logOf(id: string, count: number): Promise<WebhookDelivery[]> {
  for (let i = 0; i < 400; i++) {
    const answer = await asAdmin('GET', `/api/v1/admin/webhooks/${id}/deliveries`);
    assert.equal(answer.status, 200, answer.text);
    const deliveries = answer.body['deliveries'] as WebhookDelivery[];
    if (deliveries.length >= count) return deliveries;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the delivery log of ${id} never had ${count} attempts`);
}

test('a receiver answering 500 then 200: the log shows the failure and the success, to an admin and to the owning key', async () => {
  const receiver = await WebhookReceiver.start();
  try {
    receiver.answer = (n) => (n === 0 ? 500 : 200);
    const id = await subscribe(receiver);
    await publish('first try fails');
    await receiver.waitFor(() => receiver.accepted.length === 1);
    const webhookId = receiver.accepted[0]?.id;
    const [success, failure] = await logOf(id, 2);
    assert.deepEqual(
      { ...failure, at: 0, latencyMs: 0 },
      { eventId: webhookId, type: 'message.created', attempt: 1, at: 0, status: 500, ok: false, latencyMs: 0, error: 'the receiver answered 500' },
    );
    assert.deepEqual(
      { ...success, at: 0, latencyMs: 0 },
      { eventId: webhookId, type: 'message.created', attempt: 2, at: 0, status: 200, ok: true, latencyMs: 0 },
    );
    assert.ok(success !== undefined && failure !== undefined && success.at >= failure.at, 'newest first');
    assert.ok(Number.isInteger(success.latencyMs) && success.latencyMs >= 0 && success.latencyMs < 10_000);
    const owned = await call(server.url, 'GET', `/api/v1/webhooks/${id}/deliveries?limit=1`, { key: ops });
    assert.equal(owned.status, 200, owned.text);
    assert.deepEqual(owned.body['deliveries'], [success], "the owning key reads its own subscription's log");
  } finally {
    await receiver.close();
  }
});

test('a resend arrives again with the same webhook-id, verified by standardwebhooks, and is audited', async () => {
  const receiver = await WebhookReceiver.start();
  try {
    const id = await subscribe(receiver);
    await publish('send me twice');
    await receiver.waitFor(() => receiver.accepted.length === 1);
    const original = receiver.accepted[0];
    assert.ok(original);
    const [logged] = await logOf(id, 1);
    assert.equal(logged?.eventId, original.id);
    const resent = await asAdmin('POST', `/api/v1/admin/webhooks/${id}/deliveries/${original.id}/resend`);
    assert.equal(resent.status, 202, resent.text);
    assert.deepEqual(resent.body, { id, eventId: original.id, alreadyQueued: false });
    await receiver.waitFor(() => receiver.accepted.length === 2);
    const again = receiver.accepted[1];
    assert.ok(again);
    assert.equal(again.id, original.id, 'the same webhook-id: it is the same event');
    assert.ok(again.verified, 'standardwebhooks verifies the resend');
    assert.ok(receiver.secret !== undefined && WebhookReceiver.verifies(again, receiver.secret));
    assert.deepEqual(again.data, original.data);
    const stamp = (body: string): unknown => (JSON.parse(body) as { timestamp?: unknown }).timestamp;
    assert.equal(stamp(again.body), stamp(original.body), "the body's timestamp is the event's");
    const log = await logOf(id, 2);
    assert.deepEqual(
      log.map((d) => [d.eventId, d.attempt, d.ok]),
      [
        [original.id, 1, true],
        [original.id, 1, true],
      ],
    );
    const audit = (await asAdmin('GET', '/api/v1/admin/audit')).body['entries'] as {
      action: string;
      target?: string;
      detail?: string;
      actor: { id: string };
    }[];
    const entry = audit.find((e) => e.action === 'webhook.resend' && e.target === id);
    assert.equal(entry?.detail, original.id);
    assert.equal(entry?.actor.id, root.id);
  } finally {
    await receiver.close();
  }
});

test('a resend goes after what is queued, and pressing it again while it waits queues nothing more', async () => {
  const receiver = await WebhookReceiver.start();
  try {
    const id = await subscribe(receiver);
    await publish('one');
    await receiver.waitFor(() => receiver.accepted.length === 1);
    const first = receiver.accepted[0]?.id ?? '';
    await logOf(id, 1);
    // The second event is held at the receiver: the resend of the first must wait behind it.
    receiver.holdMs = 500;
    await publish('two');
    await receiver.waitFor(() => receiver.attempts.length === 2);
    const presses = await Promise.all(Array.from({ length: 20 }, () => asAdmin('POST', `/api/v1/admin/webhooks/${id}/deliveries/${first}/resend`)));
    assert.deepEqual(
      presses.map((p) => p.status),
      Array(20).fill(202),
    );
    assert.equal(presses.filter((p) => p.body['alreadyQueued'] === false).length, 1, 'queued once');
    receiver.holdMs = 0;
    // A barrier: a third event, behind the resend; any extra copy would have come before it.
    await publish('three');
    await receiver.waitFor(() => receiver.accepted.some((d) => d.data['text'] === 'three'));
    assert.deepEqual(
      receiver.accepted.map((d) => (d.id === first ? 'first' : String(d.data['text']))),
      ['first', 'two', 'first', 'three'],
    );
  } finally {
    await receiver.close();
  }
});

test('a disabled subscription refuses a resend with 409 until it is enabled', async () => {
  const receiver = await WebhookReceiver.start();
  try {
    const id = await subscribe(receiver);
    await publish('taken');
    await receiver.waitFor(() => receiver.accepted.length === 1);
    const taken = receiver.accepted[0]?.id ?? '';
    await logOf(id, 1);
    // Every later attempt fails: with retries of 30 ms the subscription is disabled after 4 attempts.
    receiver.answer = () => 503;
    await publish('refused');
    let listed: { enabled: boolean; disabledReason?: string } | undefined;
    for (let i = 0; i < 400 && listed?.enabled !== false; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const all = (await asAdmin('GET', '/api/v1/admin/webhooks')).body['webhooks'] as { id: string; enabled: boolean; disabledReason?: string }[];
      listed = all.find((w) => w.id === id);
    }
    assert.equal(listed?.disabledReason, 'failing');
    const log = await logOf(id, 5);
    assert.deepEqual(
      log.slice(0, 4).map((d) => [d.attempt, d.status, d.ok]),
      [
        [4, 503, false],
        [3, 503, false],
        [2, 503, false],
        [1, 503, false],
      ],
    );
    const refused = await asAdmin('POST', `/api/v1/admin/webhooks/${id}/deliveries/${taken}/resend`);
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body['error'], 'webhook_disabled');
    assert.match(String(refused.body['message']), /enable it first/);
    receiver.answer = () => 200;
    assert.equal((await asAdmin('POST', `/api/v1/admin/webhooks/${id}/enable`)).status, 204);
    const resent = await asAdmin('POST', `/api/v1/admin/webhooks/${id}/deliveries/${taken}/resend`);
    assert.equal(resent.status, 202, resent.text);
    // The queued failure goes first, then the resend.
    await receiver.waitFor(() => receiver.accepted.length === 3);
    assert.deepEqual(
      receiver.accepted.map((d) => String(d.data['text'])),
      ['taken', 'refused', 'taken'],
    );
  } finally {
    await receiver.close();
  }
});

test('a delivery that never reaches a receiver is logged without a status, with why', async () => {
  // Nothing listens on port 9 of 127.0.0.1: the connection is refused.
  const made = await call(server.url, 'POST', '/api/v1/webhooks', { key: ops, body: { url: 'http://127.0.0.1:9/nobody', events: ['message.created'] } });
  assert.equal(made.status, 201, made.text);
  const id = String(made.body['id']);
  await publish('into the void');
  const [attempt] = await logOf(id, 1);
  assert.equal(attempt?.ok, false);
  assert.equal(attempt?.status, undefined);
  assert.match(attempt?.error ?? '', /ECONNREFUSED/);
  assert.equal((await asAdmin('DELETE', `/api/v1/admin/webhooks/${id}`)).status, 204);
  assert.equal((await asAdmin('GET', `/api/v1/admin/webhooks/${id}/deliveries`)).status, 404, 'gone with its subscription');
});

test('other callers, other keys, bad ids and huge limits are refused on both endpoints', async () => {
  const receiver = await WebhookReceiver.start();
  try {
    const id = await subscribe(receiver);
    await publish('for the record');
    await receiver.waitFor(() => receiver.accepted.length === 1);
    const eventId = receiver.accepted[0]?.id ?? '';
    await logOf(id, 1);
    const plain = await register(server.url, 'hooknobody');
    const reader = (await makeKey(server.config, 'reader', ['read', 'publish'])).key;
    const otherAdmin = (await makeKey(server.config, 'other-admin', ['admin'])).key;
    const list = `/api/v1/admin/webhooks/${id}/deliveries`;
    const resend = `/api/v1/admin/webhooks/${id}/deliveries/${eventId}/resend`;
    for (const [method, path] of [
      ['GET', list],
      ['POST', resend],
    ] as const) {
      assert.equal((await call(server.url, method, path)).status, 401, `${method} ${path} without a credential`);
      const user = await call(server.url, method, path, { headers: { authorization: `Bearer ${plain.token}` } });
      assert.equal(user.status, 403, `${method} ${path} as a user who is no admin`);
      assert.equal((await call(server.url, method, path, { key: reader })).status, 403, `${method} ${path} with a key lacking admin`);
    }
    // The owner's route: another admin key does not see this key's subscription, nor a key without admin.
    const owned = `/api/v1/webhooks/${id}/deliveries`;
    assert.equal((await call(server.url, 'GET', owned, { key: otherAdmin })).status, 404, "another key's subscription");
    assert.equal((await call(server.url, 'GET', owned, { key: reader })).status, 403);
    assert.equal((await call(server.url, 'GET', owned)).status, 401);
    assert.equal((await call(server.url, 'POST', `/api/v1/webhooks/${id}/deliveries/${eventId}/resend`, { key: ops })).status, 404, 'no resend for keys');
    // Unknown things are 404, bad ones 400 with the field named.
    assert.equal((await asAdmin('GET', '/api/v1/admin/webhooks/wh_nothing/deliveries')).status, 404);
    assert.equal((await asAdmin('POST', `/api/v1/admin/webhooks/wh_nothing/deliveries/${eventId}/resend`)).status, 404);
    const unknownEvent = await asAdmin('POST', `/api/v1/admin/webhooks/${id}/deliveries/msg_${'0'.repeat(32)}/resend`);
    assert.equal(unknownEvent.status, 404);
    assert.match(String(unknownEvent.body['message']), /delivery log/);
    for (const bad of ['wh_x!', 'x'.repeat(65), '%00', 'a.b']) {
      const answer = await asAdmin('GET', `/api/v1/admin/webhooks/${encodeURIComponent(bad)}/deliveries`);
      assert.equal(answer.status, 400, `id ${bad}: ${answer.text}`);
      assert.match(String(answer.body['message']), /params\.id/);
      const again = await asAdmin('POST', `/api/v1/admin/webhooks/${id}/deliveries/${encodeURIComponent(bad)}/resend`);
      assert.equal(again.status, 400, `eventId ${bad}: ${again.text}`);
      assert.match(String(again.body['message']), /params\.eventId/);
    }
    for (const query of [
      'limit=0',
      'limit=-1',
      `limit=${DELIVERY_LOG_KEEP + 1}`,
      'limit=99999999999999999999',
      'limit=1e400',
      'limit=abc',
      'limit=2.5',
      'other=1',
    ]) {
      for (const path of [list, owned]) {
        const answer = path === list ? await asAdmin('GET', `${path}?${query}`) : await call(server.url, 'GET', `${path}?${query}`, { key: ops });
        assert.equal(answer.status, 400, `${path}?${query}: ${answer.text}`);
        assert.equal(answer.body['error'], 'bad_request');
        assert.match(String(answer.body['message']), /querystring/);
      }
    }
    assert.equal((await asAdmin('GET', `${list}?limit=${DELIVERY_LOG_KEEP}`)).status, 200, 'the bound itself is fine');
    // Nothing those tries asked for was queued: a barrier event arrives next, and alone.
    await publish('barrier');
    await receiver.waitFor(() => receiver.accepted.length === 2);
    assert.deepEqual(
      receiver.accepted.map((d) => String(d.data['text'])),
      ['for the record', 'barrier'],
    );
  } finally {
    await receiver.close();
  }
});

test('the new endpoints are in /api/v1/openapi.json, with the limit bound', async () => {
  const answer = await call(server.url, 'GET', '/api/v1/openapi.json');
  assert.equal(answer.status, 200);
  type Operation = { parameters?: { name: string; in: string; schema?: { maximum?: number } }[]; responses?: Record<string, unknown> };
  const paths = answer.body['paths'] as Record<string, Record<string, Operation>>;
  for (const path of ['/admin/webhooks/{id}/deliveries', '/webhooks/{id}/deliveries']) {
    const limit = paths[path]?.['get']?.parameters?.find((p) => p.name === 'limit' && p.in === 'query');
    assert.equal(limit?.schema?.maximum, DELIVERY_LOG_KEEP, `${path} documents its limit`);
  }
  const resend = paths['/admin/webhooks/{id}/deliveries/{eventId}/resend']?.['post'];
  assert.ok(resend?.responses?.['202'] !== undefined && resend.responses['409'] !== undefined, 'resend documents 202 and 409');
});

test('a delivery log that cannot be written is logged once and holds no delivery back', async () => {
  const lines: { level: number; msg: string }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  const defaults = loadConfig([], {});
  const own = await startTestServer({ webhooks: { ...defaults.webhooks, allowPrivate: ['127.0.0.1'], pollMs: 20 } }, pino({ level: 'info' }, sink));
  const receiver = await WebhookReceiver.start();
  // Another connection on the server's database file: a trigger makes every log insert fail.
  const db = new Database(join(own.config.dataDir, 'parley.db'));
  try {
    const key = (await makeKey(own.config, 'ops', ['admin', 'publish'])).key;
    const maker = await TestClient.guest(own.wsUrl, 'maker');
    await maker.ok('join', { room: 'orders' });
    await maker.close();
    const made = await call(own.url, 'POST', '/api/v1/webhooks', { key, body: { url: receiver.url, events: ['message.created'] } });
    assert.equal(made.status, 201, made.text);
    const id = String(made.body['id']);
    db.exec(`CREATE TRIGGER broken_log BEFORE INSERT ON webhook_deliveries BEGIN SELECT RAISE(ABORT, 'the log is broken'); END`);
    for (let i = 0; i < 10; i++) {
      assert.equal((await call(own.url, 'POST', '/api/v1/rooms/orders/messages', { key, body: { text: `m${i}` } })).status, 201);
    }
    await receiver.waitFor(() => receiver.accepted.length >= 10);
    assert.deepEqual(
      receiver.accepted.map((d) => d.data['text']),
      Array.from({ length: 10 }, (_, i) => `m${i}`),
      'every event, once, in order',
    );
    const warnings = (): { level: number; msg: string }[] => lines.filter((line) => line.msg.includes('could not write the delivery log'));
    // The log is written up to 50 ms after its attempts: wait for the first refused write.
    for (let i = 0; i < 400 && warnings().length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const log = await call(own.url, 'GET', `/api/v1/webhooks/${id}/deliveries`, { key });
    assert.deepEqual(log.body['deliveries'], [], 'nothing was logged');
    // Mended: the next attempt is logged again, and that is said.
    db.exec('DROP TRIGGER broken_log');
    assert.equal((await call(own.url, 'POST', '/api/v1/rooms/orders/messages', { key, body: { text: 'mended' } })).status, 201);
    await receiver.waitFor(() => receiver.accepted.length === 11);
    // Attempts written in the same batch as this one, after the mend, are logged too: wait for this one.
    const mended = receiver.accepted[10]?.id;
    let logged: WebhookDelivery[] = [];
    for (let i = 0; i < 400 && logged[0]?.eventId !== mended; i++) {
      if (i > 0) await new Promise((resolve) => setTimeout(resolve, 25));
      logged = (await call(own.url, 'GET', `/api/v1/webhooks/${id}/deliveries`, { key })).body['deliveries'] as WebhookDelivery[];
    }
    assert.equal(logged[0]?.eventId, mended, 'the attempt after the mend is logged');
    assert.ok(logged.length < 11, 'the attempts of the failed write are not');
    assert.ok(lines.some((line) => line.msg.includes('writing the delivery log again')));
    // Log writes run one at a time, in order: once one has succeeded again, every failed one has
    // been tried, so the warnings are all in.
    const warned = warnings();
    assert.equal(warned.length, 1, 'told once, not per attempt');
    assert.ok((warned[0]?.level ?? 0) >= 40);
  } finally {
    db.close();
    await receiver.close();
    await own.stop();
  }
});
