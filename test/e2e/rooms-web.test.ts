// The web app's rooms features in a real browser: a private room made with the checkbox, an invite
// from the members list that brings the room into the invitee's sidebar, a topic set by the owner, reactions, editing and
// deleting one's own message, a DM started from the members list that the other side sees at once,
// closed and brought back by a newer message, and a kick that takes the room away from the kicked person. Screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';
import { exactly } from '../support/web-page.js';

const skip = browserUnavailable();
const ARTIFACTS = join(process.cwd(), 'test-artifacts');

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

async function person(nick: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  contexts.push(context);
  const page = await context.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(server.url);
  await page.fill('#nick', nick);
  await page.press('#nick', 'Enter');
  await page.waitForSelector('#composer-text');
  await page.locator('.status-dot.status-open').waitFor({ state: 'attached', timeout: 15_000 });
  return page;
}

async function title(page: Page, text: string): Promise<void> {
  await page
    .locator('.room-title span', { hasText: exactly(text) })
    .first()
    .waitFor({ timeout: 15_000 });
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#composer-text', text);
  await page.press('#composer-text', 'Enter');
}

function message(page: Page, text: string): ReturnType<Page['locator']> {
  return page.locator('[data-testid="message"]', { has: page.locator('.msg-text', { hasText: text }) });
}

test('private room, invite, reactions, edit, delete, DM and kick in the browser', { skip }, async () => {
  const ada = await person('Ada');
  const bob = await person('Bob');
  // Both start in the lobby, so Ada has seen Bob and can invite him.
  await title(ada, 'lobby');
  await ada.locator('[data-testid="members"]', { hasText: 'Bob' }).waitFor();

  // Ada makes a private room with the checkbox.
  await ada.check('.room-form input[type="checkbox"]');
  await ada.fill('#new-room', 'plans');
  await ada.press('#new-room', 'Enter');
  await title(ada, 'plans');
  await ada.locator('.room-badge', { hasText: 'private' }).waitFor();
  await ada.locator('.room-badge', { hasText: 'owner' }).waitFor();

  // Bob cannot get in before the invite: the refusal is shown and the room goes away.
  await bob.fill('#new-room', 'plans');
  await bob.press('#new-room', 'Enter');
  await bob.locator('[data-testid="notice"]', { hasText: 'private' }).waitFor();
  await bob.locator('button[data-room="plans"]').waitFor({ state: 'detached' });

  // Ada invites Bob from the members panel: the room comes into his sidebar at once, and he is told.
  await ada.selectOption('#invite-user', { label: 'Bob' });
  await ada.click('.invite-form button[type="submit"]');
  await ada.locator('[data-testid="notice"]', { hasText: 'invited' }).waitFor();
  await bob.locator('[data-testid="notice"]', { hasText: 'Ada invited you to #plans' }).waitFor();
  await bob.click('button[data-room="plans"]');
  await title(bob, 'plans');

  // Ada, the owner, sets the topic from the members panel; Bob sees it under the room's name.
  await ada.fill('#topic-text', 'Launch planning');
  await ada.click('.topic-form button[type="submit"]');
  await bob.locator('[data-testid="topic"]', { hasText: 'Launch planning' }).waitFor();
  await bob.locator('[data-testid="notice"]', { hasText: 'Ada set the topic: Launch planning' }).waitFor();
  assert.equal(await bob.locator('#topic-text').count(), 0, 'a member is not offered the topic form');

  await say(ada, 'Launch on Friday?');
  await message(bob, 'Launch on Friday?').waitFor();

  // Bob reacts from the message's actions (keyboard: focus the message, Tab to the button, Enter).
  await message(bob, 'Launch on Friday?').focus();
  await bob.locator('.msg:focus-within .msg-action[aria-label="React 👍"]').press('Enter');
  await ada.locator('.reaction', { hasText: '👍 1' }).waitFor();

  // Ada edits her message in place.
  await message(ada, 'Launch on Friday?').hover();
  await message(ada, 'Launch on Friday?').locator('.msg-action', { hasText: 'Edit' }).click();
  await ada.fill('.edit-box textarea', 'Launch on Monday?');
  await ada.press('.edit-box textarea', 'Enter');
  await message(bob, 'Launch on Monday?').locator('.msg-edited').waitFor();

  // Bob cannot edit or delete Ada's message: he is not offered it.
  await message(bob, 'Launch on Monday?').hover();
  assert.equal(await message(bob, 'Launch on Monday?').locator('.msg-action', { hasText: 'Edit' }).count(), 0);
  assert.equal(await message(bob, 'Launch on Monday?').locator('.msg-action', { hasText: 'Delete' }).count(), 0);

  // Bob answers Ada's message: his composer says what he answers, and both see the quote.
  await message(bob, 'Launch on Monday?').hover();
  await message(bob, 'Launch on Monday?').locator('.msg-action', { hasText: 'Reply' }).click();
  await bob.locator('[data-testid="replying"]', { hasText: 'Replying to Ada Launch on Monday?' }).waitFor();
  await say(bob, 'Monday works');
  for (const page of [ada, bob]) {
    await message(page, 'Monday works').waitFor();
    await message(page, 'Monday works').locator('[data-testid="quote"]', { hasText: 'Ada Launch on Monday?' }).waitFor();
  }
  assert.equal(await bob.locator('[data-testid="replying"]').count(), 0, 'the composer answers nothing after sending');

  await say(bob, 'oops, wrong room');
  await message(ada, 'oops, wrong room').waitFor();
  await message(bob, 'oops, wrong room').hover();
  await message(bob, 'oops, wrong room').locator('.msg-action', { hasText: 'Delete' }).click();
  await ada.locator('.msg-deleted').waitFor();
  await ada.locator('.members').screenshot({ path: join(ARTIFACTS, 'rooms-members-owner.png') });
  await ada.screenshot({ path: join(ARTIFACTS, 'rooms-private-room.png') });

  // Bob opens a DM with Ada from the lobby's members list.
  await bob.click('button[data-room="lobby"]');
  await title(bob, 'lobby');
  await bob.click('[data-testid="members"] button[aria-label="Message Ada directly"]');
  await title(bob, 'Ada');
  await say(bob, 'just between us');
  await message(bob, 'just between us').waitFor();
  await bob.screenshot({ path: join(ARTIFACTS, 'rooms-dm.png') });
  // Ada never opened it: the DM came into her sidebar when Bob started it, and counts as unread.
  await ada.locator('[data-testid="notice"]', { hasText: 'Bob started a conversation with you' }).waitFor();
  const dmRoom = await bob.locator('.room-link.is-current').getAttribute('data-room');
  assert.match(dmRoom ?? '', /^dm-/);
  await ada.locator(`[data-testid="unread-${dmRoom ?? ''}"]`, { hasText: '1' }).waitFor();

  // Ada reads it and closes the conversation; a newer message brings it back (here, on her next visit).
  await ada.click(`button[data-room="${dmRoom ?? ''}"]`);
  await message(ada, 'just between us').waitFor();
  await ada.click('button[aria-label="Close the conversation with Bob"]');
  await ada.locator(`button[data-room="${dmRoom ?? ''}"]`).waitFor({ state: 'detached' });
  await say(bob, 'are you there?');
  await message(bob, 'are you there?').waitFor();
  await ada.reload();
  await ada.locator(`[data-testid="unread-${dmRoom ?? ''}"]`, { hasText: '1' }).waitFor();
  // A closed conversation with nothing new stays closed.
  await ada.click(`button[data-room="${dmRoom ?? ''}"]`);
  await message(ada, 'are you there?').waitFor();
  await ada.click('button[aria-label="Close the conversation with Bob"]');
  await ada.reload();
  await ada.locator('.status-dot.status-open').waitFor();
  await ada.waitForTimeout(500); // the rooms list that would bring it back is read once connected
  assert.equal(await ada.locator(`button[data-room="${dmRoom ?? ''}"]`).count(), 0);

  // Ada kicks Bob from the private room: it leaves his sidebar and he is told.
  await ada.click('button[data-room="plans"]');
  await title(ada, 'plans');
  await ada.locator('[data-testid="members"]', { hasText: 'Bob' }).waitFor();
  await ada.click('[data-testid="members"] button[aria-label="Kick Bob"]');
  await bob.locator('[data-testid="notice"]', { hasText: 'removed you from #plans' }).waitFor();
  await bob.locator('button[data-room="plans"]').waitFor({ state: 'detached' });
  await bob.screenshot({ path: join(ARTIFACTS, 'rooms-kicked.png') });
});
