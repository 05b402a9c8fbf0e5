// The operator's console in Debian's Chromium on Redis and PostgreSQL, as an operator uses it:
// a run started from a job's form (the browser refuses what the form's constraints refuse, the
// server what only the schema knows, shown beside the field), a CSV file uploaded and imported,
// a bulk pause by tag, a retry and a replay from a run's page, and the audit trail after each;
// the runs table fits 1280 px, error cells show the specific part, the tab has its icon, and
// hostile tags and params run nothing. With DASHBOARD_SCREENSHOTS=<dir> the Redis run saves the
// guide's screenshots of the console there.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import {
  array,
  createDashboardHandler,
  csv,
  defineIterationJob,
  getRun,
  waitForRun,
} from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { launchChromium, rethrowWithScreenshot } from './chromium.js';
import { BREAKOUT, SCRIPT, serve, TOKEN } from './support.js';

const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS;
const WAIT_MS = 30_000;
const fast = { controlPollIntervalMs: 100, progressIntervalMs: 200, concurrency: 6 };
const ACTOR = 'access token holder (127.0.0.1)';

/** The jobs of the console under test; `healed` turns their poison items good. */
function consoleJobs() {
  const healed = { value: false };
  const imported: string[] = [];
  const notify = defineIterationJob({
    name: 'notify-users',
    params: z.object({
      segment: z.enum(['trial', 'paid']),
      limit: z.number().int().min(1).max(5_000),
      replyTo: z.string().email(),
      dryRun: z.boolean(),
    }),
    buildEnumerator: ({ params, cursor }) =>
      array(
        Array.from({ length: params.limit }, (_, i) => i),
        { cursor },
      ),
    eachIteration: () => new Promise<void>((resolve) => setTimeout(resolve, 20)),
  });
  const importer = defineIterationJob({
    name: 'import-contacts',
    params: z.object({ path: z.string(), list: z.string().min(2) }),
    csvUpload: { param: 'path', requiredColumns: ['email'] },
    buildEnumerator: ({ params, cursor }) => csv({ path: params.path, cursor }),
    eachIteration: (row) => void imported.push((row as { email: string }).email),
  });
  const late = defineIterationJob({
    name: 'late-deliveries',
    buildEnumerator: ({ cursor }) =>
      array([{ id: 'shipment-00000000000000000001' }, { id: 'shipment-2' }, { id: 'shipment-3' }], {
        cursor,
      }),
    eachIteration: (shipment) => {
      if (shipment.id === 'shipment-2' && !healed.value) {
        throw new Error(
          'The enumerator of iteration job "late-deliveries" (id 7) could not reach the carrier ' +
            'API for shipment-2: 503 Service Unavailable after 3 tries, giving up on this attempt',
        );
      }
    },
  });
  const clean = defineIterationJob({
    name: 'clean-addresses',
    itemErrors: { action: 'skip' },
    buildEnumerator: ({ cursor }) => array(['a', 'b', 'c', 'd'], { cursor }),
    eachIteration: (item) => {
      if (item === 'b' && !healed.value) throw new Error('address b does not parse');
    },
  });
  return { healed, imported, jobs: [notify, importer, late, clean], notify, late, clean };
}

describe.each(backends.filter((b) => b.name !== 'pglite'))(
  'the console in Chromium on $name',
  (b) => {
    it('starts, uploads, bulk-pauses, retries and replays from the pages, with an audit trail', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'console-browser-'));
      const uploads = join(dir, 'uploads');
      const queueName = uniqueQueueName('console-ui');
      const queue = b.queue(queueName);
      const { healed, imported, jobs, notify, late, clean } = consoleJobs();
      const worker = iterationWorker(b, queueName, jobs, fast);
      const dashboard = await serve(
        createDashboardHandler({
          queue: b.queue(queueName),
          jobs,
          token: TOKEN,
          backendLabel: b.name === 'redis' ? 'Redis' : 'PostgreSQL',
          uploads: { dir: uploads },
        }),
      );
      const problems: string[] = [];
      const refusals: string[] = [];
      const assets: string[] = [];
      let browser: BrowserContext | undefined;
      let page: Page | undefined;
      let passed = false;
      try {
        // Runs that failed, skipped an item, and carry hostile tags, before the browser opens.
        const failed = await late.enqueue(queue, {});
        const skipped = await clean.enqueue(queue, {});
        await expect(waitForRun(queue, failed.id!, { timeoutMs: WAIT_MS })).rejects.toThrow();
        expect((await waitForRun(queue, skipped.id!, { timeoutMs: WAIT_MS })).run.skipped).toBe(1);

        browser = await launchChromium(dir);
        const view = browser.pages()[0] ?? (await browser.newPage());
        page = view;
        watch(view, problems, refusals, assets);
        await view.goto(`${dashboard.url}/#token=${TOKEN}`);
        await expect.poll(() => view.url()).toBe(`${dashboard.url}/`);

        // ---- A run from the form: the browser's check, the schema's, then a good one ----
        await view.goto(`${dashboard.url}/jobs/notify-users`);
        const form = view.locator('form#new-run');
        await form.locator('[data-param=segment] select').selectOption({ label: 'paid' });
        await form.locator('[data-param=limit] input').fill('0');
        await form.locator('[data-param=replyTo] input').fill('not-an-email');
        await view.click('#new-run-go');
        // The browser refuses a limit below the schema's minimum before anything is sent.
        expect(
          await form
            .locator('[data-param=limit] input')
            .evaluate(
              (el) =>
                (el as unknown as { validity: { rangeUnderflow: boolean } }).validity
                  .rangeUnderflow,
            ),
        ).toBe(true);
        await form.locator('[data-param=limit] input').fill('40');
        await view.click('#new-run-go');
        // The email is for the schema to refuse: its message shows beside the field.
        const issue = form.locator('[data-issue-for=replyTo]');
        await expect.poll(() => issue.textContent(), { timeout: WAIT_MS }).toMatch(/email/i);
        expect(await view.locator('#new-run-error').textContent()).toMatch(/^Refused \(422\)/);
        expect(await queue.getJobCounts('waiting', 'active')).toEqual({ waiting: 0, active: 0 });
        await form.locator('[data-param=replyTo] input').fill('ops@example.com');
        await form.locator('input[name=tags]').fill(`shard=db-9,owner=${BREAKOUT}`);
        await form.locator('input[name=reason]').fill('weekly notice');
        if (SCREENSHOTS && b.name === 'redis') await shot(view, 'console-new-run.png', true);
        await view.click('#new-run-go');
        await expect.poll(() => view.url(), { timeout: WAIT_MS }).toMatch(/\/runs\/[^/?]+\?queue=/);
        const started = decodeURIComponent(/\/runs\/([^/?]+)/.exec(view.url())![1]!);
        const run = await getRun(queue, started);
        expect(run).toMatchObject({
          jobName: 'notify-users',
          tags: { shard: 'db-9', owner: BREAKOUT },
        });
        expect(run.audit).toEqual([
          expect.objectContaining({
            action: 'start',
            actor: ACTOR,
            via: 'console',
            reason: 'weekly notice',
          }),
        ]);
        await expect
          .poll(() => view.locator('#audit tr[data-action=start]').count(), { timeout: WAIT_MS })
          .toBe(1);
        expect(await view.locator('.tag').allTextContents()).toContain(`owner=${BREAKOUT}`);
        expect((await waitForRun(queue, started, { timeoutMs: WAIT_MS })).summary?.processed).toBe(
          40,
        );

        // ---- A CSV file, uploaded and imported ----
        await view.goto(`${dashboard.url}/jobs/import-contacts`);
        await view.setInputFiles('#new-run input[name=upload]', {
          name: `contacts ${SCRIPT}.csv`,
          mimeType: 'text/csv',
          buffer: Buffer.from(
            'email,name\nada@example.com,Ada\ngrace@example.com,Grace\nalan@example.com,Alan\n',
          ),
        });
        await view.fill('#new-run [data-param=list] input', 'vip');
        await view.click('#new-run-go');
        await expect.poll(() => view.url(), { timeout: WAIT_MS }).toMatch(/\/runs\//);
        const importRun = decodeURIComponent(/\/runs\/([^/?]+)/.exec(view.url())![1]!);
        await waitForRun(queue, importRun, { timeoutMs: WAIT_MS });
        expect(imported).toEqual(['ada@example.com', 'grace@example.com', 'alan@example.com']);
        // The file is named by the console and kept beside its record until the run ends.
        const files = (await readdir(uploads)).sort();
        expect(files).toHaveLength(2);
        expect(files[0]).toMatch(/^[0-9a-f]{32}\.csv$/);

        // ---- Bulk pause by tag ----
        const db3: string[] = [];
        for (let i = 0; i < 3; i++) {
          const added = await notify.enqueue(
            queue,
            { segment: 'trial', limit: 5_000, replyTo: 'a@b.co', dryRun: true },
            { tags: { shard: 'db-3' } },
          );
          db3.push(added.id!);
        }
        const db4 = await notify.enqueue(
          queue,
          { segment: 'trial', limit: 5_000, replyTo: 'a@b.co', dryRun: true },
          { tags: { shard: 'db-4' } },
        );
        await eventually(
          async () => ((await getRun(queue, db4.id!)).processed > 0 ? true : undefined),
          'db-4 to run',
        );
        await view.goto(`${dashboard.url}/?tags=shard%3Ddb-3`);
        await expect.poll(() => view.locator('table.runs tbody tr').count()).toBe(3);
        await view.click('button[data-bulk=pause]');
        const dialog = view.locator('dialog#confirm');
        await expect.poll(() => dialog.isVisible(), { timeout: WAIT_MS }).toBe(true);
        expect(await view.locator('#confirm-title').textContent()).toBe('Pause 3 runs?');
        expect(await view.locator('#confirm-text').textContent()).toContain('tags shard=db-3');
        await view.fill('#confirm-reason', 'db-3 failover');
        if (SCREENSHOTS && b.name === 'redis') await shot(view, 'console-bulk.png');
        await view.click('#confirm-go');
        await expect.poll(() => dialog.isVisible(), { timeout: WAIT_MS }).toBe(false);
        for (const id of db3) {
          const row = view.locator(`tr[data-job="${id}"]`);
          await expect
            .poll(() => row.getAttribute('data-status'), { timeout: WAIT_MS })
            .toBe('paused');
          expect((await getRun(queue, id)).audit.at(-1)).toMatchObject({
            action: 'pause',
            actor: ACTOR,
            via: 'console',
            reason: 'db-3 failover',
          });
        }
        expect((await getRun(queue, db4.id!)).status).toBe('running');

        // ---- The runs table at 1280 px: everything fits, errors show their specific part ----
        await view.goto(`${dashboard.url}/`);
        const wrap = view.locator('.table-wrap').first();
        const [scroll, client] = await wrap.evaluate((el) => [el.scrollWidth, el.clientWidth]);
        expect(scroll).toBeLessThanOrEqual(client);
        const cancel = view.locator(`tr[data-job="${db4.id!}"] button[data-action=cancel]`);
        const box = (await cancel.boundingBox())!;
        expect(box.x + box.width).toBeLessThanOrEqual(1280);
        const errorCell = view.locator(`tr[data-job="${failed.id!}"] .error-cell span`);
        expect(await errorCell.textContent()).toMatch(
          /^Could not reach the carrier API for shipment-2/,
        );
        expect(await errorCell.getAttribute('title')).toContain('The enumerator of iteration job');
        if (SCREENSHOTS && b.name === 'redis') {
          await view.setViewportSize({ width: 1280, height: 860 });
          await shot(view, 'console-runs.png');
        }

        // ---- Retry a failed run from its page ----
        healed.value = true;
        await view.goto(`${dashboard.url}/runs/${failed.id!}`);
        await view.click('button[data-action=retry]');
        await expect.poll(() => dialog.isVisible()).toBe(true);
        await view.fill('#confirm-reason', 'carrier is back');
        await view.click('#confirm-go');
        await expect.poll(() => dialog.isVisible(), { timeout: WAIT_MS }).toBe(false);
        expect(
          (await waitForRun(queue, failed.id!, { timeoutMs: WAIT_MS })).summary?.processed,
        ).toBe(3);
        await expect
          .poll(() => view.locator('#audit tr[data-action=retry]').count(), { timeout: WAIT_MS })
          .toBe(1);

        // ---- Replay the items a run skipped ----
        await view.goto(`${dashboard.url}/runs/${skipped.id!}`);
        await view.click('button[data-action=replay]');
        await expect.poll(() => dialog.isVisible()).toBe(true);
        await view.click('#confirm-go');
        const toast = view.locator('#toast');
        await expect
          .poll(() => toast.textContent(), { timeout: WAIT_MS })
          .toMatch(/continues as run #/);
        const replay = /run #(\S+)\.$/.exec((await toast.textContent())!)![1]!;
        const replayed = await waitForRun(queue, replay, { timeoutMs: WAIT_MS });
        expect(replayed.run.skipped).toBe(0);
        const audit = (await getRun(queue, skipped.id!)).audit;
        expect(audit.at(-1)).toMatchObject({ action: 'replay', actor: ACTOR, via: 'console' });
        await expect
          .poll(() => view.locator('#audit tr[data-action=replay]').count(), { timeout: WAIT_MS })
          .toBe(1);
        if (SCREENSHOTS && b.name === 'redis') await shot(view, 'console-audit.png', true);

        // No script ran from the data, the CSP blocked nothing, the page links the favicon and the
        // server serves it (Chromium fetches tab icons lazily, so the request is made here), and
        // the only refusal was the one the schema made.
        expect(await view.locator('img').count()).toBe(0);
        expect(problems).toEqual([]);
        expect(refusals).toEqual([
          expect.stringMatching(/^422 .*\/api\/jobs\/notify-users\/runs$/),
        ]);
        const icon = await view.locator('link[rel=icon]').getAttribute('href');
        expect(icon).toMatch(/\/assets\/favicon\.svg$/);
        const served = await view.request.get(new URL(icon!, dashboard.url).href);
        expect(served.status()).toBe(200);
        expect(served.headers()['content-type']).toMatch(/^image\/svg\+xml/);
        expect(await served.text()).toMatch(/^<svg/);
        expect(assets).toContain('dashboard.css');
        passed = true;
      } catch (error) {
        await rethrowWithScreenshot(page, dir, error);
      } finally {
        await browser?.close();
        await worker.close();
        if (passed) await rm(dir, { recursive: true, force: true });
      }
    });
  },
);

/** Collects alerts, CSP violations and console errors, refused requests, and assets loaded. */
function watch(view: Page, problems: string[], refusals: string[], assets: string[]): void {
  view.on('dialog', (dialog) => {
    problems.push(`alert: ${dialog.message()}`);
    void dialog.dismiss();
  });
  view.on('console', (message) => {
    const text = message.text();
    // The schema's refusal is logged by Chromium as a failed resource; it is checked below.
    if (/Content Security Policy/i.test(text)) problems.push(text);
  });
  view.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400) refusals.push(`${response.status()} ${url.pathname}`);
    if (url.pathname.startsWith('/assets/')) assets.push(url.pathname.slice('/assets/'.length));
  });
}

async function shot(view: Page, name: string, fullPage = false): Promise<void> {
  await mkdir(SCREENSHOTS!, { recursive: true });
  await view.screenshot({ path: join(SCREENSHOTS!, name), fullPage });
}
