// The room's document tab in Chromium: two people open it, each sees the other's text and the
// other's named cursor (y-codemirror.next's remote selections), and who is editing now.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestServer, type TestServer } from '../support/server.js';
import { browserUnavailable, launchChromium } from '../support/browser.js';
import { enterRoom, person, until, type Person } from '../support/web-page.js';

const skip = browserUnavailable();
let server: TestServer;
let browser: Browser;
const people: Person[] = [];

before(async () => {
  if (skip !== undefined) return;
  server = await startTestServer();
  browser = await launchChromium();
});
after(async () => {
  if (skip !== undefined) return;
  for (const { context } of people) await context.close().catch(() => undefined);
  await browser.close();
  await server.stop();
});

/** The editor's lines without the others' cursor widgets (their name labels are DOM in the lines). */
const editorText = (someone: Person): Promise<string> =>
  someone.page.evaluate<string>(`(() => {
    const content = document.querySelector('.doc-editor .cm-content').cloneNode(true);
    for (const widget of content.querySelectorAll('.cm-ySelectionCaret')) widget.remove();
    return [...content.querySelectorAll('.cm-line')].map((line) => line.textContent).join('\\n');
  })()`);

test("two pages edit one document and each sees the other's text and named cursor", { skip }, async () => {
  const ada = await person(browser, server.url, 'ada');
  const bob = await person(browser, server.url, 'bob');
  people.push(ada, bob);
  for (const someone of [ada, bob]) {
    await enterRoom(someone.page, 'shared-doc');
    await someone.page.click('[data-testid="doc-tab"]');
    await someone.page.locator('[data-testid="doc-status"]', { hasText: 'Saved on the server' }).waitFor({ timeout: 15_000 });
  }
  await ada.page.click('.doc-editor .cm-content');
  await ada.page.keyboard.type('Hello from ada. ');
  await until('bob sees ada’s text', async () => (await editorText(bob)).includes('Hello from ada.'));
  await bob.page.click('.doc-editor .cm-content');
  await bob.page.keyboard.press('End');
  await bob.page.keyboard.type('And bob.');
  await until('ada sees bob’s text', async () => (await editorText(ada)).includes('And bob.'));
  await until('bob sees ada’s named cursor', async () => (await bob.page.locator('.cm-ySelectionInfo', { hasText: 'ada' }).count()) > 0);
  await until('ada sees bob’s named cursor', async () => (await ada.page.locator('.cm-ySelectionInfo', { hasText: 'bob' }).count()) > 0);
  const editing = await ada.page.locator('[data-testid="doc-editors"] li').allInnerTexts();
  assert.deepEqual(editing, ['ada', 'bob']);
  assert.equal(await editorText(ada), 'Hello from ada. And bob.');
  assert.equal(await editorText(bob), 'Hello from ada. And bob.');
});
