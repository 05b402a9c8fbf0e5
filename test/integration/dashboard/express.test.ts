// The handler mounted in an Express app below a path, behind the application's own authorization
// hook: links point below the mount path, paths that are not the dashboard's fall through to the
// app, and the hook (not a token) decides who may pause.
import type { AddressInfo } from 'node:net';

import express from 'express';
import { describe, expect, it } from 'vitest';

import { createDashboardHandler } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { counter } from '../../support/jobs.js';
import { track } from '../../support/lifecycle.js';
import { uniqueQueueName } from '../../support/names.js';
import { csrfOf, post } from './support.js';

describe.each(backends)('dashboard mounted in Express on $name', (b) => {
  it('serves below its mount path and lets the authorize hook decide', async () => {
    const queue = b.queue(uniqueQueueName('dashboard-express'));
    const c = counter({ total: 10 });
    const job = await c.job.enqueue(queue, {}, { delay: 600_000 });
    const app = express();
    // An app-wide body parser reads the body before the dashboard does.
    app.use(express.json());
    app.use(
      '/ops/iterations',
      createDashboardHandler({
        queue,
        jobs: [c.job],
        // As an application would check its session; here a header stands for it.
        authorize: (req, access) => access === 'read' || req.headers['x-role'] === 'admin',
      }),
    );
    app.use((_req, res) => void res.status(404).send('the app’s own 404'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    track({ close: () => new Promise((resolve) => server.close(resolve)) }, { name: 'express' });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ops/iterations`;

    const page = await (await fetch(`${base}/`)).text();
    expect(page).toContain(`href="/ops/iterations/runs/${job.id}"`);
    expect(page).toContain('src="/ops/iterations/assets/dashboard.js"');
    // Behind a hook the dialog asks for no token.
    expect(page).not.toContain('id="token-field"');
    expect((await fetch(`${base}/assets/dashboard.css`)).headers.get('content-type')).toMatch(
      /^text\/css/,
    );
    const elsewhere = await fetch(`${base}/not-a-dashboard-page`);
    expect(await elsewhere.text()).toBe('the app’s own 404');

    const pause = `${base}/api/runs/${job.id}/pause`;
    const csrf = csrfOf(page);
    expect((await post(pause, { csrf })).status).toBe(403);
    expect((await post(pause, { headers: { 'x-role': 'admin' } })).status).toBe(403); // no CSRF
    const allowed = await post(pause, {
      csrf,
      headers: { 'x-role': 'admin' },
      body: { reason: 'read by express.json()' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.run).toMatchObject({
      status: 'paused',
      control: { action: 'pause', reason: 'read by express.json()' },
    });
  });
});
