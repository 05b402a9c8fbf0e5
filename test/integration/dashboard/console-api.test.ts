// The console's new requests over HTTP on Redis and PostgreSQL: every state-changing endpoint
// (new run, upload, retry, restart, replay, bulk) refuses a request without the token, with a
// wrong one, without the CSRF token, of another content type, from another origin, and in
// read-only mode; uploads are bounded, checked and named by the console; params are checked by
// the job's schema with its issues in the answer; several queues in one console; pages of runs.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

import { UploadStore } from '../../../src/dashboard/uploads/store.js';
import {
  array,
  createDashboardHandler,
  csv,
  defineIterationJob,
  getRun,
  type IterationRunInfo,
  waitForRun,
} from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { BREAKOUT, csrfOf, getJson, SCRIPT, serve, TOKEN } from './support.js';

const matrix = backends.filter((b) => b.name !== 'pglite');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'console-uploads-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const notify = defineIterationJob({
  name: 'notify-users',
  params: z.object({ segment: z.enum(['trial', 'paid']), replyTo: z.string().email() }),
  buildEnumerator: ({ params, cursor }) => array([params.segment], { cursor }),
  eachIteration: () => {},
});

const imported: Record<string, string>[] = [];
const importer = defineIterationJob({
  name: 'import-contacts',
  params: z.object({ path: z.string(), list: z.string() }),
  csvUpload: { param: 'path', requiredColumns: ['email'], maxBytes: 2_000 },
  buildEnumerator: ({ params, cursor }) => csv({ path: params.path, cursor }),
  eachIteration: (row) => void imported.push(row as Record<string, string>),
});

const jobs = [notify, importer];

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: string; run?: IterationRunInfo };
}

/** A POST as the page sends it, with every piece of the guard unless told otherwise. */
async function send(
  url: string,
  body: string | Buffer,
  options: {
    token?: string | null;
    csrf?: string | null;
    type?: string;
    headers?: Record<string, string>;
  },
): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': options.type ?? 'application/json' };
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, ...options.headers },
    body,
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

describe.each(matrix)('console API on $name', (b) => {
  async function console_(readOnly = false) {
    const queueName = uniqueQueueName('console-api');
    const queue = b.queue(queueName);
    const server = await serve(
      createDashboardHandler({
        queue,
        jobs,
        ...(readOnly ? { readOnly } : { token: TOKEN, uploads: { dir, maxBytes: 4_000 } }),
      }),
    );
    const page = await (await fetch(`${server.url}/jobs/notify-users`)).text();
    return { queue, queueName, url: server.url, csrf: readOnly ? 'none' : csrfOf(page) };
  }

  it('guards every new state-changing request: token, CSRF, content type, origin, read-only', async () => {
    const c = await console_();
    const failed = await c.queue.add('notify-users', {}, { attempts: 1 });
    const targets: [string, string, string][] = [
      [`${c.url}/api/jobs/notify-users/runs`, JSON.stringify({ params: {} }), 'application/json'],
      [`${c.url}/api/uploads?job=import-contacts`, 'email\na@example.com\n', 'text/csv'],
      ...(['retry', 'restart', 'replay'] as const).map((action): [string, string, string] => [
        `${c.url}/api/runs/${failed.id!}/${action}`,
        '{}',
        'application/json',
      ]),
      [
        `${c.url}/api/bulk/pause`,
        JSON.stringify({ filter: { name: 'notify-users' } }),
        'application/json',
      ],
    ];
    for (const [url, body, type] of targets) {
      expect((await send(url, body, { token: null, csrf: c.csrf, type })).status, url).toBe(401);
      expect(
        (await send(url, body, { token: 'not-the-token-at-all', csrf: c.csrf, type })).status,
      ).toBe(401);
      expect((await send(url, body, { csrf: null, type })).status, url).toBe(403);
      expect((await send(url, body, { csrf: c.csrf, type: 'text/plain' })).status, url).toBe(403);
      const crossSite = { csrf: c.csrf, type, headers: { origin: 'https://evil.example' } };
      expect((await send(url, body, crossSite)).status, url).toBe(403);
    }
    // Nothing got through: no run added, no file kept.
    expect(await c.queue.getJobCounts('waiting')).toEqual({ waiting: 1 });
    expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual([]);

    const readOnly = await console_(true);
    for (const path of [
      '/api/jobs/notify-users/runs',
      `/api/runs/${failed.id!}/retry`,
      '/api/bulk/pause',
    ]) {
      const answer = await send(`${readOnly.url}${path}`, '{}', { csrf: readOnly.csrf });
      expect(answer.status, path).toBe(403);
      expect(answer.body.error).toMatch(/read-only/);
    }
    // The read-only job page has no form.
    expect(await (await fetch(`${readOnly.url}/jobs/notify-users`)).text()).not.toContain(
      'id="new-run"',
    );
  });

  it('starts a run from params the schema accepts, and answers its issues by path otherwise', async () => {
    const c = await console_();
    const url = `${c.url}/api/jobs/notify-users/runs`;
    const refused = await send(
      url,
      JSON.stringify({ params: { segment: 'gold', replyTo: 'nope' } }),
      { csrf: c.csrf },
    );
    expect(refused.status).toBe(422);
    expect((refused.body.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
      'replyTo',
      'segment',
    ]);
    expect(await c.queue.count()).toBe(0);
    const started = await send(
      url,
      JSON.stringify({
        params: { segment: 'paid', replyTo: 'ops@example.com' },
        tags: 'shard=db-3',
        reason: `backfill ${SCRIPT}`,
      }),
      { csrf: c.csrf },
    );
    expect(started.status).toBe(201);
    const run = await getRun(c.queue, started.body.run!.jobId);
    expect(run.tags).toEqual({ shard: 'db-3' });
    expect(run.audit).toEqual([
      expect.objectContaining({
        action: 'start',
        via: 'console',
        actor: 'access token holder (127.0.0.1)',
        reason: `backfill ${SCRIPT}`,
      }),
    ]);
    // A reason, an actor and tags are shown escaped on the run's page.
    const page = await (await fetch(`${c.url}/runs/${run.jobId}`)).text();
    expect(page).toContain('backfill &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain(SCRIPT);
  });

  it('bounds and checks uploads, names them itself, keeps them for their run', async () => {
    const c = await console_();
    const upload = (body: string | Buffer, headers: Record<string, string> = {}) =>
      send(`${c.url}/api/uploads?job=import-contacts`, body, {
        csrf: c.csrf,
        type: 'text/csv',
        headers,
      });
    const refusals: [string | Buffer, number, RegExp][] = [
      [`email\n${'x'.repeat(2_100)}\n`, 413, /larger than/],
      [Buffer.from('email\na@example.com\u0000\n'), 422, /NUL bytes/],
      [Buffer.from([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0xff, 0xfe, 0x0a]), 422, /not UTF-8/],
      ['email,name\na@example.com\n', 422, /not valid CSV at line 2/],
      ['name\nAda\n', 422, /lacks the required column "email"/],
      ['email\n', 422, /no records/],
      ['', 422, /empty/],
    ];
    for (const [body, status, message] of refusals) {
      const answer = await upload(body);
      expect(answer.status, String(message)).toBe(status);
      expect(answer.body.error).toMatch(message);
    }
    expect(await readdir(dir)).toEqual([]);

    // The client's name is shown, never used as a path.
    const good = await upload('email,name\nada@example.com,Ada\ngrace@example.com,Grace\n', {
      'x-upload-name': encodeURIComponent(`../../etc/${BREAKOUT}.csv`),
    });
    expect(good.status).toBe(201);
    const record = good.body.upload as {
      id: string;
      name: string;
      rows: number;
      columns: string[];
    };
    expect(record).toMatchObject({ rows: 2, columns: ['email', 'name'] });
    expect(record.id).toMatch(/^[0-9a-f]{32}$/);
    expect(record.name).toBe(`${BREAKOUT}.csv`);
    expect((await readdir(dir)).sort()).toEqual([`${record.id}.csv`, `${record.id}.json`]);

    // An id is 32 hex digits: no path gets through it.
    const start = (id: string, job = 'import-contacts') =>
      send(
        `${c.url}/api/jobs/${job}/runs`,
        JSON.stringify({ params: { list: 'vip' }, upload: id }),
        { csrf: c.csrf },
      );
    expect((await start('../../etc/passwd')).status).toBe(400);
    expect((await start('0'.repeat(32))).status).toBe(404);

    const worker = iterationWorker(b, c.queueName, jobs);
    try {
      const started = await start(record.id);
      expect(started.status).toBe(201);
      const done = await waitForRun(c.queue, started.body.run!.jobId, { timeoutMs: 30_000 });
      expect(done.summary?.processed).toBe(2);
      expect(imported.slice(-2).map((row) => row.email)).toEqual([
        'ada@example.com',
        'grace@example.com',
      ]);
      // Used once: a second run needs a new upload.
      expect((await start(record.id)).status).toBe(409);
      // Kept until the run ends; the sweep then removes it.
      const path = join(dir, `${record.id}.csv`);
      expect(existsSync(path)).toBe(true);
      const sidecar = JSON.parse(await readFile(join(dir, `${record.id}.json`), 'utf8'));
      expect(sidecar.run).toEqual({ queue: c.queueName, id: started.body.run!.jobId });
      await new UploadStore(dir, 1).sweep(async (run) => {
        const job = await c.queue.getJob(run.id);
        return !job || (await job.getState()) === 'completed';
      });
      expect(existsSync(path)).toBe(false);
    } finally {
      await worker.close();
    }
  });

  it('shows several queues in one console, filters by queue and pages on the server', async () => {
    const a = b.queue(uniqueQueueName('console-a'));
    const other = b.queue(uniqueQueueName('console-b'));
    for (let i = 0; i < 55; i++) await notify.enqueue(a, { segment: 'trial', replyTo: 'a@b.co' });
    await notify.enqueue(other, { segment: 'paid', replyTo: 'a@b.co' }, { jobId: 'only-in-b' });
    const server = await serve(createDashboardHandler({ queues: [a, other], jobs, token: TOKEN }));
    const first = await getJson<{
      total: number;
      pages: number;
      runs: IterationRunInfo[];
      queues: string[];
    }>(`${server.url}/api/runs`);
    expect(first).toMatchObject({ total: 56, pages: 2, queues: [a.name, other.name] });
    expect(first.runs).toHaveLength(50);
    const second = await getJson<{ runs: IterationRunInfo[] }>(`${server.url}/api/runs?page=2`);
    expect(second.runs).toHaveLength(6);
    const onlyB = await getJson<{ total: number; runs: IterationRunInfo[] }>(
      `${server.url}/api/runs?queue=${other.name}`,
    );
    expect(onlyB.runs.map((run) => [run.queueName, run.jobId])).toEqual([
      [other.name, 'only-in-b'],
    ]);
    const runPage = await fetch(`${server.url}/runs/only-in-b?queue=${other.name}`);
    expect(runPage.status).toBe(200);
    expect((await fetch(`${server.url}/runs/only-in-b?queue=nope`)).status).toBe(404);
    // A new run goes to the queue the form names.
    const csrf = csrfOf(await (await fetch(`${server.url}/`)).text());
    const started = await send(
      `${server.url}/api/jobs/notify-users/runs`,
      JSON.stringify({ params: { segment: 'paid', replyTo: 'x@y.co' }, queue: other.name }),
      { csrf },
    );
    expect(started.body.run!.queueName).toBe(other.name);
  });
});
