// The composer as people used to other chat apps expect it, in a real browser: `@` suggests the
// people of the room (Enter takes one), `#` suggests rooms (Tab takes one), Esc closes the list
// and Enter then sends; the emoji button inserts at the caret, and a message's "Add reaction"
// opens the same picker to react with any of its emojis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/client.js';
import { enterRoom, person, waitForText } from '../support/web-page.js';
import { BrowserSuite } from '../support/browser-suite.js';

const suite = new BrowserSuite();
const { skip } = suite;

test('@ and # suggest people and rooms; the emoji picker inserts and reacts', { skip }, async () => {
  const bobby = await TestClient.guest(suite.server.wsUrl, 'Bobby');
  const bert = await TestClient.guest(suite.server.wsUrl, 'Bert');
  for (const client of [bobby, bert]) await client.ok('join', { room: 'team' });
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const page = ada.page;
  await enterRoom(page, 'general-chat');
  await enterRoom(page, 'team');
  await page.locator('[data-testid="members"]', { hasText: 'Bobby' }).waitFor();
  const list = page.locator('[data-testid="suggestions"] [role="option"]');

  await page.focus('#composer-text');
  await page.keyboard.type('hi @b');
  assert.deepEqual(await list.allTextContents(), ['Bert', 'Bobby']);
  await page.keyboard.type('o');
  assert.deepEqual(await list.allTextContents(), ['Bobby']);
  await page.keyboard.press('Enter');
  assert.equal(await page.inputValue('#composer-text'), 'hi @Bobby ', 'Enter took the suggestion instead of sending');
  assert.equal(await list.count(), 0);
  await page.keyboard.type('see #gen');
  assert.deepEqual(await list.allTextContents(), ['#general-chat']);
  await page.keyboard.press('Tab');
  assert.equal(await page.inputValue('#composer-text'), 'hi @Bobby see #general-chat ');
  await page.keyboard.type('@');
  await list.first().waitFor();
  await page.keyboard.press('Escape');
  assert.equal(await list.count(), 0);
  await page.keyboard.press('Enter');
  await waitForText(page, 'hi @Bobby see #general-chat @');
  const [mention] = await bobby.waitFor('message', 1, 'team');
  assert.equal(mention?.['text'], 'hi @Bobby see #general-chat @');

  await page.fill('#composer-text', 'ship it');
  await page.click('button[aria-label="Insert emoji"]');
  await page.locator('[data-testid="emoji-picker"] button[aria-label="party"]').click();
  assert.equal(await page.inputValue('#composer-text'), 'ship it🎉');
  assert.equal(await page.evaluate('document.activeElement.id'), 'composer-text');
  await page.keyboard.press('Enter');
  await waitForText(page, 'ship it🎉');

  const row = page.locator('[data-testid="message"]', { hasText: 'ship it🎉' });
  await row.hover();
  await row.locator('button[aria-label="Add reaction"]').click();
  await row.locator('[data-testid="emoji-picker"] input').fill('rock');
  await row.locator('[data-testid="emoji-picker"] input').press('Enter');
  await row.locator('[data-testid="reactions"] button[aria-label="🚀 1"]').waitFor();
  assert.equal(await row.locator('[data-testid="emoji-picker"]').count(), 0);
  await bobby.close();
  await bert.close();
  await ada.context.close();
});
