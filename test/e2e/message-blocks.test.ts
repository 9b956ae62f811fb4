// Message text beyond one line, in a real browser: fenced code blocks keep their text exactly (no
// markup inside, monospace, long lines wrap), quotes and lists render as such, and none of it is
// ever HTML.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/client.js';
import { enterRoom, person, waitForText } from '../support/web-page.js';
import { BrowserSuite } from '../support/browser-suite.js';

const suite = new BrowserSuite();
const { skip } = suite;

test('fenced code, quotes and lists render as blocks, safely, and long code wraps', { skip }, async () => {
  const ada = await person(suite.browser, suite.server.url, 'Ada');
  await enterRoom(ada.page, 'blocks');
  const bob = await TestClient.guest(suite.server.wsUrl, 'bob');
  await bob.ok('join', { room: 'blocks' });
  const long = 'x'.repeat(400);
  const code = ['Try this:', '```ts', 'const a = **not bold** <img src=x onerror=alert(1)>;', long, '```', 'then run it'].join('\n');
  await bob.ok('send', { room: 'blocks', text: code, cid: 'c1' });
  await bob.ok('send', { room: 'blocks', text: '> quoted _words_\n> second line\nmy answer', cid: 'c2' });
  await bob.ok('send', { room: 'blocks', text: 'Todo:\n- milk\n- **eggs**\n1. first\n2. second', cid: 'c3' });
  await waitForText(ada.page, /^Todo:/);
  const page = ada.page;
  const rows = page.locator('[data-testid="message"] .msg-text');

  const pre = rows.nth(0).locator('pre.msg-code');
  assert.equal(await pre.count(), 1);
  assert.equal(await pre.textContent(), `const a = **not bold** <img src=x onerror=alert(1)>;\n${long}`);
  assert.equal(await pre.locator('strong').count(), 0, 'no markup inside code');
  assert.equal(await page.locator('img').count(), 0);
  const style = await page.evaluate<{ font: string; wrap: string; wide: boolean }>(`(() => {
    const el = document.querySelector('pre.msg-code');
    const computed = getComputedStyle(el);
    return { font: computed.fontFamily, wrap: computed.whiteSpace, wide: el.scrollWidth > el.clientWidth };
  })()`);
  assert.match(style.font, /mono/i);
  assert.equal(style.wrap, 'pre-wrap');
  assert.equal(style.wide, false, 'a long line wraps instead of widening the list');
  assert.match((await rows.nth(0).textContent()) ?? '', /^Try this:/);
  assert.match((await rows.nth(0).textContent()) ?? '', /then run it$/);

  const quote = rows.nth(1).locator('blockquote');
  assert.equal(await quote.textContent(), 'quoted words\nsecond line');
  assert.equal(await quote.locator('em').textContent(), 'words');
  assert.match((await rows.nth(1).textContent()) ?? '', /my answer$/);

  assert.deepEqual(await rows.nth(2).locator('ul > li').allTextContents(), ['milk', 'eggs']);
  assert.equal(await rows.nth(2).locator('ul strong').textContent(), 'eggs');
  assert.deepEqual(await rows.nth(2).locator('ol > li').allTextContents(), ['first', 'second']);
  await bob.close();
  await ada.context.close();
});
