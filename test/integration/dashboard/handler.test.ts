// The dashboard's request handler on every backend: its pages and JSON API show the runs of a
// queue, hostile job data renders inert, and pause, resume and cancel go through the control API
// only with the access token, a valid CSRF token and from the same origin.
import { get } from 'node:http';

import { describe, expect, it } from 'vitest';

import { createDashboardHandler } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker, nextEvent } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import {
  BREAKOUT,
  csrfOf,
  END_JSON,
  getJson,
  post,
  runUntil,
  SCRIPT,
  serve,
  TOKEN,
} from './support.js';

const fast = { controlPollIntervalMs: 100, progressIntervalMs: 200 };
const HOSTILE_ID = `hostile-${BREAKOUT}`;

describe.each(backends)('dashboard handler on $name', (b) => {
  it('shows the runs and controls them through the JSON API with the token and CSRF token', async () => {
    const queueName = uniqueQueueName('dashboard');
    const queue = b.queue(queueName);
    const c = counter({ total: 5_000, stepMs: 4, size: 5_000 });
    // Hostile data in a run that waits (delayed): the pages must show it, inert.
    await queue.add(
      c.job.name,
      { note: SCRIPT, [BREAKOUT]: END_JSON },
      { jobId: HOSTILE_ID, delay: 600_000 },
    );
    const dashboard = await serve(
      createDashboardHandler({ queue: b.queue(queueName), jobs: [c.job], token: TOKEN }),
    );
    const worker = iterationWorker(b, queueName, [c.job], fast);
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {});
      const id = job.id!;
      await started;
      await runUntil(dashboard.url, id, (r) => r.processed > 0, 'the run to make progress');

      const response = await fetch(`${dashboard.url}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      const page = await response.text();
      expect(page).toContain(`data-job="${id}"`);
      // The hostile run is listed (by its module's job name) with its id escaped.
      expect(page).toContain('hostile-&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
      expect(page).not.toContain('<img');
      const hostilePage = await (
        await fetch(`${dashboard.url}/runs/${encodeURIComponent(HOSTILE_ID)}`)
      ).text();
      expect(hostilePage).toContain('&lt;/script&gt;&lt;script&gt;alert(3)&lt;/script&gt;');
      expect(hostilePage).toContain('&quot;note&quot;: &quot;&lt;script&gt;alert(1)');
      expect(hostilePage).not.toContain('<img');
      expect(hostilePage.match(/<script/g)).toHaveLength(2); // the settings block and the script
      const csrf = csrfOf(page);

      const pause = `${dashboard.url}/api/runs/${id}/pause`;
      expect((await post(pause, { csrf })).status).toBe(401);
      expect((await post(pause, { csrf, token: 'not-the-token-at-all' })).status).toBe(401);
      expect((await post(pause, { token: TOKEN })).status).toBe(403);
      const crossOrigin = { token: TOKEN, csrf, headers: { origin: 'https://evil.example' } };
      expect((await post(pause, crossOrigin)).status).toBe(403);
      expect(
        (await getJson<{ run: { status: string } }>(`${dashboard.url}/api/runs/${id}`)).run.status,
      ).toBe('running');

      const paused = await post(pause, { token: TOKEN, csrf, body: { reason: 'db maintenance' } });
      expect(paused.status).toBe(200);
      expect(['pausing', 'paused']).toContain(paused.body.run!.status);
      expect(paused.body.run!.control).toMatchObject({ action: 'pause', reason: 'db maintenance' });
      const parked = await runUntil(dashboard.url, id, (r) => r.status === 'paused', 'paused');
      expect(parked.processed).toBeGreaterThan(0);

      const resumed = await post(`${dashboard.url}/api/runs/${id}/resume`, { token: TOKEN, csrf });
      expect(resumed.status).toBe(200);
      await runUntil(dashboard.url, id, (r) => r.status === 'running', 'running again');

      const cancel = `${dashboard.url}/api/runs/${id}/cancel`;
      const cancelled = await post(cancel, {
        token: TOKEN,
        csrf,
        body: { reason: 'wrong segment' },
      });
      expect(cancelled.status).toBe(200);
      await runUntil(dashboard.url, id, (r) => r.status === 'cancelled', 'cancelled');
      // Refusals of the control API itself.
      const again = await post(`${dashboard.url}/api/runs/${id}/resume`, { token: TOKEN, csrf });
      expect(again).toMatchObject({ status: 409, body: { error: /already been cancelled/ } });
      const missing = await post(`${dashboard.url}/api/runs/no-such-job/pause`, {
        token: TOKEN,
        csrf,
      });
      expect(missing).toMatchObject({
        status: 404,
        body: { error: /No job with id "no-such-job"/ },
      });
      expect((await fetch(pause)).status).toBe(405);

      // Filters, and the run's own JSON with the samples the dashboard kept.
      const byStatus = await getJson<{ runs: { jobId: string }[] }>(
        `${dashboard.url}/api/runs?status=cancelled`,
      );
      expect(byStatus.runs.map((r) => r.jobId)).toEqual([id]);
      const byName = await getJson<{ runs: unknown[] }>(`${dashboard.url}/api/runs?name=other`);
      expect(byName.runs).toEqual([]);
      // The page's filters and the fragment its script refreshes filter alike.
      const filtered = await (
        await fetch(`${dashboard.url}/fragments/runs?status=cancelled`)
      ).text();
      expect(filtered).toContain(`data-job="${id}"`);
      expect(filtered).not.toContain('data-job="hostile-');
      const none = await (await fetch(`${dashboard.url}/?name=other`)).text();
      expect(none.replace(/\s+/g, ' ')).toContain('No iteration runs match these filters.');
      expect(none).toMatch(/<option value="other"\s+selected>/);
      const detail = await getJson<{ samples: unknown[]; changes: { status: string }[] }>(
        `${dashboard.url}/api/runs/${id}`,
      );
      expect(detail.samples.length).toBeGreaterThan(1);
      expect(detail.changes.map((change) => change.status)).toEqual(
        expect.arrayContaining(['running', 'paused', 'cancelled']),
      );
    } finally {
      await worker.close();
    }
  });

  it('in read-only mode shows no controls and answers control requests with 403', async () => {
    const queueName = uniqueQueueName('dashboard-ro');
    const queue = b.queue(queueName);
    const c = counter({ total: 10 });
    const job = await c.job.enqueue(queue, {}, { delay: 600_000 });
    const dashboard = await serve(
      createDashboardHandler({ queue, jobs: [c.job], readOnly: true, token: TOKEN }),
    );
    const page = await (await fetch(`${dashboard.url}/`)).text();
    expect(page).toContain(`data-job="${job.id}"`);
    expect(page).not.toContain('data-action');
    expect(page).not.toContain('<dialog');
    const answer = await post(`${dashboard.url}/api/runs/${job.id}/cancel`, {
      token: TOKEN,
      csrf: csrfOf(page),
    });
    expect(answer).toMatchObject({ status: 403, body: { error: /read-only/ } });
    expect(await job.getState()).toBe('delayed');

    // In a plain node:http server that hands it every request, below `basePath`.
    const below = await serve(
      createDashboardHandler({ queue, jobs: [c.job], readOnly: true, basePath: '/ops/runs' }),
    );
    const mounted = await (await fetch(`${below.url}/ops/runs/`)).text();
    expect(mounted).toContain(`href="/ops/runs/runs/${job.id}"`);
    expect(mounted).toContain('action="/ops/runs/"');
    expect((await fetch(`${below.url}/`)).status).toBe(404);
    expect((await fetch(`${below.url}/ops/runsx`)).status).toBe(404);

    // On loopback, a request for another host name (DNS rebinding) is not answered.
    const port = new URL(below.url).port;
    expect(await statusFor(below.url, `evil.example:${port}`)).toBe(421);
    expect(await statusFor(below.url, `localhost:${port}`)).toBe(200);
    expect(await statusFor(below.url, `127.0.0.1:${Number(port) + 1}`)).toBe(421);
  });

  it("shows a run's skipped items on its page", async () => {
    const queueName = uniqueQueueName('dashboard-skipped');
    const queue = b.queue(queueName);
    const c = counter({
      total: 12,
      onItem: (item) => {
        if (item === 7) throw new RangeError(`row ${item} is broken ${SCRIPT}`);
      },
      itemErrors: { retries: 0, action: 'skip' },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      const dashboard = await serve(createDashboardHandler({ queue, jobs: [c.job], token: TOKEN }));
      const page = await (await fetch(`${dashboard.url}/runs/${job.id}`)).text();
      expect(page).toContain('id="skipped"');
      expect(page).toContain('RangeError: row 7 is broken');
      expect(page).not.toContain('<script>alert');
    } finally {
      await worker.close();
    }
  });
});

/** The status of GET <url>/ops/runs/ sent with `host` as its Host header (fetch cannot set it). */
function statusFor(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const request = get(`${url}/ops/runs/`, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
  });
}
