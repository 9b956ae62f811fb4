// Small things people notice at once, in a real browser: the members list is one line per person
// (the name opens a DM, no "Message" pill under each); an empty DM says it is a conversation
// between two; the registration form marks only the field that is wrong; and when the browser
// refuses notifications, the app says so and what to do instead of dropping the button silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/client.js';
import { enterRoom, person } from '../support/web-page.js';
import { BrowserSuite } from '../support/browser-suite.js';

const suite = new BrowserSuite();
const { skip } = suite;

test('members are one line each and the name opens a DM, whose empty view fits a DM', { skip }, async () => {
  const bob = await TestClient.guest(suite.server.wsUrl, 'Bob');
  const cleo = await TestClient.guest(suite.server.wsUrl, 'Cleo');
  for (const client of [bob, cleo]) await client.ok('join', { room: 'crowd' });
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const page = ada.page;
  await enterRoom(page, 'crowd');
  const rows = page.locator('[data-testid="members"] .member');
  await page.locator('[data-testid="members"]', { hasText: 'Cleo' }).waitFor();
  assert.equal(await page.locator('[data-testid="members"] .chip-button').count(), 0, 'no pill on any row');
  const heights = await rows.evaluateAll((els: { getBoundingClientRect(): { height: number } }[]) => els.map((el) => el.getBoundingClientRect().height));
  assert.equal(heights.length, 3);
  assert.ok(
    heights.every((height) => height === heights[0]),
    `every row as tall as my own: ${heights.join(', ')}`,
  );

  await page.click('[data-testid="members"] button[aria-label="Message Bob directly"]');
  await page.locator('.room-title', { hasText: 'Bob' }).waitFor();
  const empty = page.locator('[data-testid="empty-dm"]');
  await empty.waitFor();
  assert.match((await empty.textContent()) ?? '', /conversation with Bob.*Only the two of you/);
  assert.equal(await page.locator('.empty-room', { hasText: 'people who join later' }).count(), 0);
  await bob.close();
  await cleo.close();
  await ada.context.close();
});

test('registration marks only the field that is wrong', { skip }, async () => {
  const context = await suite.browser.newContext();
  const page = await context.newPage();
  await page.goto(suite.server.url);
  await page.click('#tab-register');
  const invalid = async (id: string): Promise<string | null> => page.getAttribute(id, 'aria-invalid');

  await page.fill('#username', 'a?');
  await page.fill('#password', 'a good long password');
  await page.press('#password', 'Enter');
  await page.locator('#account-error', { hasText: 'Usernames' }).waitFor();
  assert.deepEqual([await invalid('#username'), await invalid('#password')], ['true', 'false']);

  await page.fill('#username', 'Takenname');
  await page.fill('#password', 'short');
  await page.press('#password', 'Enter');
  await page.locator('#account-error', { hasText: 'Passwords' }).waitFor();
  assert.deepEqual([await invalid('#username'), await invalid('#password')], ['false', 'true']);

  const first = await fetch(`${suite.server.url}/api/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'Takenname', password: 'another long password' }),
  });
  assert.equal(first.status, 201);
  await page.fill('#password', 'a good long password');
  await page.press('#password', 'Enter');
  await page.locator('#account-error', { hasText: 'taken' }).waitFor();
  assert.deepEqual([await invalid('#username'), await invalid('#password')], ['true', 'false']);
  await context.close();
});

test('notifications refused by the browser: the app says they are blocked and how to allow them', { skip }, async () => {
  const context = await suite.browser.newContext();
  // The browser's answer to the prompt, as when the person clicks "Block".
  await context.addInitScript({
    content: `{
      let permission = 'default';
      class Refused { static get permission() { return permission; } static async requestPermission() { permission = 'denied'; return permission; } }
      Object.defineProperty(window, 'Notification', { value: Refused, configurable: true });
    }`,
  });
  const page = await context.newPage();
  await page.goto(suite.server.url);
  await page.fill('#nick', 'Ada');
  await page.press('#nick', 'Enter');
  await page.click('.notify-button');
  const note = page.locator('[data-testid="notify-denied"]');
  await note.waitFor();
  assert.match((await note.textContent()) ?? '', /blocked.*allow notifications in your browser's site settings/);
  assert.equal(await page.locator('.notify-button').count(), 0);
  await context.close();
});
