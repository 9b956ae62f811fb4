// The admin console (/admin) in Chromium, page by page: a user who is no admin is told so and sees
// nothing; an admin sees this process's live figures, archives and deletes a room, disables an
// account and lifts a ban, makes and revokes a key (its secret shown once), and finds each act in
// the audit log, exported as CSV; opens a webhook subscription's recent deliveries (a failure and a
// success) and sends one again, which the receiver gets with the same webhook-id.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { register } from '../support/auth.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';
import { call, makeKey } from '../support/api-v1.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { admin as adminCli } from '../../src/cli/admin.js';
import { loadConfig } from '../../src/server/config.js';

const skip = browserUnavailable();
let server: TestServer;
let browser: Browser;
let root: { token: string; id: string };

before(async () => {
  if (skip !== undefined) return;
  const defaults = loadConfig([], {});
  // A receiver on 127.0.0.1 may be subscribed; short polls and retries.
  server = await startTestServer({
    consoleSampleMs: 200,
    webhooks: { ...defaults.webhooks, allowPrivate: ['127.0.0.1'], pollMs: 20, retryScheduleMs: [30, 30, 30] },
  });
  browser = await launchChromium();
  root = await register(server.url, 'consoleroot');
  await adminCli(
    ['grant', 'consoleroot', '--data-dir', server.config.dataDir],
    () => undefined,
    () => undefined,
  );
});
after(async () => {
  if (skip !== undefined) return;
  await browser.close();
  await server.stop();
});

/** A browser signed in as the account of `token` (as the chat keeps it), on /admin. */
async function consoleAs(token: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${server.url}/healthz`);
  await page.evaluate(`localStorage.setItem('parley.token', ${JSON.stringify(token)})`);
  await page.goto(`${server.url}/admin`);
  return { context, page };
}

test('a signed-in user who is no admin is told so and shown nothing of the console', { skip }, async () => {
  const plain = await register(server.url, 'notanadmin');
  const { context, page } = await consoleAs(plain.token);
  await page.locator('h1', { hasText: 'Not an admin' }).waitFor();
  assert.equal(await page.locator('.console-tabs').count(), 0);
  await context.close();
  const anonymous = await browser.newContext();
  const nobody = await anonymous.newPage();
  await nobody.goto(`${server.url}/admin`);
  await nobody.locator('h1', { hasText: 'Sign in first' }).waitFor();
  await anonymous.close();
});

test('an admin sees the live figures and runs rooms, users, keys and the audit log', { skip }, async () => {
  // Something to look at: a busy room, a room to archive and delete, a banned user.
  const owner = await register(server.url, 'ownerofthings');
  const troll = await register(server.url, 'trollish');
  const ownerClient = await TestClient.connect(server.wsUrl);
  await ownerClient.ok('hello', { token: owner.token });
  for (const room of ['market', 'attic']) await ownerClient.ok('create', { room });
  await ownerClient.ok('join', { room: 'market' });
  await ownerClient.ok('ban', { room: 'market', user: troll.id });
  for (let i = 0; i < 20; i++) await ownerClient.ok('send', { room: 'market', text: `stall ${i}`, cid: `m${i}` });

  const { context, page } = await consoleAs(root.token);
  page.on('dialog', (dialog) => void dialog.accept());
  // Live: this process, with its connection counted.
  await page.locator('[data-testid="live-process"]').first().waitFor({ timeout: 15_000 });
  await page
    .locator('[data-figure="connections"] .live-value', { hasText: /^[1-9]/ })
    .first()
    .waitFor({ timeout: 15_000 });

  // Rooms: archive attic, delete it.
  await page.click('a[href="#rooms"]');
  const attic = page.locator('tr[data-room="attic"]');
  await attic.waitFor();
  await attic.locator('button', { hasText: 'Archive' }).click();
  await attic.locator('td', { hasText: 'archived' }).waitFor();
  await attic.locator('button', { hasText: 'Delete' }).click();
  await attic.waitFor({ state: 'detached' });
  const listed = ((await ownerClient.ok('rooms'))['rooms'] as { room: string }[]).map((entry) => entry.room);
  assert.ok(!listed.includes('attic'), 'the room is gone from the server');

  // Users: the troll's ban is lifted, then its account disabled.
  await page.click('a[href="#users"]');
  await page.fill('input[aria-label="Search users"]', 'trollish');
  await page.locator(`tr[data-user="${troll.id}"] button`).click();
  const panel = page.locator('[data-testid="user-panel"]');
  await panel.locator('[data-restriction="market:ban"]').waitFor();
  await panel.locator('[data-restriction="market:ban"] button', { hasText: 'Lift' }).click();
  await panel.locator('text=None.').waitFor();
  await panel.locator('button', { hasText: 'Disable account' }).click();
  await panel.locator('button', { hasText: 'Enable account' }).waitFor();
  const trollClient = await TestClient.connect(server.wsUrl);
  assert.equal((await trollClient.request('hello', { token: troll.token }))['code'], 'unauthorized', 'signed out by the disable');
  await trollClient.close();

  // Keys: one made (its secret shown once), then revoked.
  await page.click('a[href="#keys"]');
  await page.fill('input[aria-label="Key name"]', 'deploy-bot');
  await page.click('button:has-text("Make key")');
  const secret = page.locator('[data-testid="secret"] code');
  await secret.waitFor();
  assert.match((await secret.textContent()) ?? '', /^pk_/);
  const row = page.locator('tr[data-key]', { hasText: 'deploy-bot' });
  await row.locator('button', { hasText: 'Revoke' }).click();
  await row.locator('td', { hasText: /^revoked/ }).waitFor();

  // The audit log has each act, and exports as CSV.
  await page.click('a[href="#audit"]');
  for (const action of ['room.ban', 'room.archive', 'room.delete', 'room.unban', 'user.disable', 'key.create', 'key.revoke']) {
    await page.locator(`tr[data-action="${action}"]`).first().waitFor();
  }
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('button:has-text("Export CSV")')]);
  const path = await download.path();
  const csv = readFileSync(path, 'utf8');
  assert.match(csv, /^id,time,actor_id,actor_name,action,room,target,detail\r\n/);
  assert.match(csv, /room\.delete,attic/);
  await ownerClient.close();
  await context.close();
});

test("an admin opens a subscription's recent deliveries and sends one again", { skip }, async () => {
  const receiver = await WebhookReceiver.start();
  const ops = (await makeKey(server.config, 'hook-owner', ['admin', 'publish'])).key;
  try {
    receiver.answer = (n) => (n === 0 ? 500 : 200);
    const made = await call(server.url, 'POST', '/api/v1/webhooks', { key: ops, body: { url: receiver.url, events: ['message.created'] } });
    assert.equal(made.status, 201, made.text);
    const id = String(made.body['id']);
    receiver.secret = String(made.body['secret']);
    const maker = await TestClient.guest(server.wsUrl, 'hookmaker');
    await maker.ok('join', { room: 'hooked' });
    await maker.ok('send', { room: 'hooked', text: 'ring the bell', cid: 'bell' });
    await maker.close();
    await receiver.waitFor(() => receiver.accepted.length === 1);
    const eventId = receiver.accepted[0]?.id ?? '';

    const { context, page } = await consoleAs(root.token);
    await page.click('a[href="#keys"]');
    const row = page.locator(`tr[data-webhook="${id}"]`);
    await row.locator('button', { hasText: 'Deliveries' }).click();
    const panel = page.locator('[data-testid="deliveries-panel"]');
    // Both attempts at the event: the failed one with the receiver's 500, then the success (the panel reads the log again on its own).
    const failed = panel.locator(`tr[data-event="${eventId}"][data-ok="false"]`);
    const delivered = panel.locator(`tr[data-event="${eventId}"][data-ok="true"]`);
    await failed.waitFor({ timeout: 15_000 });
    await delivered.waitFor({ timeout: 15_000 });
    assert.match((await failed.textContent()) ?? '', /500, failed.*the receiver answered 500/);
    assert.match((await delivered.textContent()) ?? '', /200 delivered/);
    assert.match((await delivered.locator('td').nth(4).textContent()) ?? '', /^\d+ ms$/, 'its latency');
    assert.equal(await delivered.locator('td').nth(2).textContent(), '2', 'the second attempt');

    await delivered.locator('button', { hasText: 'Send again' }).click();
    await panel.locator('[role="status"]', { hasText: 'will be sent again' }).waitFor();
    await receiver.waitFor(() => receiver.accepted.length === 2);
    const again = receiver.accepted[1];
    assert.equal(again?.id, eventId, 'the same webhook-id');
    assert.ok(again?.verified, 'standardwebhooks verifies it');
    // The panel shows the resend's attempt once it is logged.
    await delivered.nth(1).waitFor({ timeout: 15_000 });
    assert.equal(await delivered.count(), 2);
    await page.click('a[href="#audit"]');
    await page.locator('tr[data-action="webhook.resend"]').first().waitFor();
    await context.close();
  } finally {
    await receiver.close();
  }
});
