// Files in two real browsers: a screenshot pasted into one page's composer is uploaded (with its
// progress shown), sent with a caption, and shown inline on the other page, where a click opens the
// full image; a file chosen with the attach button shows there with its name, type and size, and
// two files dropped on the composer go with one caption.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { enterRoom, person, say, until, waitForText } from '../support/web-page.js';
import { png } from '../support/files.js';
import { BrowserSuite } from '../support/browser-suite.js';

/** The fields of an <img> the test reads (the test build has no DOM types). */
type Img = { complete: boolean; naturalWidth: number };
const loaded = (img: unknown): boolean => (img as Img).complete && (img as Img).naturalWidth > 0;

const suite = new BrowserSuite();
const { skip } = suite;

test('a pasted screenshot is seen inline on the other page, and opens full size; an attached file shows its name and size', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  const bob = await person(suite.browser, suite.server.url, 'Bob');
  for (const { page } of [ada, bob]) await enterRoom(page, 'shots');

  const screenshot = (await png(120, 80, { r: 20, g: 160, b: 90 })).toString('base64');
  await ada.page.focus('#composer-text');
  // A paste as the browser makes it (an image file in the clipboard data); a string, since the test build has no DOM types.
  await ada.page.evaluate(`(() => {
    const bytes = Uint8Array.from(atob('${screenshot}'), (char) => char.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
    document.getElementById('composer-text').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  })()`);
  const attachment = ada.page.locator('[data-testid="attachment"]', { hasText: 'image.png' });
  await attachment.waitFor();
  // Uploaded: the size replaces the progress.
  await until('the upload finished', async () => !(await attachment.textContent())?.includes('%'));
  await ada.page.keyboard.type('look at this');
  await ada.page.keyboard.press('Enter');
  await until('the composer emptied', async () => (await ada.page.locator('[data-testid="attachment"]').count()) === 0);

  await waitForText(bob.page, 'look at this');
  const inline = bob.page.locator('[data-testid="msg-image"]');
  await inline.waitFor({ timeout: 15_000 });
  await until('the thumbnail loaded', () => inline.evaluate(loaded));
  assert.match((await inline.getAttribute('src')) ?? '', /^\/files\/f_[^/]+\/thumb\?/);
  await bob.page.locator('.msg-image').click();
  const full = bob.page.locator('[data-testid="viewer"] img');
  await full.waitFor();
  await until('the full image loaded', () => full.evaluate(loaded));
  assert.equal(await full.evaluate((img) => (img as Img).naturalWidth), 120);
  await bob.page.keyboard.press('Escape');
  await bob.page.locator('[data-testid="viewer"]').waitFor({ state: 'detached' });

  await ada.page.locator('[data-testid="attach-input"]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('meeting notes\n') });
  const notes = ada.page.locator('[data-testid="attachment"]', { hasText: 'notes.txt' });
  await until('the notes uploaded', async () => !(await notes.textContent())?.includes('%'));
  await ada.page.locator('.send-button').click();
  const file = bob.page.locator('[data-testid="msg-file"]', { hasText: 'notes.txt' });
  await file.waitFor({ timeout: 15_000 });
  assert.match((await file.textContent()) ?? '', /application\/octet-stream · 14 B/);
  await until('the download link', async () => ((await file.getAttribute('href')) ?? '').startsWith('/files/'));

  // Dropped on the composer: two files, one caption, one message.
  await ada.page.evaluate(`(() => {
    const data = new DataTransfer();
    data.items.add(new File(['first'], 'one.txt', { type: 'text/plain' }));
    data.items.add(new File(['second'], 'two.txt', { type: 'text/plain' }));
    const form = document.querySelector('form.composer');
    form.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    form.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  })()`);
  for (const name of ['one.txt', 'two.txt']) {
    const dropped = ada.page.locator('[data-testid="attachment"]', { hasText: name });
    await until(`${name} uploaded`, async () => (await dropped.count()) === 1 && !(await dropped.textContent())?.includes('%'));
  }
  await say(ada.page, 'two at once');
  await waitForText(bob.page, 'two at once');
  const both = bob.page.locator('[data-testid="message"]', { hasText: 'two at once' }).locator('[data-testid="msg-file"]');
  await until('both files shown', async () => (await both.count()) === 2);
  await Promise.all([ada.context.close(), bob.context.close()]);
});
