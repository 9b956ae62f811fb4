// The web app in a real browser against a real server: two people chat both ways, one drops
// offline and catches up without gaps or duplicates, message text is never HTML, unread counts
// rise in rooms not in view, and the layout is captured at desktop and phone widths.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestClient } from '../support/client.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';
import { exactly } from '../support/web-page.js';

const skip = browserUnavailable();
// What the page functions below touch of a DOM element: the test compiles without the DOM library.
type SeqElement = { getAttribute(name: string): string | null };
type Scroller = { scrollTo(options: { top: number }): void };
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  if (skip !== undefined) return;
  server = await startTestServer();
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});
after(async () => {
  if (skip !== undefined) return;
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser.close();
  await server.stop();
});

interface Person {
  context: BrowserContext;
  page: Page;
  dialogs: string[];
}

interface PersonOptions {
  width?: number;
  height?: number;
  dark?: boolean;
  url?: string;
  /** Desktop notifications allowed; each one shown is also recorded in `window.shownNotices`. */
  notifications?: boolean;
}

async function person(nick: string, options: PersonOptions = {}): Promise<Person> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.dark === true ? 'dark' : 'light',
    deviceScaleFactor: options.width !== undefined && options.width < 500 ? 2 : 1,
  });
  contexts.push(context);
  if (options.notifications === true) {
    await context.grantPermissions(['notifications'], { origin: options.url ?? server.url });
    // The browser's own Notification still runs; the page's calls are recorded for the test to read.
    await context.addInitScript({
      content: `{
        const Real = window.Notification;
        const shown = [];
        window.shownNotices = shown;
        class Recorded extends Real {
          constructor(title, init) {
            super(title, init);
            shown.push({ title, body: (init && init.body) || '' });
          }
        }
        Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true });
      }`,
    });
  }
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(options.url ?? server.url);
  await page.fill('#nick', nick);
  await page.press('#nick', 'Enter');
  await page.waitForSelector('#composer-text');
  await waitOnline(page);
  return { context, page, dialogs };
}

async function waitOnline(page: Page): Promise<void> {
  await page.locator('.status-dot.status-open').waitFor({ state: 'attached', timeout: 15_000 });
}

/** Polls `condition` (no timing assertion: it only bounds how long a broken build is waited for). */
async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Joins (or creates) a room through the sidebar form and waits until it is the room in view. */
async function enterRoom(page: Page, room: string): Promise<void> {
  const menu = page.locator('.menu-button');
  if (await menu.isVisible()) await menu.click();
  await page.fill('#new-room', room);
  await page.press('#new-room', 'Enter');
  await page.locator('.room-title span', { hasText: exactly(room) }).waitFor();
  await until('history loaded', async () => (await page.locator('.loading-older').count()) === 0);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#composer-text', text);
  await page.press('#composer-text', 'Enter');
}

async function texts(page: Page): Promise<string[]> {
  return page.locator('[data-testid="message"] .msg-text').allTextContents();
}

async function waitForText(page: Page, text: string): Promise<void> {
  await page
    .locator('[data-testid="message"] .msg-text', { hasText: exactly(text) })
    .first()
    .waitFor({ timeout: 15_000 });
}

async function noPending(page: Page): Promise<void> {
  await until('no pending messages', async () => (await page.locator('[data-testid="pending"]').count()) === 0);
}

test('two people chat both ways; a sent message is acknowledged and shown once', { skip }, async () => {
  const ada = await person('Ada');
  const bob = await person('Bob');
  await enterRoom(ada.page, 'both-ways');
  await enterRoom(bob.page, 'both-ways');
  await say(ada.page, 'Hi Bob!');
  await waitForText(bob.page, 'Hi Bob!');
  await say(bob.page, 'Hello Ada, *nice* to see you');
  await waitForText(ada.page, 'Hello Ada, *nice* to see you');
  await waitForText(ada.page, 'Hi Bob!');
  // Pending rows are gone once the acknowledgement and the push are in.
  await noPending(ada.page);
  assert.deepEqual(await texts(ada.page), ['Hi Bob!', 'Hello Ada, *nice* to see you']);
  assert.deepEqual(await texts(bob.page), ['Hi Bob!', 'Hello Ada, *nice* to see you']);
  // Presence: each sees the other in the members list.
  await ada.page.locator('[data-testid="members"]', { hasText: 'Bob' }).waitFor();
  // Typing: Bob types, Ada sees it.
  await bob.page.fill('#composer-text', 'typing…');
  await bob.page.type('#composer-text', '!');
  await ada.page.locator('[data-testid="typing"]', { hasText: 'Bob is typing' }).waitFor();
  await bob.context.close();
  await ada.context.close();
});

test('offline while 5 messages are sent: back online, each of the 5 shows exactly once', { skip }, async () => {
  const ada = await person('Ada');
  const bob = await person('Bob');
  await enterRoom(ada.page, 'offline');
  await enterRoom(bob.page, 'offline');
  await say(bob.page, 'before');
  await waitForText(ada.page, 'before');

  await ada.context.setOffline(true);
  await ada.page.waitForSelector('[data-testid="banner"]');
  await ada.page.screenshot({ path: join(ARTIFACTS, 'offline-banner.png') });
  const sent = ['one', 'two', 'three', 'four', 'five'];
  for (const text of sent) await say(bob.page, text);
  await waitForText(bob.page, 'five');
  // Ada is offline: none of them may have reached her.
  assert.deepEqual(await texts(ada.page), ['before']);
  // Also send something from the offline side: it waits as pending.
  await say(ada.page, 'sent while offline');
  await ada.page.waitForSelector('[data-testid="pending"]');

  await ada.context.setOffline(false);
  await waitForText(ada.page, 'five');
  await waitForText(ada.page, 'sent while offline');
  await waitForText(bob.page, 'sent while offline');
  await noPending(ada.page);
  const shown = await texts(ada.page);
  for (const text of sent) assert.equal(shown.filter((t) => t === text).length, 1, `"${text}" shown once`);
  assert.deepEqual(shown, ['before', ...sent, 'sent while offline']);
  const seqs = await ada.page
    .locator('[data-testid="message"] .msg-text')
    .evaluateAll((els: SeqElement[]) => els.map((el) => Number(el.getAttribute('data-seq'))));
  assert.deepEqual(seqs, [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(await texts(bob.page), shown);
  await ada.page.waitForSelector('.banner-ok');
  await bob.context.close();
  await ada.context.close();
});

test('a tab closed while its messages were pending: reopened, they are sent, each stored once', { skip }, async () => {
  const ada = await person('Ada');
  await enterRoom(ada.page, 'closed-tab');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room: 'closed-tab' });
  await say(ada.page, 'made it');
  await bob.waitFor('message', 1, 'closed-tab');

  await ada.context.setOffline(true);
  await ada.page.waitForSelector('[data-testid="banner"]');
  await say(ada.page, 'written on the train');
  await say(ada.page, 'and one more');
  await until('both pending', async () => (await ada.page.locator('[data-testid="pending"]').count()) === 2);
  await ada.page.close();

  // Later, online again, the app is opened once more in the same browser.
  await ada.context.setOffline(false);
  const page = await ada.context.newPage();
  await page.goto(server.url);
  await waitForText(page, 'and one more');
  await noPending(page);
  assert.deepEqual(await texts(page), ['made it', 'written on the train', 'and one more']);
  const got = await bob.waitFor('message', 3, 'closed-tab');
  assert.deepEqual(
    got.map((m) => m['text']),
    ['made it', 'written on the train', 'and one more'],
  );
  // Opened again: nothing is left to send, so nothing is sent twice.
  await page.reload();
  await waitForText(page, 'and one more');
  // A send the app still had saved would go out from its outbox at start, shown pending until its
  // ack; the server publishes a repeated cid again, before that ack. So once nothing is pending, a
  // barrier on bob shows any second copy.
  await noPending(page);
  await bob.barrier();
  assert.equal(bob.pushes('message', 'closed-tab').length, 3);
  await bob.close();
  await ada.context.close();
});

test('offline for more than the server replays: the room reloads its newest page, contiguous', { skip }, async () => {
  const small = await startTestServer({ recoveryLimit: 3 });
  try {
    const ada = await person('Ada', { url: small.url });
    await enterRoom(ada.page, 'gap');
    const bob = await TestClient.guest(small.wsUrl, 'bob');
    await bob.ok('join', { room: 'gap' });
    await bob.ok('send', { room: 'gap', text: 'g1', cid: 'g1' });
    await waitForText(ada.page, 'g1');
    await ada.context.setOffline(true);
    await ada.page.waitForSelector('[data-testid="banner"]');
    // More than one page (50) missed, and more than the server replays (3).
    for (let i = 2; i <= 70; i++) await bob.ok('send', { room: 'gap', text: `g${i}`, cid: `g${i}` });
    await ada.context.setOffline(false);
    await waitForText(ada.page, 'g70');
    const seqs = (): Promise<number[]> =>
      ada.page.locator('[data-testid="message"] .msg-text').evaluateAll((els: SeqElement[]) => els.map((el) => Number(el.getAttribute('data-seq'))));
    // The newest page, without the stale g1 stuck in front of a hole.
    await until('the newest page', async () => (await seqs()).length === 50);
    assert.deepEqual(await seqs(), range(21, 70));
    // Scrolling up fills in the rest.
    await ada.page.locator('.messages').evaluate((el: Scroller) => el.scrollTo({ top: 0 }));
    await until('older page', async () => (await seqs()).length === 70);
    assert.deepEqual(await seqs(), range(1, 70));
    await bob.close();
    await ada.context.close();
  } finally {
    await small.stop();
  }
});

test('message text is text: HTML shows as characters and runs nothing; markup renders safely', { skip }, async () => {
  const ada = await person('Ada');
  await enterRoom(ada.page, 'xss');
  // Sent by a raw protocol client, so nothing in the web app could have escaped it on the way in.
  const mallory = await TestClient.guest(server.wsUrl, '<b>mallory</b>');
  await mallory.ok('join', { room: 'xss' });
  const evil = '<img src=x onerror=alert(1)>';
  await mallory.ok('send', { room: 'xss', text: evil, cid: 'x1' });
  await mallory.ok('send', {
    room: 'xss',
    text: '**bold** _italic_ snake_case_name `<code>` see https://example.org/a_(b). [x](javascript:alert(2))',
    cid: 'x2',
  });
  await waitForText(ada.page, evil);
  const page = ada.page;
  assert.equal(await page.locator('.msg-text img').count(), 0);
  assert.equal(await page.locator('img').count(), 0);
  assert.equal(await page.locator('.msg-author', { hasText: '<b>mallory</b>' }).count(), 1);
  const rich = page.locator('[data-testid="message"] .msg-text').nth(1);
  assert.equal(await rich.locator('strong').textContent(), 'bold');
  assert.deepEqual(await rich.locator('em').allTextContents(), ['italic'], 'snake_case stays literal');
  assert.equal(await rich.locator('code').textContent(), '<code>');
  const links = rich.locator('a');
  assert.equal(await links.count(), 1, 'only the http(s) URL is a link');
  assert.equal(await links.getAttribute('href'), 'https://example.org/a_(b)');
  assert.match((await links.getAttribute('rel')) ?? '', /noopener/);
  await page.waitForTimeout(300);
  assert.deepEqual(ada.dialogs, []);
  await mallory.close();
  await ada.context.close();
});

test('the unread count rises in a room that is not in view and clears when opened', { skip }, async () => {
  const ada = await person('Ada');
  await enterRoom(ada.page, 'elsewhere');
  await enterRoom(ada.page, 'here');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room: 'elsewhere' });
  await bob.ok('send', { room: 'elsewhere', text: 'psst', cid: 'u1' });
  const badge = ada.page.locator('[data-testid="unread-elsewhere"]');
  await badge.waitFor();
  assert.equal(await badge.textContent(), '1');
  await bob.ok('send', { room: 'elsewhere', text: 'psst again', cid: 'u2' });
  await ada.page.locator('[data-testid="unread-elsewhere"]', { hasText: /^2$/ }).waitFor();
  await until('unread count in the title', async () => /^\(2\)/.test(await ada.page.title()));
  await ada.page.click('button[data-room="elsewhere"]');
  await badge.waitFor({ state: 'detached' });
  assert.deepEqual(await texts(ada.page), ['psst', 'psst again']);
  await bob.close();
  await ada.context.close();
});

test('unread counts are kept by the server: they survive a reload, and reading in one tab clears the other', { skip }, async () => {
  const ada = await person('Ada');
  await enterRoom(ada.page, 'news');
  await enterRoom(ada.page, 'desk');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room: 'news' });
  for (const cid of ['n1', 'n2', 'n3']) await bob.ok('send', { room: 'news', text: `headline ${cid}`, cid });
  const badge = (page: Page): ReturnType<Page['locator']> => page.locator('[data-testid="unread-news"]');
  await badge(ada.page).filter({ hasText: /^3$/ }).waitFor();

  // A reload counts them again from the server's read marker, not from zero.
  await ada.page.reload();
  await ada.page.locator('.room-title span', { hasText: exactly('desk') }).waitFor();
  await badge(ada.page).filter({ hasText: /^3$/ }).waitFor();

  // A second tab of the same person opens the room; the first tab's badge goes.
  const second = await ada.context.newPage();
  await second.goto(server.url);
  await second.click('button[data-room="news"]');
  await waitForText(second, 'headline n3');
  await badge(ada.page).waitFor({ state: 'detached' });
  // It stays gone on the next visit; a new message counts again (once the tab showing the room is closed).
  await second.close();
  await ada.page.reload();
  await ada.page.locator('.status-dot.status-open').waitFor({ state: 'attached' });
  await ada.page.click('button[data-room="desk"]'); // the tabs share one remembered room in view
  await ada.page.waitForTimeout(300);
  assert.equal(await badge(ada.page).count(), 0);
  await bob.ok('send', { room: 'news', text: 'one more', cid: 'n4' });
  await badge(ada.page).filter({ hasText: /^1$/ }).waitFor();
  await bob.close();
  await ada.context.close();
});

test('search finds messages of the room in view, newest first; Escape goes back to the conversation', { skip }, async () => {
  const ada = await person('Ada');
  await enterRoom(ada.page, 'archive');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room: 'archive' });
  for (const [i, text] of ['Deploy went fine', 'lunch at noon', 'who broke the **deploy**?', 'deployment notes: <b>v2</b>'].entries()) {
    await bob.ok('send', { room: 'archive', text, cid: `a${i}` });
  }
  await waitForText(ada.page, 'deployment notes: <b>v2</b>');
  await ada.page.click('button[aria-label="Search #archive"]');
  await ada.page.fill('#search-text', 'DEPLOY');
  await ada.page.press('#search-text', 'Enter');
  const results = ada.page.locator('[data-testid="search-result"] .msg-text');
  await results.nth(2).waitFor();
  assert.deepEqual(await results.allTextContents(), ['deployment notes: <b>v2</b>', 'who broke the deploy?', 'Deploy went fine']);
  await ada.page.fill('#search-text', 'nothing like this');
  await ada.page.press('#search-text', 'Enter');
  await ada.page.locator('.search-note', { hasText: 'Nothing found' }).waitFor();
  await ada.page.press('#search-text', 'Escape');
  await waitForText(ada.page, 'lunch at noon');
  assert.equal(await ada.page.locator('#search-text').count(), 0);
  await bob.close();
  await ada.context.close();
});

test('a room with more members than a join lists: the panel reads them all and counts everyone', { skip }, async () => {
  const crowd = await Promise.all(Array.from({ length: 130 }, (_, i) => TestClient.guest(server.wsUrl, `fan${i}`)));
  for (const fan of crowd) await fan.ok('join', { room: 'arena' });
  const ada = await person('Ada');
  await enterRoom(ada.page, 'arena');
  // The join listed 100; the app asks for the rest because this room is in view.
  await ada.page.locator('[data-testid="members"] li').nth(130).waitFor();
  assert.equal(await ada.page.locator('[data-testid="members"] li').count(), 131);
  await ada.page.locator('.members-header .count', { hasText: /^131$/ }).waitFor();
  await ada.page.locator('.members-button', { hasText: '131' }).waitFor({ state: 'attached' }); // shown on narrow screens
  // Someone leaves: the count and the list follow the presence push.
  await crowd[0]?.close();
  await ada.page.locator('.members-header .count', { hasText: /^130$/ }).waitFor();
  await Promise.all(crowd.slice(1).map((fan) => fan.close()));
  await ada.context.close();
});

test('a message naming me is highlighted, and the badge of its room says so', { skip }, async () => {
  const ada = await person('Ada');
  await enterRoom(ada.page, 'ping');
  await enterRoom(ada.page, 'chatter');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room: 'ping' });
  await bob.ok('join', { room: 'chatter' });
  await bob.ok('send', { room: 'ping', text: 'hey @ada, look at this', cid: 'p1' });
  const badge = ada.page.locator('[data-testid="unread-ping"]');
  await badge.filter({ hasText: /^@ 1$/ }).waitFor();
  assert.match((await badge.getAttribute('class')) ?? '', /badge-mention/);
  assert.equal(await badge.getAttribute('aria-label'), '1 unread, 1 mentioning you');

  for (const [i, text] of ['thanks Ada!', 'adam is here', 'ada2 too'].entries()) await bob.ok('send', { room: 'chatter', text, cid: `c${i}` });
  await waitForText(ada.page, 'ada2 too');
  const mentioned = await ada.page.locator('.msg-mention .msg-text').allTextContents();
  assert.deepEqual(mentioned, ['thanks Ada!'], 'a whole word, any case; not adam, not ada2');
  await ada.page.click('button[data-room="ping"]');
  await badge.waitFor({ state: 'detached' });
  await bob.close();
  await ada.context.close();
});

test('a DM or a mention while looking at another room shows a desktop notification; other messages do not', { skip }, async () => {
  const ada = await person('Ada', { notifications: true });
  await enterRoom(ada.page, 'watercooler');
  await enterRoom(ada.page, 'focus');
  const bob = await TestClient.guest(server.wsUrl, 'bob');
  await bob.ok('join', { room: 'watercooler' });
  await bob.ok('send', { room: 'watercooler', text: 'anyone for coffee?', cid: 'w1' });
  await bob.ok('send', { room: 'watercooler', text: 'Ada, you in?', cid: 'w2' });
  const adaId = String(await ada.page.evaluate("(localStorage.getItem('parley.resume') || '').split('.')[0]"));
  const { room: dm } = await bob.ok('dm', { user: adaId });
  await ada.page.locator(`button[data-room="${String(dm)}"]`).waitFor();
  await bob.ok('join', { room: dm });
  await bob.ok('send', { room: dm, text: 'just for you', cid: 'd1' });
  const shown = async (): Promise<{ title: string; body: string }[]> => ada.page.evaluate<{ title: string; body: string }[]>('window.shownNotices');
  await until('two notifications', async () => (await shown()).length >= 2);
  assert.deepEqual(await shown(), [
    { title: 'bob in #watercooler', body: 'Ada, you in?' },
    { title: 'bob in @bob', body: 'just for you' },
  ]);
  // Nothing for the room in view.
  await bob.ok('join', { room: 'focus' });
  await bob.ok('send', { room: 'focus', text: 'Ada: heads down?', cid: 'f1' });
  await waitForText(ada.page, 'Ada: heads down?');
  assert.equal((await shown()).length, 2);
  await bob.close();
  await ada.context.close();
});

test('older history loads when scrolling up, without gaps or duplicates', { skip }, async () => {
  const room = 'long-history';
  const grace = await TestClient.guest(server.wsUrl, 'Grace');
  await grace.ok('join', { room });
  const total = 130;
  for (let i = 1; i <= total; i++) await grace.ok('send', { room, text: `line ${i}`, cid: `h${i}` });
  const ada = await person('Ada');
  await enterRoom(ada.page, room);
  await waitForText(ada.page, `line ${total}`);
  const seqs = (): Promise<number[]> =>
    ada.page.locator('[data-testid="message"] .msg-text').evaluateAll((els: SeqElement[]) => els.map((el) => Number(el.getAttribute('data-seq'))));
  assert.equal((await seqs()).length, 50, 'the first page is the newest 50');
  for (let round = 0; round < 5 && (await seqs()).length < total; round++) {
    const before = (await seqs()).length;
    await ada.page.locator('.messages').evaluate((el: Scroller) => el.scrollTo({ top: 0 }));
    await until('an older page', async () => (await seqs()).length > before);
  }
  assert.deepEqual(await seqs(), range(1, total));
  await ada.page.locator('.room-start').waitFor();
  await grace.close();
  await ada.context.close();
});

test('keyboard only: Enter sends, Shift+Enter makes a new line, rooms switch with Tab and Enter', { skip }, async () => {
  const ada = await person('Ada');
  const page = ada.page;
  await enterRoom(page, 'keys');
  await page.focus('#composer-text');
  await page.keyboard.type('first line');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('second line');
  await page.keyboard.press('Enter');
  await waitForText(page, 'first line\nsecond line');
  assert.equal(await page.inputValue('#composer-text'), '');
  // Tab from the room form lands on rooms and buttons, and Enter activates them.
  await page.focus('#new-room');
  await page.keyboard.type('keys-two');
  await page.keyboard.press('Enter');
  await page.locator('.room-title span', { hasText: /^keys-two$/ }).waitFor();
  await page.focus('button[data-room="keys"]');
  await page.keyboard.press('Enter');
  await page.locator('.room-title span', { hasText: /^keys$/ }).waitFor();
  await page.keyboard.press('Alt+ArrowDown');
  await page.locator('.room-title span', { hasText: /^keys-two$/ }).waitFor();
  await ada.context.close();
});

test('the app runs under a strict Content-Security-Policy: no inline script, no inline style', { skip }, async () => {
  // The built app, with the policy in a meta tag, served by a server of its own.
  const root = mkdtempSync(join(tmpdir(), 'parley-csp-'));
  cpSync(WEB_DIST, root, { recursive: true });
  const policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'";
  const index = join(root, 'index.html');
  writeFileSync(index, readFileSync(index, 'utf8').replace('<head>', `<head>\n<meta http-equiv="Content-Security-Policy" content="${policy}">`));
  const strict = await startTestServer({ webRoot: root });
  try {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(strict.url);
    assert.match(await page.content(), /Content-Security-Policy/);
    await page.fill('#nick', 'Strict');
    await page.press('#nick', 'Enter');
    await waitOnline(page);
    await enterRoom(page, 'csp');
    await say(page, 'still **works**\nacross lines');
    await waitForText(page, 'still works\nacross lines');
    assert.deepEqual(violations, []);
    await context.close();
  } finally {
    await strict.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('screenshots: desktop and 375 px, light and dark', { skip }, async () => {
  // A server of its own, so that the pictures show only this conversation's rooms.
  const stage = await startTestServer();
  const room = 'design';
  const seed = await TestClient.guest(stage.wsUrl, 'Grace');
  const lin = await TestClient.guest(stage.wsUrl, 'Linus');
  await seed.ok('join', { room: 'announcements' });
  await seed.ok('send', { room: 'announcements', text: 'Parley 0.1 is live.', cid: 'a0' });
  await seed.ok('join', { room });
  await lin.ok('join', { room });
  const script: [TestClient, string][] = [
    [seed, 'Morning all! The new build is up on staging.'],
    [lin, 'Nice. Did the **migration** run cleanly?'],
    [seed, 'Yes — took about 4 s. Logs: https://example.org/builds/1423'],
    [seed, 'I also bumped `PARLEY_RECOVERY_LIMIT` to 5000.'],
    [lin, 'Great, I will _try it_ after lunch.'],
  ];
  let n = 0;
  for (const [who, text] of script) await who.ok('send', { room, text, cid: `s${n++}` });
  await lin.ok('join', { room: 'random' });
  const shots: [string, { width?: number; height?: number; dark?: boolean }][] = [
    ['desktop', { width: 1280, height: 800 }],
    ['desktop-dark', { width: 1280, height: 800, dark: true }],
    ['mobile-375', { width: 375, height: 740 }],
    ['mobile-375-dark', { width: 375, height: 740, dark: true }],
  ];
  // One Ada throughout: later contexts start from the first one's storage (nick, resume token, rooms).
  let storage: Awaited<ReturnType<BrowserContext['storageState']>> | undefined;
  for (const [name, options] of shots) {
    let page: Page;
    let context: BrowserContext;
    if (storage === undefined) {
      const ada = await person('Ada', { ...options, url: stage.url });
      ({ page, context } = ada);
      await enterRoom(page, 'random');
      await enterRoom(page, room);
      await waitForText(page, 'Great, I will try it after lunch.');
      await say(page, 'Looks good to me, shipping it at 3.');
      await waitForText(page, 'Looks good to me, shipping it at 3.');
      storage = await context.storageState();
    } else {
      context = await browser.newContext({
        viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
        colorScheme: options.dark === true ? 'dark' : 'light',
        deviceScaleFactor: (options.width ?? 1280) < 500 ? 2 : 1,
        storageState: storage,
      });
      contexts.push(context);
      page = await context.newPage();
      await page.goto(stage.url);
      await waitForText(page, 'Looks good to me, shipping it at 3.');
    }
    await lin.ok('typing', { room });
    await lin.ok('send', { room: 'random', text: `lunch? (${name})`, cid: `r-${name}` });
    await page.locator('[data-testid="unread-random"]').waitFor({ state: 'attached' });
    await page.locator('[data-testid="typing"]', { hasText: 'typing' }).waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
    if (name === 'mobile-375') {
      await page.click('.menu-button');
      await page.locator('.drawer-open').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-rooms.png`) });
      await page.keyboard.press('Escape');
      await page.click('.members-button');
      await page.locator('.members-open').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(ARTIFACTS, `${name}-members.png`) });
      await page.keyboard.press('Escape');
    }
    // Nothing may overflow the viewport horizontally.
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 0, `${name}: page is ${overflow}px wider than the viewport`);
    await context.close();
  }
  const welcome = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(welcome);
  const page = await welcome.newPage();
  await page.goto(stage.url);
  await page.waitForSelector('#nick');
  await page.screenshot({ path: join(ARTIFACTS, 'welcome.png') });
  await welcome.close();
  await seed.close();
  await lin.close();
  await stage.stop();
});
