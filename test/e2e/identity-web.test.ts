// Rooms and identity in a real browser: a DM keeps its partner's name after a reload while the
// partner is offline, a public room made from the sidebar is owned by its maker, the room
// directory follows new rooms live, and a guest's new name keeps its identity.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';
import { api, register } from '../support/auth.js';
import { exactly, say } from '../support/web-page.js';

const skip = browserUnavailable();

let server: TestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  if (skip !== undefined) return;
  // The product's own rule: rooms are made with create, a join of an unknown name is not_found.
  server = await startTestServer({ roomPolicy: { joinCreates: false, admins: [] } });
  browser = await launchChromium();
});
after(async () => {
  if (skip !== undefined) return;
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser.close();
  await server.stop();
});

async function person(nick: string): Promise<{ page: Page; context: BrowserContext }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(server.url);
  await page.fill('#nick', nick);
  await page.press('#nick', 'Enter');
  await page.waitForSelector('#composer-text');
  await online(page);
  return { page, context };
}

async function online(page: Page): Promise<void> {
  await page.locator('.status-dot.status-open').waitFor({ state: 'attached', timeout: 15_000 });
}

async function title(page: Page, text: string): Promise<void> {
  await page
    .locator('.room-title span', { hasText: exactly(text) })
    .first()
    .waitFor({ timeout: 15_000 });
}

function message(page: Page, text: string): ReturnType<Page['locator']> {
  return page.locator('[data-testid="message"]', { has: page.locator('.msg-text', { hasText: text }) });
}

test("a DM keeps its partner's name after a reload while the partner is offline", { skip }, async () => {
  const { page: ada } = await person('Dana');
  const bob = await person('Ezra');
  await title(ada, 'lobby');
  await bob.page.locator('[data-testid="members"]', { hasText: 'Dana' }).waitFor();
  await bob.page.click('[data-testid="members"] button[aria-label="Message Dana directly"]');
  await title(bob.page, 'Dana');
  await say(bob.page, 'are you free later?');
  await message(bob.page, 'are you free later?').waitFor();
  const dmRoom = (await bob.page.locator('.room-link.is-current').getAttribute('data-room')) ?? '';
  assert.match(dmRoom, /^dm-/);
  await ada.locator(`button[data-room="${dmRoom}"]`).waitFor();
  // Ezra goes away: nothing online names the DM's other side any more.
  await bob.context.close();
  await ada.reload();
  await online(ada);
  await ada.locator(`button[data-room="${dmRoom}"] .room-name`, { hasText: exactly('Ezra') }).waitFor({ timeout: 15_000 });
  await ada.click(`button[data-room="${dmRoom}"]`);
  await title(ada, 'Ezra');
  assert.equal(await ada.locator('.room-title span', { hasText: 'Direct message' }).count(), 0);
});

test('a public room made from the sidebar is owned by its maker: topic and invite are offered', { skip }, async () => {
  const { page: ada } = await person('Farah');
  await ada.fill('#new-room', 'picnic');
  await ada.press('#new-room', 'Enter');
  await title(ada, 'picnic');
  await ada.locator('.room-badge', { hasText: 'owner' }).waitFor();
  await ada.locator('#topic-text').waitFor();
  await ada.fill('#topic-text', 'Saturday at noon');
  await ada.click('.topic-form button[type="submit"]');
  await ada.locator('[data-testid="topic"]', { hasText: 'Saturday at noon' }).waitFor();
  // Someone else naming the same room joins it, and owns nothing.
  const { page: bob } = await person('Gil');
  await bob.fill('#new-room', 'picnic');
  await bob.press('#new-room', 'Enter');
  await title(bob, 'picnic');
  await bob.locator('[data-testid="topic"]', { hasText: 'Saturday at noon' }).waitFor();
  assert.equal(await bob.locator('.room-badge', { hasText: 'owner' }).count(), 0);
  assert.equal(await bob.locator('#topic-text').count(), 0);
});

test('a new public room shows up for others at once; its owner archives and deletes it', { skip }, async () => {
  const { page: ada } = await person('Hana');
  const { page: bob } = await person('Ivo');
  await ada.fill('#new-room', 'bakery');
  await ada.press('#new-room', 'Enter');
  await title(ada, 'bakery');
  // No reload: the directory push brings it into Ivo's "More rooms".
  const offered = bob.locator('.room-link.is-other', { hasText: 'bakery' });
  await offered.waitFor({ timeout: 5_000 });
  await offered.click();
  await title(bob, 'bakery');
  await say(ada, 'fresh bread');
  await message(bob, 'fresh bread').waitFor();

  await ada.click('.owner-tools button:has-text("Archive room")');
  await ada.locator('.room-badge', { hasText: 'archived' }).waitFor();
  await bob.locator('[data-testid="notice"]', { hasText: 'Hana archived #bakery' }).waitFor();
  await bob.locator('.room-badge', { hasText: 'archived' }).waitFor();
  await message(bob, 'fresh bread').waitFor();
  await ada.click('.owner-tools button:has-text("Open the room again")');
  await bob.locator('[data-testid="notice"]', { hasText: '#bakery is open again' }).waitFor();

  await ada.click('.owner-tools button:has-text("Delete room")');
  await bob.locator('[data-testid="notice"]', { hasText: 'Hana deleted #bakery' }).waitFor();
  await bob.locator('button[data-room="bakery"]').waitFor({ state: 'detached' });
  await ada.locator('button[data-room="bakery"]').waitFor({ state: 'detached' });
  await bob.reload();
  await online(bob);
  await bob.locator('.room-link', { hasText: 'bakery' }).waitFor({ state: 'detached' });
  assert.equal(await bob.locator('.room-link', { hasText: 'bakery' }).count(), 0, 'gone after a reload too');
});

test("a guest who changes its name stays the same user; an account's name is refused without losing it", { skip }, async () => {
  const { page: jon } = await person('Jon');
  const { page: kim } = await person('Kim');
  await register(server.url, 'lee');
  await jon.fill('#new-room', 'den');
  await jon.press('#new-room', 'Enter');
  await title(jon, 'den');
  await jon.locator('.room-badge', { hasText: 'owner' }).waitFor();
  await jon.click('button[data-room="lobby"]');
  await jon.locator('[data-testid="members"]', { hasText: 'Kim' }).waitFor();
  await jon.click('[data-testid="members"] button[aria-label="Message Kim directly"]');
  await title(jon, 'Kim');
  await say(jon, 'hi Kim');
  await message(jon, 'hi Kim').waitFor();
  await kim.locator('.room-link .room-name', { hasText: exactly('Jon') }).waitFor();
  const myId = await jon.evaluate<string | null>("localStorage.getItem('parley.resume')");

  // A name that is an account's is refused: back to the form, told why, still the same user.
  await jon.click('.sidebar-me button:has-text("Change name")');
  await jon.fill('#nick', 'LEE');
  await jon.press('#nick', 'Enter');
  await jon.locator('.welcome', { hasText: 'belongs to an account' }).waitFor({ timeout: 15_000 });
  assert.equal(await jon.evaluate<string | null>("localStorage.getItem('parley.resume')"), myId);

  await jon.fill('#nick', 'Jonas');
  await jon.press('#nick', 'Enter');
  await online(jon);
  await jon.locator('.sidebar-me .me-name', { hasText: exactly('Jonas') }).waitFor();
  // The DM and the owned room are still there, and still mine.
  await jon.locator('.room-link .room-name', { hasText: exactly('Kim') }).waitFor();
  await jon.click('button[data-room="den"]');
  await title(jon, 'den');
  await jon.locator('.room-badge', { hasText: 'owner' }).waitFor();
  await jon.locator('#topic-text').waitFor();
  // Kim's DM with him is the same conversation, now under his new name.
  await kim.reload();
  await online(kim);
  await kim.locator('.room-link .room-name', { hasText: exactly('Jonas') }).waitFor({ timeout: 15_000 });
});

test('two people of one name are told apart in the members list', { skip }, async () => {
  const { page: first } = await person('Max');
  await person('Max');
  await title(first, 'lobby');
  const rows = first.locator('[data-testid="members"] .member', { hasText: 'Max' });
  await first.locator('[data-testid="members"] [data-testid="name-tag"]').nth(1).waitFor({ timeout: 15_000 });
  const tags = await rows.locator('[data-testid="name-tag"]').allTextContents();
  assert.equal(tags.length, 2);
  assert.notEqual(tags[0], tags[1]);
  for (const tag of tags) assert.match(tag, /^#\S{4}$/);
});

async function device(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  await context.addInitScript(`localStorage.setItem('parley.token', ${JSON.stringify(token)})`);
  const page = await context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#composer-text');
  await online(page);
  return page;
}

test("an account's rooms follow it to a second device, and a leave on one leaves on the other", { skip }, async () => {
  const { token } = await register(server.url, 'nora');
  const login = await api(server.url, '/api/login', { username: 'nora', password: 'correct horse battery' });
  const laptop = await device(token);
  await laptop.fill('#new-room', 'choir');
  await laptop.press('#new-room', 'Enter');
  await title(laptop, 'choir');
  const phone = await device(String(login.body['token']));
  // Among her rooms, not under "More rooms".
  await phone.locator('[data-testid="rooms"] button[data-room="choir"]').waitFor({ timeout: 15_000 });
  assert.equal(await phone.locator('.room-link.is-other', { hasText: 'choir' }).count(), 0);
  await laptop.click('button[aria-label="Leave #choir"]');
  await laptop.locator('[data-testid="rooms"] button[data-room="choir"]').waitFor({ state: 'detached' });
  // The leave is pushed to the phone (not read on its next `rooms`, 15 s later): the room goes at once, and stays gone.
  await phone.locator('[data-testid="rooms"] button[data-room="choir"]').waitFor({ state: 'detached', timeout: 5_000 });
  await phone.reload();
  await online(phone);
  await phone.locator('.room-link.is-other', { hasText: 'choir' }).waitFor({ timeout: 15_000 });
  assert.equal(await phone.locator('[data-testid="rooms"] button[data-room="choir"]').count(), 0);
});
