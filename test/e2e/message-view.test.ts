// The room in view, as people used to other chat apps expect it: a "New messages" divider above
// what came while they looked elsewhere, with the list opened there; Up in an empty composer edits
// their last message; Home and End in the list go to the oldest loaded message and the newest; a
// bot's messages are marked as a bot's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { TestClient } from '../support/client.js';
import { enterRoom, person, say, until, waitForText } from '../support/web-page.js';
import { BrowserSuite } from '../support/browser-suite.js';
import { call, makeKey } from '../support/api-v1.js';

const suite = new BrowserSuite();
const { skip } = suite;

/** Whether `item` is (at least partly) inside the visible part of the message list. */
async function inView(page: Page, item: Locator): Promise<boolean> {
  const box = await item.boundingBox();
  const list = await page.locator('.messages').boundingBox();
  if (box === null || list === null) return false;
  return box.y + box.height > list.y && box.y < list.y + list.height;
}

const openRoom = (page: Page, room: string): Promise<void> => page.click(`.sidebar .room-link[data-room="${room}"]`);

test('a room opens at a "New messages" divider above the first unread message', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const page = ada.page;
  await enterRoom(page, 'elsewhere');
  await enterRoom(page, 'backlog');
  const bob = await TestClient.guest(suite.server.wsUrl, 'bob');
  await bob.ok('join', { room: 'backlog' });
  for (const text of ['old 1', 'old 2']) await bob.ok('send', { room: 'backlog', text, cid: text });
  await waitForText(page, 'old 2');
  assert.equal(await page.locator('[data-testid="unread-divider"]').count(), 0, 'nothing is new while I am looking');

  await openRoom(page, 'elsewhere');
  for (let i = 1; i <= 60; i++) await bob.ok('send', { room: 'backlog', text: `new ${i}`, cid: `n${i}` });
  await page.locator('[data-testid="unread-backlog"]', { hasText: /^60$/ }).waitFor();
  await openRoom(page, 'backlog');
  const divider = page.locator('[data-testid="unread-divider"]');
  await divider.waitFor();
  assert.equal(await divider.textContent(), 'New messages');
  assert.equal(await page.locator('[data-testid="unread-divider"] + li .msg-text').textContent(), 'new 1');
  await until('the divider in view', () => inView(page, divider));
  assert.equal(await inView(page, page.locator('.msg-text', { hasText: /^new 60$/ })), false, 'opened at the first unread, not the bottom');

  // Read: the next visit has nothing new, so no divider.
  await openRoom(page, 'elsewhere');
  await openRoom(page, 'backlog');
  await waitForText(page, 'new 60');
  assert.equal(await divider.count(), 0);

  // Home and End in the list.
  await page.locator('.messages').focus();
  await page.keyboard.press('End');
  await until('at the bottom', () => inView(page, page.locator('.msg-text', { hasText: /^new 60$/ })));
  assert.equal(await page.evaluate('document.activeElement.querySelector(".msg-text").textContent'), 'new 60');
  await page.keyboard.press('Home');
  await until('at the top', () => inView(page, page.locator('.msg-text', { hasText: /^old 1$/ })));
  assert.equal(await page.evaluate('document.activeElement.querySelector(".msg-text").textContent'), 'old 1');
  await bob.close();
  await ada.context.close();
});

test('after a reload, the room in view opens at the "New messages" divider above what came while I was away', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const page = ada.page;
  await enterRoom(page, 'harbour');
  const bob = await TestClient.guest(suite.server.wsUrl, 'bob');
  await bob.ok('join', { room: 'harbour' });
  for (const text of ['seen 1', 'seen 2']) await bob.ok('send', { room: 'harbour', text, cid: text });
  await waitForText(page, 'seen 2');
  // Ada's read marker is on the server (read as Ada, from her resume token) before she goes away.
  const resume = String(await page.evaluate("localStorage.getItem('parley.resume')"));
  const asAda = await TestClient.connect(suite.server.wsUrl);
  await asAda.ok('hello', { nick: 'Ada', resume });
  const marker = async (): Promise<number> =>
    ((await asAda.ok('rooms'))['rooms'] as { room: string; read: number }[]).find((r) => r.room === 'harbour')?.read ?? 0;
  await until('ada has read seen 2', async () => (await marker()) === 2);
  await page.goto('about:blank');
  for (let i = 1; i <= 5; i++) await bob.ok('send', { room: 'harbour', text: `away ${i}`, cid: `w${i}` });
  await page.goto(suite.server.url);
  const divider = page.locator('[data-testid="unread-divider"]');
  await divider.waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('[data-testid="unread-divider"] + li .msg-text').textContent(), 'away 1');
  // Seen now: the marker moves to the newest message.
  await until('ada has read away 5', async () => (await marker()) === 7);
  await asAda.close();
  await bob.close();
  await ada.context.close();
});

test('Up in an empty composer edits my last message; Enter saves and the composer has the focus again', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const page = ada.page;
  await enterRoom(page, 'drafts');
  await say(page, 'first draft');
  await say(page, 'second draft');
  await waitForText(page, 'second draft');
  const bob = await TestClient.guest(suite.server.wsUrl, 'bob');
  await bob.ok('join', { room: 'drafts' });
  await bob.ok('send', { room: 'drafts', text: 'not mine', cid: 'b1' });
  await waitForText(page, 'not mine');

  await page.focus('#composer-text');
  await page.keyboard.press('ArrowUp');
  const box = page.locator('.edit-box textarea');
  await box.waitFor();
  assert.equal(await box.inputValue(), 'second draft', 'my last message, not the newest in the room');
  await box.fill('second, edited');
  await box.press('Enter');
  await waitForText(page, /^second, edited/);
  await until('the edit box gone', async () => (await box.count()) === 0);
  assert.equal(await page.evaluate('document.activeElement.id'), 'composer-text');

  // With text in the box, Up is just a cursor key.
  await page.fill('#composer-text', 'typing');
  await page.keyboard.press('ArrowUp');
  assert.equal(await box.count(), 0);
  await bob.close();
  await ada.context.close();
});

test('Ctrl+K finds a room by name and goes there; Esc closes it', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const page = ada.page;
  await enterRoom(page, 'design-team');
  await enterRoom(page, 'random');
  const bob = await TestClient.guest(suite.server.wsUrl, 'bob');
  await bob.ok('join', { room: 'public-square' });
  await bob.ok('send', { room: 'public-square', text: 'anyone here?', cid: 'p1' });
  await page.reload();
  await page.locator('.room-link.is-other', { hasText: 'public-square' }).waitFor();

  const switcher = page.locator('[data-testid="room-switcher"]');
  await page.focus('#composer-text');
  await page.keyboard.press('Control+k');
  // Typing goes where the focus is: wait until the switcher's field has it.
  await switcher.locator('input:focus').waitFor();
  await page.keyboard.type('des');
  await switcher.locator('[role="option"]', { hasText: 'design-team' }).waitFor();
  assert.deepEqual(await switcher.locator('[role="option"]').allTextContents(), ['#design-team']);
  await page.keyboard.press('Enter');
  await page.locator('.room-title span', { hasText: /^design-team$/ }).waitFor();
  assert.equal(await switcher.count(), 0);
  assert.equal(await page.evaluate('document.activeElement.id'), 'composer-text');

  // A public room I am not in: Enter joins it.
  await page.keyboard.press('Control+k');
  await switcher.locator('input:focus').waitFor();
  await page.keyboard.type('square');
  // The choice Enter takes is the list as filtered: wait until it shows the room (it follows the typing).
  await switcher.locator('[role="option"]', { hasText: 'public-square' }).waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.room-title span', { hasText: /^public-square$/ }).waitFor();
  await waitForText(page, 'anyone here?');

  await page.keyboard.press('Control+k');
  // Escape goes where the focus is: wait until the switcher's field has it.
  await switcher.locator('input:focus').waitFor();
  await page.keyboard.press('Escape');
  await switcher.waitFor({ state: 'detached', timeout: 5000 });
  await page.locator('.room-title span', { hasText: /^public-square$/ }).waitFor();
  await bob.close();
  await ada.context.close();
});

test('a bot’s message is marked "bot" beside its name; a person’s is not', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const page = ada.page;
  await enterRoom(page, 'with-bots');
  const bob = await TestClient.guest(suite.server.wsUrl, 'bob');
  await bob.ok('join', { room: 'with-bots' });
  await bob.ok('send', { room: 'with-bots', text: 'a person speaks', cid: 'p1' });
  const { key } = await makeKey(suite.server.config, 'web notifier', ['publish'], 'deploys');
  const posted = await call(suite.server.url, 'POST', '/api/v1/rooms/with-bots/messages', { key, body: { text: 'build 812 passed' } });
  assert.equal(posted.status, 201, posted.text);
  await waitForText(page, 'build 812 passed');
  const fromBot = page.locator('[data-testid="message"]', { hasText: 'build 812 passed' });
  assert.equal(await fromBot.locator('.msg-author').innerText(), 'deploys');
  assert.equal(await fromBot.locator('.msg-bot').textContent(), 'bot');
  const fromBob = page.locator('[data-testid="message"]', { hasText: 'a person speaks' });
  assert.equal(await fromBob.locator('.msg-author').innerText(), 'bob');
  assert.equal(await fromBob.locator('.msg-bot').count(), 0);
  await bob.close();
});
