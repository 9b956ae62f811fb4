// A person in the web app for the browser suites: a Chromium context signed in as a guest, and the
// few steps every test takes (enter a room, say something, wait for a message).
import type { Browser, BrowserContext, Page } from 'playwright-core';

export interface Person {
  context: BrowserContext;
  page: Page;
}

export async function person(browser: Browser, url: string, nick: string, viewport = { width: 1280, height: 800 }): Promise<Person> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(url);
  await page.fill('#nick', nick);
  await page.press('#nick', 'Enter');
  await page.waitForSelector('#composer-text');
  await page.locator('.status-dot.status-open').waitFor({ state: 'attached', timeout: 15_000 });
  return { context, page };
}

/** Polls `condition` (no timing assertion: it only bounds how long a broken build is waited for). */
export async function until(what: string, condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const exactly = (text: string): RegExp => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** Joins (or creates) a room through the sidebar form and waits until it is in view and loaded. */
export async function enterRoom(page: Page, room: string): Promise<void> {
  await page.fill('#new-room', room);
  await page.press('#new-room', 'Enter');
  await page.locator('.room-title span', { hasText: exactly(room) }).waitFor();
  await until('history loaded', async () => (await page.locator('.loading-older').count()) === 0);
}

export async function say(page: Page, text: string): Promise<void> {
  await page.fill('#composer-text', text);
  await page.press('#composer-text', 'Enter');
}

export async function waitForText(page: Page, text: string | RegExp): Promise<void> {
  const hasText = typeof text === 'string' ? exactly(text) : text;
  await page.locator('[data-testid="message"] .msg-text', { hasText }).first().waitFor({ timeout: 15_000 });
}
