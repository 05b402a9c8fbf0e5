// The dashboard in headless Chromium on every backend, as an operator uses it: a running job's
// bar moves without a reload; a cancel without the access token is refused; pause (confirmed in
// the dialog) parks the job and the page shows it paused; resume lets it finish. With
// DASHBOARD_SCREENSHOTS=<dir> the Redis run saves the guide's screenshots there.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import { createDashboardHandler, defineIterationJob, getRun } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker, nextEvent } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { launchChromium, rethrowWithScreenshot } from './chromium.js';
import { BREAKOUT, END_JSON, SCRIPT, serve, TOKEN } from './support.js';

const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS;
const WAIT_MS = 30_000;
const LABELS = { redis: 'Redis', postgres: 'PostgreSQL', pglite: 'embedded PGlite' };
const fast = { controlPollIntervalMs: 100, progressIntervalMs: 250, concurrency: 3 };

describe.each(backends)('dashboard in Chromium on $name', (b) => {
  it('follows a run live, refuses a cancel without the token, pauses and resumes it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dashboard-browser-'));
    const queueName = uniqueQueueName('dashboard-ui');
    const queue = b.queue(queueName);
    // The pace is turned down once resumed, so the run finishes quickly however slow the machine.
    const pace = { ms: 15 };
    const main = counter({
      name: 'backfill-accounts',
      total: 3_000,
      size: 3_000,
      onItem: () => new Promise((resolve) => setTimeout(resolve, pace.ms)),
    });
    const quick = counter({ name: 'reindex-search', total: 40, size: 40 });
    // A second long run beside it, for a page that looks like a working queue.
    const other = counter({
      name: 'notify-users',
      total: 100_000,
      size: 100_000,
      onItem: () => new Promise((resolve) => setTimeout(resolve, 25)),
    });
    const jobs = [main.job, quick.job, other.job];
    const worker = iterationWorker(b, queueName, jobs, fast);
    const dashboard = await serve(
      createDashboardHandler({
        queue: b.queue(queueName),
        jobs,
        token: TOKEN,
        backendLabel: LABELS[b.name],
      }),
    );
    const alerts: string[] = [];
    let browser: BrowserContext | undefined;
    let page: Page | undefined;
    let passed = false;
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await main.job.enqueue(queue, { segment: 'trial', since: '2024-01-01' });
      const id = job.id!;
      await started;
      await completion(worker, (await quick.job.enqueue(queue, {})).id!);
      await other.job.enqueue(queue, { template: 'welcome' });

      browser = await launchChromium(dir);
      const view = browser.pages()[0] ?? (await browser.newPage());
      page = view;
      watch(view, alerts);
      await view.goto(`${dashboard.url}/`);
      const row = view.locator(`tr[data-job="${id}"]`);
      const bar = row.locator('[role=progressbar]');

      // The bar moves while the page stays loaded: two different values, the second larger.
      const first = await barValue(bar, (v) => v > 0 && v < 100);
      await barValue(bar, (v) => v > first && v < 100);
      await expect.poll(() => row.getAttribute('data-status')).toBe('running');

      // No token yet in this tab: the dialog asks for it, and the server refuses an empty one.
      await row.locator('button[data-action=cancel]').click();
      const dialog = view.locator('dialog#confirm');
      await expect.poll(() => dialog.isVisible()).toBe(true);
      expect(await view.locator('#token-field').isVisible()).toBe(true);
      await view.fill('#confirm-reason', 'trying without the token');
      await view.click('#confirm-go');
      const error = view.locator('#confirm-error');
      await expect
        .poll(() => error.textContent(), { timeout: WAIT_MS })
        .toMatch(/^Refused \(401\)/);
      await view.click('#confirm-back');
      expect((await getRun(queue, id)).status).toBe('running');
      expect((await getRun(queue, id)).control).toBeUndefined();

      // The token arrives as the CLI prints it: in the address's fragment, then gone from it.
      await view.goto(`${dashboard.url}/#token=${TOKEN}`);
      await expect.poll(() => view.url()).toBe(`${dashboard.url}/`);
      if (SCREENSHOTS && b.name === 'redis') await runPageShot(view, dashboard.url, id);

      await row.locator('button[data-action=pause]').click();
      await expect.poll(() => dialog.isVisible()).toBe(true);
      expect(await view.locator('#token-field').isVisible()).toBe(false);
      await view.fill('#confirm-reason', 'database maintenance');
      if (SCREENSHOTS && b.name === 'redis') await shot(view, 'dashboard-confirm.png');
      await view.click('#confirm-go');
      await expect.poll(() => dialog.isVisible()).toBe(false);
      await expect.poll(() => row.getAttribute('data-status'), { timeout: WAIT_MS }).toBe('paused');
      expect(await row.textContent()).toContain('database maintenance');
      const parked = await getRun(queue, id);
      expect(parked).toMatchObject({ status: 'paused', bullState: 'delayed' });
      if (SCREENSHOTS && b.name === 'redis') {
        await view.setViewportSize({ width: 1280, height: 440 });
        await shot(view, 'dashboard-runs.png');
      }

      await row.locator('button[data-action=resume]').click();
      await view.click('#confirm-go');
      pace.ms = 0;
      await expect
        .poll(() => row.getAttribute('data-status'), { timeout: WAIT_MS })
        .toBe('completed');
      expect(await bar.getAttribute('aria-valuenow')).toBe('100');
      expect(await getRun(queue, id)).toMatchObject({ status: 'completed', processed: 3_000 });
      if (SCREENSHOTS && b.name === 'redis') {
        await view.goto(`${dashboard.url}/jobs`);
        await view.setViewportSize({ width: 1280, height: 300 });
        await shot(view, 'dashboard-jobs.png');
      }
      // No alert() ran, and the Content-Security-Policy blocked nothing the page itself needs.
      expect(alerts).toEqual([]);
      passed = true;
    } catch (error) {
      await rethrowWithScreenshot(page, dir, error);
    } finally {
      await browser?.close();
      await worker.close();
      if (passed) await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('dashboard in Chromium with hostile job data', () => {
  it('shows hostile params, cursor, error and id as text, and runs none of it', async () => {
    const b = backends[0]!;
    const dir = await mkdtemp(join(tmpdir(), 'dashboard-hostile-'));
    const queueName = uniqueQueueName('dashboard-xss');
    const queue = b.queue(queueName);
    // Its cursors and its error carry markup; it fails at its second item with the cursor stored.
    const hostile = defineIterationJob({
      name: 'import-contacts',
      buildEnumerator: () =>
        [1, 2].map((n) => [n, { after: END_JSON, name: BREAKOUT, n }] as const)[Symbol.iterator](),
      eachIteration(n: number) {
        if (n === 2) throw new Error(`bad row ${SCRIPT}`);
      },
    });
    const worker = iterationWorker(b, queueName, [hostile]);
    const job = await queue.add(
      hostile.name,
      { note: SCRIPT, [BREAKOUT]: END_JSON },
      { jobId: `x${BREAKOUT}` },
    );
    await completion(worker, job.id!).catch(() => undefined);
    await worker.close();
    const dashboard = await serve(createDashboardHandler({ queue, jobs: [hostile], token: TOKEN }));
    const problems: string[] = [];
    const browser = await launchChromium(dir);
    try {
      const view = browser.pages()[0] ?? (await browser.newPage());
      watch(view, problems);
      await view.goto(`${dashboard.url}/`);
      await view.click('a.run-link');
      await expect.poll(() => view.locator('h1').textContent()).toContain(`#x${BREAKOUT}`);
      const blocks = await view.locator('pre.json').allTextContents();
      expect(blocks.join('\n')).toContain(`bad row ${SCRIPT}`); // the last error
      expect(blocks.join('\n')).toContain(`"after": "${END_JSON}"`); // the cursor
      expect(blocks.join('\n')).toContain(`"note": "${SCRIPT}"`); // the params
      expect(await view.locator('img').count()).toBe(0);
      // Let the page refresh its live region a few times: fragments are escaped too.
      await view.waitForTimeout(2_500);
      expect(await view.locator('img').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Collects alert() calls and Content-Security-Policy violations of the page. */
function watch(view: Page, problems: string[]): void {
  view.on('dialog', (dialog) => {
    problems.push(`alert: ${dialog.message()}`);
    void dialog.dismiss();
  });
  view.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
}

/** Polls the bar until its value is one `accept` takes, and returns it. */
async function barValue(
  bar: ReturnType<Page['locator']>,
  accept: (value: number) => boolean,
): Promise<number> {
  let last = 'no bar';
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const text = (await bar.count()) === 1 ? await bar.getAttribute('aria-valuenow') : null;
    last = String(text);
    const value = Number(text);
    if (text !== null && accept(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the progress bar never showed an expected value (last: ${last})`);
}

/** The run's own page once its chart has a few samples, then back to the list. */
async function runPageShot(view: Page, url: string, id: string): Promise<void> {
  await view.click(`tr[data-job="${id}"] a.run-link`);
  await expect.poll(() => view.locator('svg.chart polyline').count(), { timeout: WAIT_MS }).toBe(1);
  await view.waitForTimeout(4_000); // a few more refreshes: a line, not a dot
  await shot(view, 'dashboard-run.png', true);
  await view.goto(`${url}/`);
}

async function shot(view: Page, name: string, fullPage = false): Promise<void> {
  await mkdir(SCREENSHOTS!, { recursive: true });
  await view.screenshot({ path: join(SCREENSHOTS!, name), fullPage });
}
