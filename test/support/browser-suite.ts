// One server and one Chromium for a browser test file, started before its tests and stopped after
// them; `skip` says why the file cannot run here (no Chromium, which fails under CI=true instead).
import { before, after } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Config } from '../../src/server/config.js';
import { startTestServer, type TestServer } from './server.js';
import { browserUnavailable, launchChromium } from './browser.js';

export class BrowserSuite {
  readonly skip = browserUnavailable();
  #server: TestServer | undefined;
  #browser: Browser | undefined;

  constructor(overrides: Partial<Config> = {}) {
    before(async () => {
      if (this.skip !== undefined) return;
      this.#server = await startTestServer(overrides);
      this.#browser = await launchChromium();
    });
    after(async () => {
      if (this.skip !== undefined) return;
      await this.#browser?.close();
      await this.#server?.stop();
    });
  }

  get server(): TestServer {
    if (this.#server === undefined) throw new Error('the suite has not started (or Chromium is missing)');
    return this.#server;
  }

  get browser(): Browser {
    if (this.#browser === undefined) throw new Error('the suite has not started (or Chromium is missing)');
    return this.#browser;
  }
}
