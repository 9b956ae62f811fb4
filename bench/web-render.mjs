#!/usr/bin/env node
// What one new message re-renders in the web app, with a room of 1,000 messages in view: the
// components rendered (by name, with counts) and the time spent rendering, per message. Run by
// hand after `npm run build`; the numbers go in docs/benchmarks-web.md.
//
//   node bench/web-render.mjs                 this worktree's app
//   node bench/web-render.mjs --old           and the app of the `main` branch, built the same way
//   node bench/web-render.mjs --messages 500 --samples 9
//
// Both apps are built unminified (so components keep their names) with web/src/render-probe.ts,
// which counts renders through preact's own hooks when the page defines `window.parleyRenders`;
// the old app gets the probe copied in. Each is served by a Parley server of its own and driven
// by Debian's Chromium; one guest sends the messages over a raw protocol connection.
import { execSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = new URL('..', import.meta.url).pathname;
const { values: options } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000' },
    samples: { type: 'string', default: '5' },
    old: { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(options.messages);
const SAMPLES = Number(options.samples);
const ROOM = 'bench';

const support = join(repoRoot, 'dist', 'test', 'support');
if (!existsSync(join(support, 'server.js'))) {
  console.error('run `npm run build` first (this script uses dist/test/support)');
  process.exit(1);
}
const { startTestServer } = await import(join(support, 'server.js'));
const { TestClient } = await import(join(support, 'client.js'));
const { launchChromium } = await import(join(support, 'browser.js'));

/** Builds the app whose vite root is `webDir` into `outDir`, unminified. */
function build(webDir, outDir) {
  const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', webDir, '--outDir', outDir, '--emptyOutDir', '--minify', 'false', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error(`vite build ${webDir} failed`);
}

/** The `main` branch's web app with the render probe added, built into a temporary directory. */
function buildOld(scratch) {
  const source = join(scratch, 'old');
  execSync(`mkdir -p ${source} && git -C ${repoRoot} archive main web src/client src/protocol | tar -x -C ${source}`);
  symlinkSync(join(repoRoot, 'node_modules'), join(source, 'node_modules'));
  writeFileSync(join(source, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  copyFileSync(join(repoRoot, 'web', 'src', 'render-probe.ts'), join(source, 'web', 'src', 'render-probe.ts'));
  const main = join(source, 'web', 'src', 'main.tsx');
  const text = readFileSync(main, 'utf8');
  if (!text.includes('installRenderProbe')) {
    writeFileSync(main, `import { installRenderProbe } from './render-probe.js';\ninstallRenderProbe();\n${text}`);
  }
  const out = join(scratch, 'old-dist');
  build(join(source, 'web'), out);
  return out;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function until(what, condition, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Renders (by component) and render time since the last call, after the page's queued work ran. */
function take(page) {
  return page.evaluate(`new Promise((resolve) => setTimeout(() => {
    const counts = window.parleyRenders || {};
    resolve({ counts: { ...counts }, ms: window.parleyRenderMs || 0 });
    for (const key of Object.keys(counts)) delete counts[key];
    window.parleyRenderMs = 0;
  }, 0))`);
}

async function measure(name, webRoot, browser) {
  const server = await startTestServer({ webRoot });
  try {
    const grace = await TestClient.guest(server.wsUrl, 'Grace');
    await grace.ok('join', { room: ROOM });
    for (let i = 1; i <= MESSAGES; i++) await grace.ok('send', { room: ROOM, text: `message ${i} of the backlog`, cid: `b${i}` });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ content: 'window.parleyRenders = {};' });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.fill('#nick', 'Ada');
    await page.press('#nick', 'Enter');
    await page.locator('.status-dot.status-open').waitFor({ state: 'attached', timeout: 30_000 });
    await page.fill('#new-room', ROOM);
    await page.press('#new-room', 'Enter');
    const rows = () => page.locator('[data-testid="message"]').count();
    await until('the first page', async () => (await rows()) > 0);
    while ((await rows()) < MESSAGES) {
      const before = await rows();
      await page.locator('.messages').evaluate((el) => el.scrollTo({ top: 0 }));
      await until('an older page', async () => (await rows()) > before);
    }
    await page.locator('.messages').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await take(page);
    const samples = [];
    for (let i = 1; i <= SAMPLES; i++) {
      await grace.ok('send', { room: ROOM, text: `new message ${i}`, cid: `n${i}` });
      await page.locator('[data-testid="message"] .msg-text', { hasText: new RegExp(`^new message ${i}$`) }).waitFor();
      samples.push(await take(page));
    }
    await grace.close();
    await context.close();
    const ms = median(samples.map((sample) => sample.ms));
    const names = [...new Set(samples.flatMap((sample) => Object.keys(sample.counts)))];
    const counts = Object.fromEntries(names.map((key) => [key, median(samples.map((sample) => sample.counts[key] ?? 0))]));
    return { name, ms, counts, rows: MESSAGES + SAMPLES };
  } finally {
    await server.stop();
  }
}

function report(results) {
  const names = [...new Set(results.flatMap((result) => Object.keys(result.counts)))].sort(
    (a, b) => Math.max(...results.map((r) => r.counts[b] ?? 0)) - Math.max(...results.map((r) => r.counts[a] ?? 0)) || a.localeCompare(b),
  );
  const header = `| component | ${results.map((r) => r.name).join(' | ')} |`;
  const rule = `|---|${results.map(() => '---:').join('|')}|`;
  const lines = names.map((key) => `| ${key} | ${results.map((r) => r.counts[key] ?? 0).join(' | ')} |`);
  const total = `| **all components** | ${results.map((r) => Object.values(r.counts).reduce((a, b) => a + b, 0)).join(' | ')} |`;
  const time = `| **render time, ms** (median) | ${results.map((r) => r.ms.toFixed(1)).join(' | ')} |`;
  console.log(`\nOne new message in a room with ${MESSAGES} messages in view; renders per message, median of ${SAMPLES}:\n`);
  console.log([header, rule, ...lines, total, time].join('\n'));
}

const scratch = mkdtempSync(join(tmpdir(), 'parley-web-render-'));
const browser = await launchChromium();
try {
  const results = [];
  if (options.old) results.push(await measure('before (main)', buildOld(scratch), browser));
  const current = join(scratch, 'new-dist');
  build(join(repoRoot, 'web'), current);
  results.push(await measure('after', current, browser));
  report(results);
} finally {
  await browser.close();
  rmSync(scratch, { recursive: true, force: true });
}
