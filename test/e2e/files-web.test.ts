// Files in two real browsers: a screenshot pasted into one page's composer is uploaded (with its
// progress shown), sent with a caption, and shown inline on the other page, where a click opens the
// full image; a file chosen with the attach button shows there with its name, type and size, and
// two files dropped on the composer go with one caption. A slow upload (the page's upload throttled
// through the DevTools protocol) shows its percentage and a progress bar until it is done.
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

test('a slow upload shows its progress as a percentage and a bar, and both go once it is done', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  await enterRoom(ada.page, 'progress');
  // 2 MB at 64 KB/s up: about half a minute, unless the throttle is lifted, which the test does once it saw progress.
  const cdp = await ada.context.newCDPSession(ada.page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 64 * 1024 });
  const big = Buffer.alloc(2 * 1024 * 1024, 7);
  await ada.page.locator('[data-testid="attach-input"]').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: big });
  const item = ada.page.locator('[data-testid="attachment"]', { hasText: 'big.bin' });
  await item.waitFor();
  const bar = item.locator('progress');
  // Under way: a percentage strictly between 0 and 100, and the bar's value with it.
  await until('a percentage between 0 and 100', async () => {
    const shown = /(\d+) %/.exec((await item.textContent()) ?? '');
    const percent = Number(shown?.[1] ?? '0');
    return percent > 0 && percent < 100;
  });
  const value = Number(await bar.evaluate((el) => (el as { value: number }).value));
  assert.ok(value > 0 && value < 1, `the bar is part way: ${value}`);
  assert.equal(await bar.getAttribute('aria-label'), 'Uploading big.bin');
  // Lifted: the upload finishes, the bar and the percentage give way to the size.
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await bar.waitFor({ state: 'detached', timeout: 30_000 });
  assert.doesNotMatch((await item.textContent()) ?? '', /%/);
  assert.match((await item.textContent()) ?? '', /2\.1 MB/);
  await ada.context.close();
});
