// The shared documents' metrics on /metrics, moved by stock WebsocketProviders over real sockets:
// documents open and editors connected (read at the scrape), updates applied by source, refusals by
// reason, bytes stored, compactions and their time. Every assertion is a difference from before the
// step, read from the same server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { converged, openEditor, ticketFor, yjsUrl } from '../support/yjs.js';
import { until } from '../support/web-page.js';
import { upgradeOrRefusal } from '../support/upgrade.js';
import { metricValue } from '../support/metrics.js';
import { DEFAULT_DOC_LIMITS } from '../../src/server/docs/doc-limits.js';

let server: TestServer;
before(async () => {
  // Small bounds so that a test reaches them: a compaction every 5 updates, 64 KiB per document.
  server = await startTestServer({ docLimits: { ...DEFAULT_DOC_LIMITS, compactEvery: 5, maxDocBytes: 64 * 1024 } });
});
after(async () => {
  await server.stop();
});

const metric = (name: string, labels: Record<string, string> = {}): Promise<number> => metricValue(server.url, name, labels);

/** Waits until `name{labels}` has grown by at least `by` from `from`; returns the value. */
async function grows(name: string, labels: Record<string, string>, from: number, by = 1): Promise<number> {
  let value = from;
  await until(`${name} ${JSON.stringify(labels)} grows by ${by}`, async () => (value = await metric(name, labels)) >= from + by, 10_000);
  return value;
}

const guest = (nick: string): Promise<TestClient> => TestClient.guest(server.wsUrl, nick);

test('documents open and editors connected follow providers; applied updates, stored bytes and compactions count each change', async () => {
  assert.equal(await metric('parley_docs_open'), 0);
  assert.equal(await metric('parley_doc_editors'), 0);
  const ada = await guest('ada-g');
  await ada.ok('create', { room: 'metrics-doc' });
  await ada.ok('create', { room: 'metrics-other' });
  const a = await openEditor(server.url, ada, 'metrics-doc');
  const b = await openEditor(server.url, ada, 'metrics-doc');
  const c = await openEditor(server.url, ada, 'metrics-other');
  assert.equal(await metric('parley_docs_open'), 2, 'two rooms open');
  assert.equal(await metric('parley_doc_editors'), 3, 'three providers');

  const applied = await metric('parley_doc_updates_total', { source: 'editor' });
  const bytes = await metric('parley_doc_stored_bytes_total');
  const compactions = await metric('parley_doc_compaction_seconds_count', { outcome: 'ok' });
  for (let i = 0; i < 12; i++) a.text.insert(a.text.length, `word${i} `);
  await converged([a, b]);
  // Barrier: b's own change is stored after a's twelve (one connection's messages are handled in order, and b saw them all).
  b.text.insert(0, '>');
  await converged([a, b]);
  assert.equal(await metric('parley_doc_updates_total', { source: 'editor' }), applied + 13, 'one applied update per insert');
  assert.ok((await metric('parley_doc_stored_bytes_total')) - bytes >= 13 * 'wordNN '.length, 'at least the inserted text was stored');
  // compactEvery 5: 13 updates make at least two compactions (they run after the write, not in it).
  await grows('parley_doc_compaction_seconds_count', { outcome: 'ok' }, compactions, 2);
  assert.ok((await metric('parley_doc_compaction_seconds_sum', { outcome: 'ok' })) > 0, 'their time is recorded');

  // A version written back is applied and stored like an edit, under its own source.
  const restored = await metric('parley_doc_updates_total', { source: 'restore' });
  const saved = await ada.ok('docsave', { room: 'metrics-doc', name: 'v1' });
  await ada.ok('docversion', { room: 'metrics-doc', version: (saved['version'] as { id: number }).id, restore: true });
  assert.equal(await metric('parley_doc_updates_total', { source: 'restore' }), restored + 1);

  c.destroy();
  await until('metrics-other unloads', async () => (await metric('parley_docs_open')) === 1);
  assert.equal(await metric('parley_doc_editors'), 2);
  a.destroy();
  b.destroy();
  await until('every document unloads', async () => (await metric('parley_docs_open')) === 0);
  assert.equal(await metric('parley_doc_editors'), 0);
  await ada.close();
});

test('refused updates are counted by reason: muted, locked, builds_on_refused, doc_full, rate, too_large; awareness too', async () => {
  const ada = await guest('ada-r');
  const bobHello = await TestClient.connect(server.wsUrl);
  const bobId = ((await bobHello.ok('hello', { nick: 'bob-r' }))['user'] as { id: string }).id;
  await ada.ok('create', { room: 'refuse-doc' });
  await bobHello.ok('join', { room: 'refuse-doc' });
  await ada.ok('mute', { room: 'refuse-doc', user: bobId, seconds: 600 });
  const a = await openEditor(server.url, ada, 'refuse-doc');
  const b = await openEditor(server.url, bobHello, 'refuse-doc');

  const muted = await metric('parley_doc_updates_refused_total', { reason: 'muted' });
  b.text.insert(0, 'muted words');
  await until('bob is refused', () => Promise.resolve(b.denied.length > 0));
  assert.equal(await metric('parley_doc_updates_refused_total', { reason: 'muted' }), muted + 1);
  b.destroy();

  const locked = await metric('parley_doc_updates_refused_total', { reason: 'locked' });
  const stuck = await metric('parley_doc_updates_refused_total', { reason: 'builds_on_refused' });
  await ada.ok('doclock', { room: 'refuse-doc', locked: true });
  a.text.insert(0, 'during the lock');
  await until('ada is refused', () => Promise.resolve(a.denied.some((reason) => /locked/.test(reason))));
  await ada.ok('doclock', { room: 'refuse-doc', locked: false });
  a.text.insert(a.text.length, ' and after');
  await until('ada is told to reload', () => Promise.resolve(a.denied.some((reason) => /reload/.test(reason))));
  assert.equal(await metric('parley_doc_updates_refused_total', { reason: 'locked' }), locked + 1);
  assert.equal(await metric('parley_doc_updates_refused_total', { reason: 'builds_on_refused' }), stuck + 1);
  a.destroy();

  // 64 KiB per document here: the fourth 20 KiB insert does not fit.
  const full = await metric('parley_doc_updates_refused_total', { reason: 'doc_full' });
  const filler = await openEditor(server.url, ada, 'refuse-doc');
  for (let i = 0; i < 4; i++) filler.text.insert(filler.text.length, 'x'.repeat(20 * 1024));
  await until('the full document refuses', () => Promise.resolve(filler.denied.some((reason) => /full/.test(reason))));
  assert.ok((await metric('parley_doc_updates_refused_total', { reason: 'doc_full' })) >= full + 1);
  filler.destroy();

  // An awareness state over 4 KiB is refused with its own reason.
  const bigCursor = await metric('parley_doc_awareness_refused_total', { reason: 'too_large' });
  const cursor = await openEditor(server.url, ada, 'refuse-doc');
  cursor.provider.awareness.setLocalStateField('user', { name: 'n'.repeat(5000) });
  await until('the cursor is refused', () => Promise.resolve(cursor.denied.some((reason) => /awareness/.test(reason))));
  assert.equal(await metric('parley_doc_awareness_refused_total', { reason: 'too_large' }), bigCursor + 1);
  cursor.destroy();

  // A flood: refused past 30/s (burst 120) until the connection is closed after 50 refusals.
  const rate = await metric('parley_doc_updates_refused_total', { reason: 'rate' });
  await ada.ok('create', { room: 'flood-doc' });
  const flooder = await openEditor(server.url, ada, 'flood-doc');
  const closed = new Promise<void>((resolve) => flooder.provider.on('connection-close', () => resolve()));
  for (let i = 0; i < 400; i++) flooder.text.insert(0, 'y');
  await closed;
  assert.ok((await metric('parley_doc_updates_refused_total', { reason: 'rate' })) >= rate + 50, 'each refusal counted');
  flooder.destroy();

  // A frame over the size bound: ws closes it with 1009 before the service sees it; the gateway counts it.
  const tooLarge = await metric('parley_doc_updates_refused_total', { reason: 'too_large' });
  const huge = await upgradeOrRefusal(`${yjsUrl(server.url)}/refuse-doc?ticket=${await ticketFor(ada, 'refuse-doc')}`);
  assert.ok(huge instanceof WebSocket);
  const hugeClosed = new Promise<number>((resolve) => huge.once('close', (code) => resolve(code)));
  huge.send(Buffer.alloc(2 * 1024 * 1024, 1));
  assert.equal(await hugeClosed, 1009);
  await grows('parley_doc_updates_refused_total', { reason: 'too_large' }, tooLarge);
  assert.equal(await metric('parley_doc_updates_refused_total', { reason: 'too_large' }), tooLarge + 1);
  await ada.close();
  await bobHello.close();
});
