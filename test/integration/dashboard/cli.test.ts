// `bullmq-iteration dashboard` as a user runs it, on each backend: it listens on loopback, prints
// the link with a generated token once (or none when the token comes from the environment),
// renders no connection secret, serves the Jobs page of its module, obeys control requests with
// the token, refuses them in read-only mode, and stops on Ctrl-C.
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { listenDashboard } from '../../../src/dashboard/server.js';
import { postgresUrl, redisUrl } from '../../support/servers.js';
import { cli, JOBS, killAllCli, startCli, tempDir } from '../cli/support.js';
import { csrfOf, post, TOKEN } from './support.js';

afterEach(() => killAllCli());

const LINK = /Open (http:\/\/127\.0\.0\.1:\d+)\/(?:#token=(\S+))?/;

describe('bullmq-iteration dashboard', () => {
  it('on PostgreSQL: prints a generated token once, renders no password, controls runs', async () => {
    // The test server trusts every login: the password is only there to be kept secret.
    const url = new URL(postgresUrl());
    url.username = 'postgres';
    url.password = 's3cret-pw';
    const env = { BULLMQ_ITERATION_DATABASE_URL: url.href };
    const queue = ['--queue', `dashboard-cli-${Date.now().toString(36)}`];
    const enqueued = await cli(['enqueue', 'count-to', '-m', JOBS, '-p', '{"total":3}', ...queue], {
      env,
    });
    expect(enqueued.code).toBe(0);
    const id = enqueued.stdout.trim().split(/\s+/).at(-1)!;

    const dashboard = startCli(['dashboard', '--port', '0', '-m', JOBS, ...queue], { env });
    await dashboard.waitFor(LINK);
    const [, base, token] = LINK.exec(dashboard.stdout())!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(dashboard.stdout().split(token!).length - 1).toBe(1);

    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain(`data-job="${id}"`);
    expect(page).toContain('PostgreSQL');
    const jobs = await (await fetch(`${base}/jobs`)).text();
    expect(jobs).toContain('count-to');
    expect(jobs).toContain('always-fails');
    for (const text of [page, jobs, dashboard.stdout(), dashboard.stderr()]) {
      expect(text).not.toContain('s3cret-pw');
    }
    const pause = `${base}/api/runs/${id}/pause`;
    expect((await post(pause, { csrf: csrfOf(page) })).status).toBe(401);
    const paused = await post(pause, { token: token!, csrf: csrfOf(page) });
    expect(paused).toMatchObject({
      status: 200,
      body: { run: { jobId: id, control: { action: 'pause' } } },
    });

    dashboard.child.kill('SIGINT');
    const exited = await dashboard.exited;
    expect(exited.code).toBe(0);
    // Nothing printed the token again, on the way out either.
    expect(exited.stdout.split(token!).length - 1).toBe(1);
    expect(exited.stderr).not.toContain(token!);
  });

  it('on Redis: read-only shows no controls and answers control requests with 403', async () => {
    const queue = ['--queue', `dashboard-ro-${Date.now().toString(36)}`];
    const env = { BULLMQ_ITERATION_REDIS_URL: redisUrl() };
    const dashboard = startCli(['dashboard', '--port', '0', '--read-only', ...queue], { env });
    await dashboard.waitFor(LINK);
    expect(dashboard.stdout()).toContain('(read-only: no controls)');
    const [, base, token] = LINK.exec(dashboard.stdout())!;
    expect(token).toBeUndefined();
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain('read-only');
    expect(page.replace(/\s+/g, ' ')).toContain('No iteration runs in this queue yet.');
    const answer = await post(`${base}/api/runs/1/cancel`, { token: TOKEN, csrf: csrfOf(page) });
    expect(answer.status).toBe(403);
    dashboard.child.kill('SIGTERM');
    expect((await dashboard.exited).code).toBe(0);
  });

  it('says which port is taken and how to pick another', async () => {
    const taken = await listenDashboard(() => {}, { port: 0 });
    try {
      const result = await cli(['dashboard', '--port', String(taken.port)], {
        env: { BULLMQ_ITERATION_REDIS_URL: redisUrl() },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `Port ${taken.port} on 127.0.0.1 is in use by another program. Pick another with --port (0 for any free one).`,
      );
    } finally {
      await taken.close();
    }
  });

  it('on the embedded database: takes the token from the environment and never prints it', async () => {
    const cwd = tempDir('dashboard');
    // An app's REDIS_URL is exported, as in a new user's shell: the dashboard says it ignored it.
    const env = { BULLMQ_ITERATION_DASHBOARD_TOKEN: TOKEN, REDIS_URL: 'redis://127.0.0.1:1' };
    const enqueued = await cli(['enqueue', 'count-to', '-m', JOBS, '-p', '{"total":3}'], { cwd });
    expect(enqueued.code).toBe(0);
    const id = enqueued.stdout.trim().split(/\s+/).at(-1)!;
    const dashboard = startCli(['dashboard', '--port', '0', '-m', JOBS], { cwd, env });
    await dashboard.waitFor(LINK);
    expect(dashboard.stdout()).toContain('(access token from $BULLMQ_ITERATION_DASHBOARD_TOKEN)');
    expect(dashboard.stdout()).toContain(
      `on embedded database in ${join(cwd, '.bullmq-iteration')}`,
    );
    expect(dashboard.stdout()).toContain(
      'REDIS_URL ignored unless BULLMQ_ITERATION_USE_GENERIC_URLS=1',
    );
    expect(dashboard.stderr()).toMatch(/note: \$REDIS_URL is set but not read/);
    const [, base] = LINK.exec(dashboard.stdout())!;
    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain(`data-job="${id}"`);
    const cancelled = await post(`${base}/api/runs/${id}/cancel`, {
      token: TOKEN,
      csrf: csrfOf(page),
      body: { reason: 'from the dashboard' },
    });
    expect(cancelled).toMatchObject({
      status: 200,
      body: { run: { control: { reason: 'from the dashboard' } } },
    });
    dashboard.child.kill('SIGINT');
    const exited = await dashboard.exited;
    expect(exited.code).toBe(0);
    expect(exited.stdout + exited.stderr).not.toContain(TOKEN);
  });
});
