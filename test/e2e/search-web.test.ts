// Search across every room I can read, in a real browser: results from several rooms newest first
// with the match marked, filters by room, person and date, and a click that opens the message in
// its room with the history around it loaded (far back, past the pages the room had loaded).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';
import { enterRoom, person, until, waitForText } from '../support/web-page.js';

const skip = browserUnavailable();
// What the page function below touches of a DOM element: the test compiles without the DOM library.
type SeqElement = { getAttribute(name: string): string | null };
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

const results = (page: Page): Promise<string[]> => page.locator('[data-testid="search-result"] .msg-text').allTextContents();

/** Waits until the results are `texts` (a changed filter searches again), and says so if they never are. */
async function showing(page: Page, texts: string[]): Promise<void> {
  let last: string[] = [];
  await until(`results ${JSON.stringify(texts)}`, async () => {
    last = await results(page);
    return JSON.stringify(last) === JSON.stringify(texts);
  }).catch(() => assert.deepEqual(last, texts));
}

async function search(page: Page, text: string): Promise<void> {
  await page.fill('#search-text', text);
  await page.press('#search-text', 'Enter');
  await until('the search done', async () => (await page.locator('.search-note', { hasText: 'Searching' }).count()) === 0);
}

test('search finds matches in every room, marks them, filters, and a click opens the message in context', { skip }, async () => {
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  const cleo = await TestClient.guest(server.wsUrl, 'cleo');
  for (const client of [bob, cleo]) for (const room of ['ops', 'dev']) await client.ok('join', { room });
  // Far back in dev: the room in view loads only its newest page, so opening this result loads more.
  await cleo.ok('send', { room: 'dev', text: 'deploy script written', cid: 'd0' });
  for (let i = 1; i <= 180; i++) {
    await bob.ok('send', { room: 'dev', text: `filler ${i}`, cid: `f${i}` });
    if (i === 90) await bob.ok('send', { room: 'ops', text: 'the Deploy is done', cid: 'o1' });
  }
  await cleo.ok('send', { room: 'dev', text: 'redeploy at noon', cid: 'd1' });
  // A public room Ada never joined is searched as well.
  await cleo.ok('join', { room: 'unjoined' });
  await cleo.ok('send', { room: 'unjoined', text: 'deploy notes', cid: 'u1' });

  const ada = await person(browser, server.url, 'Ada');
  const page = ada.page;
  await enterRoom(page, 'ops');
  await enterRoom(page, 'dev');
  await waitForText(page, 'redeploy at noon');
  // The directory (read after hello) names the public room.
  await page.locator('.room-link.is-other', { hasText: 'unjoined' }).waitFor();

  await page.click('button[aria-label="Search #dev"]');
  await search(page, 'DEPLOY');
  assert.deepEqual(await results(page), ['deploy notes', 'redeploy at noon', 'the Deploy is done', 'deploy script written']);
  assert.deepEqual(await page.locator('[data-testid="search-result"] mark').allTextContents(), ['deploy', 'deploy', 'Deploy', 'deploy']);
  assert.deepEqual(await page.locator('[data-testid="search-result"] .search-room').allTextContents(), ['#unjoined', '#dev', '#ops', '#dev']);

  // Filters: a person, a room, and dates (everything was said today). Each one asks the server again.
  await page.fill('#search-person', 'cle');
  await showing(page, ['deploy notes', 'redeploy at noon', 'deploy script written']);
  await page.selectOption('#search-room', 'dev');
  await showing(page, ['redeploy at noon', 'deploy script written']);
  const today = await page.evaluate<string>('new Date().toLocaleDateString("sv")');
  await page.fill('#search-until', '2000-01-01');
  await showing(page, []);
  await page.fill('#search-until', today);
  await page.fill('#search-since', today);
  await showing(page, ['redeploy at noon', 'deploy script written']);

  // Opening the oldest: the search closes, the room loads back to it, and it is in view.
  assert.equal(await page.locator('.msg-text[data-seq="1"]').count(), 0, 'not loaded before the click');
  await page.locator('[data-testid="search-result"]', { hasText: 'deploy script written' }).locator('button').click();
  const target = page.locator('[data-testid="message"] .msg-text', { hasText: /^deploy script written$/ });
  await target.waitFor();
  assert.equal(await page.locator('#search-text').count(), 0);
  await until('the message in view', async () => {
    const box = await target.boundingBox();
    const list = await page.locator('.messages').boundingBox();
    return box !== null && list !== null && box.y >= list.y && box.y + box.height <= list.y + list.height;
  });
  const seqs = await page.locator('[data-testid="message"] .msg-text').evaluateAll((els: SeqElement[]) => els.map((el) => Number(el.getAttribute('data-seq'))));
  assert.deepEqual(
    seqs,
    Array.from({ length: 182 }, (_, i) => i + 1),
    'contiguous history from the match to the newest',
  );

  // A result in a room I have not joined opens that room.
  await page.click('button[aria-label="Search #dev"]');
  await search(page, 'notes');
  await page.locator('[data-testid="search-result"]', { hasText: 'deploy notes' }).locator('button').click();
  await page.locator('.room-title span', { hasText: /^unjoined$/ }).waitFor();
  await waitForText(page, 'deploy notes');

  // The person filter is the server's: Cleo's one match is found below more than a page of Bob's.
  await cleo.ok('send', { room: 'ops', text: 'standup at nine', cid: 's0' });
  for (let i = 1; i <= 30; i++) await bob.ok('send', { room: 'ops', text: `standup update ${i}`, cid: `s${i}` });
  await page.click('button[aria-label="Search #unjoined"]');
  await page.fill('#search-person', 'cleo');
  await search(page, 'standup');
  await showing(page, ['standup at nine']);
  await bob.close();
  await cleo.close();
  await ada.context.close();
});
