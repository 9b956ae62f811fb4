// Threads in two real browsers: a reply made in one page's thread panel shows on the other page as
// the root's reply count with who replied (not in the timeline) and as an unread followed thread,
// both kept after a reload; opened from the Threads list, it shows the reply and is read; typing a
// reply shows in the thread panel, and a reply also sent to the room shows in the timeline too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enterRoom, person, say, until, waitForText } from '../support/web-page.js';
import { BrowserSuite } from '../support/browser-suite.js';

const suite = new BrowserSuite();
const { skip } = suite;

test('a thread reply is counted on the root on the other page, opens in its panel, and is kept after a reload', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const bob = await person(suite.browser, suite.server.url, 'Bob');
  for (const { page } of [ada, bob]) await enterRoom(page, 'planning');
  await say(ada.page, 'release on friday?');
  await waitForText(bob.page, 'release on friday?');

  const root = bob.page.locator('[data-testid="message"]', { hasText: 'release on friday?' });
  await root.hover();
  await root.getByRole('button', { name: 'Thread' }).click();
  const panel = bob.page.locator('[data-testid="thread-panel"]');
  await panel.waitFor();
  await bob.page.fill('#thread-text', 'friday works for me');
  await bob.page.press('#thread-text', 'Enter');
  await panel.locator('[data-testid="message"] .msg-text', { hasText: 'friday works for me' }).waitFor();

  const summary = ada.page.locator('[data-testid="thread-summary"]');
  await summary.waitFor({ timeout: 15_000 });
  assert.match((await summary.textContent()) ?? '', /^1 reply/);
  // Who replied, beside the count and the last reply's time.
  assert.equal(await summary.locator('[data-testid="thread-people"]').getAttribute('title'), 'Bob');
  assert.match((await summary.textContent()) ?? '', /last \d/);
  // The reply lives in its thread, not in the room's timeline.
  assert.equal(await ada.page.locator('.messages [data-testid="message"] .msg-text', { hasText: 'friday works for me' }).count(), 0);
  // Ada wrote the root: she follows the thread, which has one unread reply, and keeps it after a reload.
  const followed = ada.page.locator('[data-testid="thread-link"]', { hasText: 'release on friday?' });
  await followed.locator('.badge', { hasText: '1' }).waitFor({ timeout: 15_000 });
  await ada.page.reload();
  await ada.page.waitForSelector('#composer-text');
  await followed.locator('.badge', { hasText: '1' }).waitFor({ timeout: 15_000 });
  const kept = ada.page.locator('[data-testid="thread-summary"]');
  await kept.waitFor({ timeout: 15_000 });
  assert.match((await kept.textContent()) ?? '', /^1 reply/);
  // Opening it from the Threads list shows the reply and reads it: the badge goes.
  await followed.click();
  await ada.page.locator('[data-testid="thread-panel"] .msg-text', { hasText: 'friday works for me' }).waitFor();
  await followed.locator('.badge').waitFor({ state: 'detached', timeout: 15_000 });

  // Bob typing a reply shows in Ada's thread panel, not under the room.
  const adaPanel = ada.page.locator('[data-testid="thread-panel"]');
  await bob.page.locator('#thread-text').pressSequentially('and');
  await adaPanel.locator('[data-testid="typing"]', { hasText: 'Bob is typing' }).waitFor({ timeout: 15_000 });
  assert.equal(await ada.page.locator('[data-testid="typing"]', { hasText: 'Bob is typing' }).count(), 1);
  // "Also send to the room": the reply is in the thread and in the room's timeline, counted on the root.
  await bob.page.locator('#thread-text').fill('also for everyone');
  await bob.page.getByLabel('Also send to the room').check();
  await bob.page.press('#thread-text', 'Enter');
  await adaPanel.locator('.msg-text', { hasText: 'also for everyone' }).waitFor({ timeout: 15_000 });
  await ada.page.locator('.messages [data-testid="message"] .msg-text', { hasText: 'also for everyone' }).waitFor({ timeout: 15_000 });
  const inRoom = ada.page.locator('[data-testid="log"] [data-testid="thread-summary"]');
  await until('the root counts both replies', async () => /^2 replies/.test((await inRoom.textContent()) ?? ''));
  assert.equal(await ada.page.locator('.messages [data-testid="message"] .msg-text', { hasText: 'friday works for me' }).count(), 0);
  await Promise.all([ada.context.close(), bob.context.close()]);
});
