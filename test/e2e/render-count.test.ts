// What one message re-renders in the web app, counted in a real browser: with a room of 150
// messages in view, a message in another room renders nothing of the room in view (only that
// room's sidebar link), and a message in the room in view renders one row — the new one — not
// the list's other rows. The counts come from web/src/render-probe.ts, which the page turns on
// only when `window.parleyRenders` exists before the app starts (an init script here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';

const skip = browserUnavailable();
const TOTAL = 150;

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

/** Polls `condition` (no timing assertion: it only bounds how long a broken build is waited for). */
async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function enterRoom(page: Page, room: string): Promise<void> {
  await page.fill('#new-room', room);
  await page.press('#new-room', 'Enter');
  await page.locator('.room-title span', { hasText: new RegExp(`^${room}$`) }).waitFor();
}

type Counts = Record<string, number>;
/** What these page functions touch of an element (the test compiles without the DOM's types). */
type SeqElement = { getAttribute: (name: string) => string | null };
type Scroller = { scrollTo: (options: { top: number }) => void; scrollHeight: number };

/** The renders counted since the last call (which starts the count again). */
async function takeCounts(page: Page): Promise<Counts> {
  // A task boundary first: renders still queued (microtasks, preact's debounce) are done by then.
  return await page.evaluate<Counts>(`new Promise((resolve) => setTimeout(() => {
    const counts = window.parleyRenders || {};
    resolve({ ...counts });
    for (const key of Object.keys(counts)) delete counts[key];
  }, 0))`);
}

const seqs = (page: Page): Promise<number[]> =>
  page.locator('[data-testid="message"] .msg-text').evaluateAll((els: SeqElement[]) => els.map((el) => Number(el.getAttribute('data-seq'))));

/** The components that draw the room in view. */
const SHOWN_ROOM = ['ChatScreen', 'RoomHeader', 'MessageList', 'MessageRow', 'PendingRow', 'TypingLine', 'Composer', 'Members', 'Sidebar'];

test('a message re-renders one row of the room in view, and nothing of it when it is in another room', { skip }, async () => {
  const grace = await TestClient.guest(server.wsUrl, 'Grace');
  await grace.ok('join', { room: 'busy' });
  await grace.ok('join', { room: 'quiet' });
  for (let i = 1; i <= TOTAL; i++) await grace.ok('send', { room: 'busy', text: `line ${i}`, cid: `b${i}` });

  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript({ content: 'window.parleyRenders = {};' });
  const page = await context.newPage();
  await page.goto(server.url);
  await page.fill('#nick', 'Ada');
  await page.press('#nick', 'Enter');
  await page.locator('.status-dot.status-open').waitFor({ state: 'attached', timeout: 15_000 });
  await enterRoom(page, 'quiet');
  await enterRoom(page, 'busy');
  await page.locator('[data-testid="message"] .msg-text', { hasText: `line ${TOTAL}` }).waitFor();
  for (let round = 0; round < 5 && (await seqs(page)).length < TOTAL; round++) {
    const shown = (await seqs(page)).length;
    await page.locator('.messages').evaluate((el: Scroller) => el.scrollTo({ top: 0 }));
    await until('an older page', async () => (await seqs(page)).length > shown);
  }
  assert.equal((await seqs(page)).length, TOTAL);
  await page.locator('.messages').evaluate((el: Scroller) => el.scrollTo({ top: el.scrollHeight }));
  const loading = await takeCounts(page);
  assert.ok((loading['MessageRow'] ?? 0) >= TOTAL, `the probe counts renders (${loading['MessageRow'] ?? 0} rows while loading)`);

  // A message in another room: its sidebar link and the drawer button's dot, nothing of 'busy'.
  await grace.ok('send', { room: 'quiet', text: 'elsewhere', cid: 'q1' });
  await page.locator('[data-testid="unread-quiet"]', { hasText: /^1$/ }).waitFor();
  const other = await takeCounts(page);
  for (const name of SHOWN_ROOM) assert.equal(other[name] ?? 0, 0, `${name} rendered for a message in another room: ${JSON.stringify(other)}`);
  assert.equal(other['RoomLink'], 1, `only the other room's link: ${JSON.stringify(other)}`);

  // A message in the room in view: the list once, and one row, the new one.
  await grace.ok('send', { room: 'busy', text: 'fresh', cid: 'b-fresh' });
  await page.locator('[data-testid="message"] .msg-text', { hasText: /^fresh$/ }).waitFor();
  // A barrier: a later message (in the other room) is shown, so whatever the first one caused
  // (the read marker it sends, and its answer) has had the time the second one took.
  await grace.ok('send', { room: 'quiet', text: 'barrier', cid: 'q2' });
  await page.locator('[data-testid="unread-quiet"]', { hasText: /^2$/ }).waitFor();
  const shown = await takeCounts(page);
  assert.equal(shown['MessageRow'], 1, `one row for one message: ${JSON.stringify(shown)}`);
  assert.equal(shown['MessageList'], 1, `the list once: ${JSON.stringify(shown)}`);
  for (const name of SHOWN_ROOM.filter((n) => n !== 'MessageRow' && n !== 'MessageList')) {
    assert.equal(shown[name] ?? 0, 0, `${name} rendered for a message in the list: ${JSON.stringify(shown)}`);
  }
  assert.equal((await seqs(page)).length, TOTAL + 1);
  await grace.close();
  await context.close();
});
