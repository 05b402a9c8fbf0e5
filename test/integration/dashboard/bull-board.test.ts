// bull-board, as users already run it, shows iteration runs with no adapter code: the progress
// ring of a running job shows the percentage the runtime published and follows it, and the
// Progress tab shows the run's state, through an interruption too. Rendered in Debian's Chromium.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import type { Queue } from 'bullmq';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

import type { Dashboard } from '../../../examples/dashboard-app.js';
import { createDashboard } from '../../../examples/dashboard-app.js';
import type { IterationProgress } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { iterationWorker } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { launchChromium, rethrowWithScreenshot } from './chromium.js';

/** Where to save a screenshot of the running job for the docs (the Redis case writes it). */
const DOCS_SCREENSHOT = process.env.DASHBOARD_SCREENSHOT;
const WAIT_MS = 30_000;

describe.each(backends)('bull-board on $name', (b) => {
  it("shows a running job's percentage as it moves, and its state", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bull-board-test-'));
    const queueName = uniqueQueueName('dashboard');
    const queue = b.queue(queueName);
    // 2,000 items of 10 ms: far longer than the test needs, so the job is still mid-way however
    // slow the machine; the test stops it by closing the worker.
    const c = counter({ name: 'backfill-accounts', total: 2_000, stepMs: 10, size: 2_000 });
    const worker = iterationWorker(b, queueName, [c.job], { progressIntervalMs: 300 });
    const published = new Set<number>();
    worker.on('progress', (_job, progress) => {
      const percent = (progress as IterationProgress).progress;
      if (typeof percent === 'number') published.add(percent);
    });

    let dashboard: Dashboard | undefined;
    let browser: BrowserContext | undefined;
    let page: Page | undefined;
    let passed = false;
    try {
      // bull-board types its adapter for Redis queues only; it handles PostgreSQL ones at run time.
      const queues = [queue as unknown as Queue];
      dashboard = await createDashboard({ queues, pollIntervalSeconds: 1 });
      browser = await launchChromium(dir);
      const view = browser.pages()[0] ?? (await browser.newPage());
      page = view;
      const job = await c.job.enqueue(queue, {});
      await view.goto(dashboard.jobUrl(queueName, job.id!));

      // The page polls; any value it shows must be one the job published, strictly between 0 and
      // 100 while it runs, and then a later one: the ring follows the job, it is not a snapshot.
      const first = await ringShows(view, (v) => published.has(v) && v > 0 && v < 100);
      const later = await ringShows(view, (v) => published.has(v) && v > first && v < 100);
      expect(later).toBeGreaterThan(first);
      await expect.poll(() => progressTab(view), { timeout: WAIT_MS }).toMatch(/status:"running"/);
      expect(await progressTab(view)).toMatch(/total:2000,/);
      if (DOCS_SCREENSHOT !== undefined && b.name === 'redis') {
        await mkdir(dirname(DOCS_SCREENSHOT), { recursive: true });
        await view.screenshot({ path: DOCS_SCREENSHOT });
      }

      // A graceful close checkpoints the run and requeues it: bull-board then shows it waiting,
      // its ring where it stopped and its state `interrupted`.
      await worker.close();
      const stored = (await queue.getJob(job.id!))?.progress as IterationProgress;
      expect(stored).toMatchObject({ status: 'interrupted', timesInterrupted: 1 });
      expect(['delayed', 'waiting']).toContain(await job.getState());
      await expect
        .poll(() => progressTab(view), { timeout: WAIT_MS })
        .toMatch(/status:"interrupted"/);
      await ringShows(view, (v) => v === stored.progress);
      passed = true;
    } catch (error) {
      await rethrowWithScreenshot(page, dir, error);
    } finally {
      await browser?.close();
      await dashboard?.close();
      await worker.close();
      // Kept on failure, with the screenshot in it.
      if (passed) await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * The text of the job's Progress tab: the progress object as a tree. bull-board re-renders the job
 * card when the job changes state, back on its Data tab, so this selects the tab every time.
 */
async function progressTab(page: Page): Promise<string | null> {
  await page.getByRole('tab', { name: 'Progress', exact: true }).click();
  return page.getByRole('tabpanel').textContent();
}

/**
 * Polls the job page until its progress ring shows a value `accept`s, and returns it. bull-board
 * puts the exact value in `aria-valuenow` and the rounded percentage in the ring's text.
 */
async function ringShows(page: Page, accept: (value: number) => boolean): Promise<number> {
  const ring = page.locator('[role=progressbar]');
  let seen = 'no progress ring';
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    if ((await ring.count()) === 1) {
      const value = Number(await ring.getAttribute('aria-valuenow'));
      const text = await ring.locator('tspan').textContent();
      seen = `aria-valuenow ${value}, text "${text}"`;
      if (accept(value) && text === `${Math.round(value)}%`) return value;
    }
    await page.waitForTimeout(100);
  }
  throw new Error(
    `the progress ring never showed an expected value within ${WAIT_MS} ms (last: ${seen})`,
  );
}
