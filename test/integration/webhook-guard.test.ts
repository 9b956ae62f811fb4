// The webhook address guard: without PARLEY_WEBHOOK_ALLOW_PRIVATE a subscription to the server's
// own network is refused (loopback, RFC 1918, link-local metadata, IPv6 loopback, CGNAT, a name
// that resolves to loopback); with a resolver that changes its answer between the check and the
// connection (DNS rebinding), the connection itself is refused, and the receiver never hears of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../support/server.js';
import { call, makeKey } from '../support/api-v1.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { AddressGuard, WebhookRefused } from '../../src/server/webhooks/address-guard.js';
import { Sender } from '../../src/server/webhooks/sender.js';

let server: TestServer;
let admin: string;

before(async () => {
  server = await startTestServer();
  admin = (await makeKey(server.config, 'ops', ['admin'])).key;
});
after(async () => {
  await server.stop();
});

test('URLs that reach the server’s own network are refused at subscribe time', async () => {
  assert.deepEqual(server.config.webhooks.allowPrivate, []);
  for (const url of [
    'http://127.0.0.1:8080/hook',
    'http://127.1/hook',
    'http://2130706433/hook',
    'http://10.0.0.5/hook',
    'http://192.168.1.1/hook',
    'http://172.16.0.1/hook',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
    'http://100.64.0.1/hook',
    'http://0.0.0.0/hook',
    'http://224.0.0.1/hook',
    'http://localhost:9/hook',
    'https://localhost/hook',
  ]) {
    const answer = await call(server.url, 'POST', '/api/v1/webhooks', { key: admin, body: { url, events: ['message.created'] } });
    assert.equal(answer.status, 400, `${url}: ${answer.text}`);
    assert.equal(answer.body['error'], 'bad_request');
  }
  const list = await call(server.url, 'GET', '/api/v1/webhooks', { key: admin });
  assert.deepEqual(list.body['webhooks'], []);
});

test('the allow list admits exactly what it names', async () => {
  const guard = new AddressGuard(['127.0.0.1', '10.1.0.0/16', 'intranet.test'], async (host) =>
    host === 'intranet.test' ? [{ address: '192.168.7.7', family: 4 }] : [{ address: '10.9.9.9', family: 4 }],
  );
  await guard.check('http://127.0.0.1:9/x');
  await guard.check('http://10.1.200.3/x');
  await guard.check('http://intranet.test/x');
  await assert.rejects(guard.check('http://127.0.0.2/x'), WebhookRefused);
  await assert.rejects(guard.check('http://10.2.0.1/x'), WebhookRefused);
  await assert.rejects(guard.check('http://elsewhere.test/x'), WebhookRefused, 'resolves to 10.9.9.9, outside the list');
  assert.throws(() => new AddressGuard(['not a cidr/99']));
});

test('DNS rebinding: a name that passed the check but resolves to loopback at connect time is not connected to', async () => {
  const receiver = await WebhookReceiver.start();
  try {
    const port = new URL(receiver.url).port;
    let lookups = 0;
    // Public for the check, the receiver's loopback address for the connection.
    const guard = new AddressGuard([], async () => (lookups++ === 0 ? [{ address: '93.184.216.34', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]));
    await guard.check(`http://rebind.test:${port}/hook`);
    const sender = new Sender(guard, 5000);
    const attempt = await sender.post(`http://rebind.test:${port}/hook`, {}, '{}');
    sender.close();
    assert.equal(attempt.ok, false);
    assert.match(attempt.ok ? '' : attempt.error, /may not reach/);
    assert.equal(receiver.attempts.length, 0, 'nothing reached the receiver');
    // The same receiver, allowed, is reached through the same path: the refusal above was the guard's.
    const allowed = new Sender(new AddressGuard(['127.0.0.1'], async () => [{ address: '127.0.0.1', family: 4 }]), 5000);
    const through = await allowed.post(`http://rebind.test:${port}/hook`, {}, '{}');
    allowed.close();
    assert.equal(through.ok, true);
    assert.equal(receiver.attempts.length, 1);
  } finally {
    await receiver.close();
  }
});

test('a redirect is not followed: it is a failed attempt', async () => {
  const receiver = await WebhookReceiver.start();
  const target = await WebhookReceiver.start();
  try {
    receiver.answer = () => 307;
    const sender = new Sender(new AddressGuard(['127.0.0.1']), 5000);
    const attempt = await sender.post(receiver.url, {}, '{}');
    sender.close();
    assert.deepEqual(attempt, { ok: false, status: 307, error: 'the receiver answered 307' });
    assert.equal(target.attempts.length, 0);
  } finally {
    await receiver.close();
    await target.close();
  }
});

test('an attempt the receiver does not answer in time fails at the timeout', async () => {
  const receiver = await WebhookReceiver.start();
  try {
    receiver.holdMs = 5000;
    const sender = new Sender(new AddressGuard(['127.0.0.1']), 200);
    const started = Date.now();
    const attempt = await sender.post(receiver.url, {}, '{}');
    const took = Date.now() - started;
    sender.close();
    assert.deepEqual(attempt, { ok: false, error: 'no answer within 200 ms' });
    assert.ok(took < 4000, `gave up after ${took} ms, not when the receiver answered`);
  } finally {
    await receiver.close();
  }
});
