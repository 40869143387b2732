/**
 * A real browser for the web console's tests: Debian's chromium (no browser download is possible here),
 * driven by playwright-core, headless. As root chromium needs --no-sandbox; background networking is off so
 * the browser talks to nothing but the service under test.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { registerTeardown } from './cleanup.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const SCREENSHOT_DIR = join(import.meta.dirname, '..', 'e2e', 'ui', 'screenshots');

/** Launches chromium; it is closed after the test that launched it, also on failure. */
export async function launchBrowser(): Promise<{ browser: Browser; release: () => Promise<void> }> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run'],
  });
  // playwright-core also kills the browser itself when this process exits or gets a signal.
  const registration = registerTeardown(
    'chromium',
    () => browser.close(),
    () => undefined,
  );
  return { browser, release: () => registration.release() };
}

/** Saves a full-page screenshot under test/e2e/ui/screenshots/ (gitignored) and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
