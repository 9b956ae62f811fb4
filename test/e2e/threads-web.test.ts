// Threads in two real browsers: a reply made in one page's thread panel shows on the other page as
// the root's reply count with who replied (not in the timeline) and as an unread followed thread,
// both kept after a reload; opened from the Threads list, it shows the reply and is read; typing a
// reply shows in the thread panel, and a reply also sent to the room shows in the timeline too. A
// thread panel left open while the page is offline shows the reply made meanwhile once it is back,
// exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enterRoom, person, say, until, waitForText } from '../support/web-page.js';
import { BrowserSuite } from '../support/browser-suite.js';
import { TestClient } from '../support/client.js';

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

test('an open thread panel cut off while a reply is made: back online, it shows the reply exactly once, in order', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  await enterRoom(ada.page, 'recovery');
  const bob = await TestClient.guest(suite.server.wsUrl, 'bob');
  await bob.ok('join', { room: 'recovery' });
  const root = await bob.ok('send', { room: 'recovery', text: 'who takes the pager?', cid: 'r' });
  const thread = root['seq'];
  await waitForText(ada.page, 'who takes the pager?');
  const rootRow = ada.page.locator('[data-testid="message"]', { hasText: 'who takes the pager?' });
  await rootRow.hover();
  await rootRow.getByRole('button', { name: 'Thread' }).click();
  const panel = ada.page.locator('[data-testid="thread-panel"]');
  await panel.waitFor();
  const replies = panel.locator('[data-testid="message"] .msg-text');
  await bob.ok('send', { room: 'recovery', text: 'I can this week', cid: 'a', thread });
  await replies.filter({ hasText: 'I can this week' }).waitFor({ timeout: 15_000 });

  // Cut off: the page's WebSocket goes down with the network; Bob replies meanwhile.
  await ada.context.setOffline(true);
  await ada.page.waitForSelector('[data-testid="banner"]');
  await bob.ok('send', { room: 'recovery', text: 'sent while you were away', cid: 'b', thread });
  assert.equal(await replies.filter({ hasText: 'sent while you were away' }).count(), 0);

  await ada.context.setOffline(false);
  await replies.filter({ hasText: 'sent while you were away' }).waitFor({ timeout: 15_000 });
  await ada.page.waitForSelector('.banner-ok');
  // A barrier: a reply made after the page is back comes after anything its recovery brought.
  await bob.ok('send', { room: 'recovery', text: 'and now live again', cid: 'c', thread });
  await replies.filter({ hasText: 'and now live again' }).waitFor({ timeout: 15_000 });
  // The panel shows the root, then each reply once.
  assert.deepEqual(await replies.allTextContents(), ['who takes the pager?', 'I can this week', 'sent while you were away', 'and now live again']);
  // The panel stayed open on the same thread, and the root in the room counts the three replies.
  assert.equal(await panel.count(), 1);
  const summary = ada.page.locator('[data-testid="log"] [data-testid="thread-summary"]');
  await until('the root counts three replies', async () => /^3 replies/.test((await summary.textContent()) ?? ''));
  assert.equal(await ada.page.locator('.messages [data-testid="message"] .msg-text', { hasText: 'sent while you were away' }).count(), 0);
  await bob.close();
  await ada.context.close();
});
