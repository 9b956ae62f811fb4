#!/usr/bin/env node
// `node scripts/screenshot.mjs` (after `npm run build`): docs/screenshot.png, the web app as a new
// user sees it, from a server of its own with a few people talking (rooms, a DM, unread counts, a
// code block, a reaction, someone typing). Debian's Chromium, never a downloaded browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { WebSocket } from 'ws';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'docs', 'screenshot.png');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A protocol client that sends commands in order and resolves each with its reply. */
async function talker(url, nick) {
  const ws = new WebSocket(url, 'parley.v1');
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const waiting = new Map();
  let nextId = 1;
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data));
    const done = waiting.get(frame.id);
    if (done === undefined) return;
    waiting.delete(frame.id);
    if (frame.type === 'error') done.reject(new Error(`${nick}: ${frame.code} ${frame.message}`));
    else done.resolve(frame);
  });
  const ask = (type, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, type, ...params }));
    });
  const hello = await ask('hello', { nick });
  let cid = 0;
  return {
    user: hello.user,
    ask,
    say: (room, text) => ask('send', { room, text, cid: `${nick}-${++cid}` }),
    close: () => ws.close(),
  };
}

const port = await freePort();
const dataDir = mkdtempSync(join(tmpdir(), 'parley-screenshot-'));
const server = spawn(
  process.execPath,
  [join(root, 'dist/src/cli/parley.js'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'warn'],
  {
    env: { ...process.env, PARLEY_RATE_LIMITS: 'off' },
    stdio: 'inherit',
  },
);
const url = `http://127.0.0.1:${port}`;
const wsUrl = `ws://127.0.0.1:${port}/ws`;
let browser;
try {
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (i > 100) throw new Error('the server did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const grace = await talker(wsUrl, 'Grace');
  const linus = await talker(wsUrl, 'Linus');
  await grace.ask('create', { room: 'design', topic: 'the new build and what ships when' });
  await grace.ask('create', { room: 'random' });
  await linus.ask('create', { room: 'announcements' });
  for (const person of [grace, linus]) await person.ask('join', { room: 'lobby' });
  await grace.ask('join', { room: 'design' });
  await grace.ask('join', { room: 'random' });
  await linus.ask('join', { room: 'design' });
  await linus.ask('join', { room: 'random' });

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(url);
  await page.fill('#nick', 'Ada');
  await page.press('#nick', 'Enter');
  await page.waitForSelector('#composer-text');
  for (const room of ['random', 'design']) {
    await page.fill('#new-room', room);
    await page.press('#new-room', 'Enter');
    await page.locator('.room-title span', { hasText: room }).first().waitFor();
  }
  const ada = (await grace.ask('members', { room: 'design' })).members.find((user) => user.name === 'Ada');
  await grace.say('design', 'Morning all! The new build is up on staging.');
  await linus.say('design', 'Nice. Did the **migration** run cleanly?');
  await grace.say('design', 'Yes, in about 4 s. I also raised the replay budget:\n```\nPARLEY_RECOVERY_LIMIT=5000\n```');
  const reply = await linus.say('design', 'Great, I will _try it_ after lunch.');
  await grace.ask('react', { room: 'design', seq: reply.seq, emoji: '👍', on: true });
  await linus.say('random', 'Anyone up for lunch at noon?');
  if (ada !== undefined)
    await linus.ask('dm', { user: ada.id }).then(async (dm) => {
      await linus.ask('join', { room: dm.room });
      await linus.say(dm.room, 'Can you look at the release notes?');
    });
  await page.locator('.msg-text', { hasText: 'after lunch' }).waitFor();
  await page.fill('#composer-text', 'Looks good to me, shipping it at 3.');
  await page.press('#composer-text', 'Enter');
  await page.locator('.msg-text', { hasText: 'shipping it at 3' }).waitFor();
  await linus.ask('typing', { room: 'design' });
  await page.locator('text=is typing').first().waitFor();
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
  grace.close();
  linus.close();
} finally {
  await browser?.close();
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
