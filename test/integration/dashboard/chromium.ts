// Debian's Chromium through playwright-core, as the browser tests launch it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// As root on these machines Chromium needs no sandbox, and its background connections are refused
// by the closed network (it retries them, slowing start-up). `headless: true` adds --headless.
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with its profile in `dir`; fails (never skips) when Chromium is missing. */
export async function launchChromium(
  dir: string,
  viewport = { width: 1280, height: 720 },
): Promise<BrowserContext> {
  // Fail, never skip: a skipped browser test passes while checking nothing.
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Install Debian's package: apt-get install -y chromium ` +
        '(.ci/run does), or point CHROMIUM_PATH at a Chromium binary.',
    );
  }
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
  });
}

/** Saves a screenshot of `page` in `dir` for a failed test, names it in the error, rethrows. */
export async function rethrowWithScreenshot(
  page: Page | undefined,
  dir: string,
  error: unknown,
): Promise<never> {
  const screenshot = join(dir, 'failure.png');
  const saved = await page?.screenshot({ path: screenshot, fullPage: true }).then(
    () => true,
    () => false,
  );
  if (saved && error instanceof Error) error.message += `\nscreenshot: ${screenshot}`;
  throw error;
}
