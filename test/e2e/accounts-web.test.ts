// The web app's join screen in a real browser: create an account, stay signed in across a reload
// (token in localStorage, never in a URL), sign out (the token dies on the server), and a guest who
// picks an account's name is sent back with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';

const skip = browserUnavailable();

let server: TestServer;
let browser: Browser;

before(async () => {
  if (skip !== undefined) return;
  server = await startTestServer();
  browser = await launchChromium();
});
after(async () => {
  if (skip !== undefined) return;
  await browser.close();
  await server.stop();
});

test('create an account, reload still signed in, sign out kills the token', { skip: skip ?? false }, async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    page.on('websocket', (ws) => urls.push(ws.url()));
    await page.goto(server.url);
    await page.click('#tab-register');
    await page.fill('#username', 'Webber');
    await page.fill('#password', 'a good long password');
    await page.press('#password', 'Enter');
    await page.waitForSelector('#composer-text');
    await page.locator('.me-name', { hasText: 'webber' }).waitFor({ timeout: 15_000 });
    const token = await page.evaluate<string | null>("localStorage.getItem('parley.token')");
    assert.match(token ?? '', /^pst_/);

    await page.reload();
    await page.waitForSelector('#composer-text');
    await page.locator('.me-name', { hasText: 'webber' }).waitFor({ timeout: 15_000 });
    assert.ok(!urls.some((url) => url.includes(token ?? '-')), 'the token never appears in a URL');

    await page.click('text=Sign out');
    await page.waitForSelector('#nick');
    assert.equal(await page.evaluate<string | null>("localStorage.getItem('parley.token')"), null);
    // The logout request is sent on sign-out; the token is refused from then on.
    let refused: string | undefined;
    for (let attempt = 0; attempt < 50 && refused === undefined; attempt++) {
      const client = await TestClient.connect(server.wsUrl);
      const reply = await client.request('hello', { token });
      if (reply.type === 'error') refused = reply['code'] as string;
      else await client.close();
      if (refused === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(refused, 'unauthorized');

    await page.click('#tab-login');
    await page.fill('#username', 'webber');
    await page.fill('#password', 'not the password');
    await page.press('#password', 'Enter');
    await page.locator('#account-error', { hasText: 'Wrong username or password' }).waitFor({ timeout: 15_000 });
  } finally {
    await context.close();
  }
});

test('a guest who picks an account name is sent back to the join screen with the reason', { skip: skip ?? false }, async () => {
  const response = await fetch(`${server.url}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'owned', password: 'a good long password' }),
  });
  assert.equal(response.status, 201);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.fill('#nick', 'Owned');
    await page.press('#nick', 'Enter');
    await page.locator('.welcome-notice', { hasText: 'belongs to an account' }).waitFor({ timeout: 15_000 });
    await page.waitForSelector('#nick');
  } finally {
    await context.close();
  }
});
