// Debian's Chromium driven by playwright-core (never a downloaded browser). Without Chromium the
// browser suites skip with a visible message, except under CI=true where that is a failure.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env['PARLEY_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why the browser suites cannot run here, or undefined when they can. Throws under CI. */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `Chromium not found at ${CHROMIUM} (apt-get install -y chromium): browser tests SKIPPED`;
  if (process.env['CI'] === 'true') throw new Error(`${reason} — required under CI=true`);
  console.warn(`\n*** ${reason} ***\n`);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
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
}
