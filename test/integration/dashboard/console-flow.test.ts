// Flow control from the console over HTTP on Redis and PostgreSQL: a run's rate limit set and
// removed (with its audit entry, shown on its page), holds made, listed and released (the covered
// runs park as held, their pages and the holds page show the hold escaped); every one of these
// requests refused without the token, with a wrong one, without the CSRF token, of another content
// type, from another origin, and in read-only mode.
import { describe, expect, it } from 'vitest';

import {
  type BuildEnumeratorArgs,
  createDashboardHandler,
  defineIterationJob,
  getRun,
  listHolds,
  range,
  waitForRun,
} from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { eventually, iterationWorker, sleep } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import type { PostOptions } from './support.js';
import { BREAKOUT, csrfOf, getJson, post, SCRIPT, serve, TOKEN } from './support.js';

const matrix = backends.filter((b) => b.name !== 'pglite');
const fast = { controlPollIntervalMs: 100, progressIntervalMs: 100 };

const moves = defineIterationJob({
  name: 'move-rows',
  buildEnumerator: ({ cursor }: BuildEnumeratorArgs<Record<string, unknown>, number>) =>
    range({ to: 20, cursor }),
  eachIteration: () => sleep(10),
});

type Answer = Awaited<ReturnType<typeof post>> & {
  body: Record<string, unknown>;
};

/** A POST as the page sends it: with the access token unless `token` is null. */
async function send(
  url: string,
  body: unknown,
  { token = TOKEN, ...options }: Omit<PostOptions, 'token'> & { token?: string | null },
): Promise<Answer> {
  return (await post(url, { ...options, ...(token === null ? {} : { token }), body })) as Answer;
}

describe.each(matrix)('console flow control on $name', (b) => {
  async function console_(readOnly = false) {
    const queueName = uniqueQueueName('console-flow');
    const queue = b.queue(queueName);
    const server = await serve(
      createDashboardHandler({
        queue,
        jobs: [moves],
        ...(readOnly ? { readOnly } : { token: TOKEN }),
      }),
    );
    const page = await (await fetch(`${server.url}/holds`)).text();
    return { queue, queueName, url: server.url, csrf: csrfOf(page), page };
  }

  it('guards setting a rate, making and releasing a hold: token, CSRF, type, origin, read-only', async () => {
    const c = await console_();
    const run = await moves.enqueue(c.queue, {}, { tags: { shard: 'db-3' } });
    const made = await send(
      `${c.url}/api/holds`,
      { tags: 'shard=db-9', reason: 'kept' },
      { csrf: c.csrf },
    );
    expect(made.status).toBe(201);
    const holdId = (made.body.hold as { id: string }).id;
    const targets: [string, unknown][] = [
      [`${c.url}/api/runs/${run.id!}/rate`, { itemsPerSecond: 5 }],
      [`${c.url}/api/holds`, { tags: 'shard=db-3', reason: 'move' }],
      [`${c.url}/api/holds/${holdId}/release`, {}],
    ];
    for (const [url, body] of targets) {
      expect((await send(url, body, { token: null, csrf: c.csrf })).status, url).toBe(401);
      expect((await send(url, body, { token: 'not-the-token-at-all', csrf: c.csrf })).status).toBe(
        401,
      );
      expect((await send(url, body, {})).status, url).toBe(403);
      expect(
        (await send(url, body, { csrf: c.csrf, headers: { 'content-type': 'text/plain' } })).status,
        url,
      ).toBe(403);
      const crossSite = { csrf: c.csrf, headers: { origin: 'https://evil.example' } };
      expect((await send(url, body, crossSite)).status, url).toBe(403);
    }
    // Nothing got through: no rate, the one hold still there and no other.
    expect((await getRun(c.queue, run.id!)).rate).toBeUndefined();
    expect((await listHolds(c.queue)).map((h) => h.id)).toEqual([holdId]);
    // GET on the action paths is not an action.
    expect((await fetch(`${c.url}/api/runs/${run.id!}/rate`)).status).toBe(405);

    const readOnly = await console_(true);
    await moves.enqueue(readOnly.queue, {}, { jobId: 'r1', tags: { shard: 'db-3' } });
    for (const [path, body] of [
      ['/api/runs/r1/rate', { itemsPerSecond: 5 }],
      ['/api/holds', { tags: 'shard=db-3', reason: 'move' }],
      ['/api/holds/hold-x/release', {}],
    ] as const) {
      const answer = await send(`${readOnly.url}${path}`, body, { csrf: readOnly.csrf });
      expect(answer.status, path).toBe(403);
      expect(answer.body.error).toMatch(/read-only/);
    }
    expect(await listHolds(readOnly.queue)).toEqual([]);
    // The read-only pages have no form and no buttons.
    expect(readOnly.page).not.toContain('id="hold-form"');
    expect(await (await fetch(`${readOnly.url}/runs/r1`)).text()).not.toContain('data-rate=');
  });

  it("sets and removes a run's rate limit, with an audit entry, shown on its pages", async () => {
    const c = await console_();
    const job = await moves.enqueue(c.queue, {}, { rate: { itemsPerSecond: 50 } });
    const url = `${c.url}/api/runs/${job.id!}/rate`;
    expect((await getRun(c.queue, job.id!)).rate).toEqual({
      itemsPerSecond: 50,
      source: 'enqueue',
    });
    for (const bad of [0, -1, 'fast', {}, undefined]) {
      const answer = await send(url, { itemsPerSecond: bad }, { csrf: c.csrf });
      expect(answer.status, String(bad)).toBe(400);
      expect(answer.body.error).toMatch(/itemsPerSecond/);
    }
    const set = await send(
      url,
      { itemsPerSecond: 12.5, reason: `db load ${SCRIPT}` },
      { csrf: c.csrf },
    );
    expect(set.status).toBe(200);
    expect(set.body.run!.rate).toEqual({ itemsPerSecond: 12.5, source: 'set' });
    const page = await (await fetch(`${c.url}/runs/${job.id!}`)).text();
    expect(page).toContain('data-rate-limit="12.5"');
    expect(page).toContain('(set live)');
    expect(page).toContain('db load &lt;script&gt;');
    expect(page).not.toContain(SCRIPT);
    const list = await (await fetch(`${c.url}/`)).text();
    expect(list).toContain('≤ 12.5/s');

    const removed = await send(url, { itemsPerSecond: null }, { csrf: c.csrf });
    expect(removed.status).toBe(200);
    expect(removed.body.run!.rate).toBeUndefined();
    const audit = (await getRun(c.queue, job.id!)).audit;
    expect(audit.map((e) => [e.action, e.via, e.detail])).toEqual([
      ['rate', 'console', 'rate limit 12.5 items/s'],
      ['rate', 'console', 'rate limit removed'],
    ]);
    expect(audit[0]!.actor).toBe('access token holder (127.0.0.1)');

    // No such run: 404; a finished one: 409.
    expect(
      (await send(`${c.url}/api/runs/nope/rate`, { itemsPerSecond: 1 }, { csrf: c.csrf })).status,
    ).toBe(404);
    const worker = iterationWorker(b, c.queueName, [moves], fast);
    try {
      await waitForRun(c.queue, job.id!, { timeoutMs: 30_000 });
    } finally {
      await worker.close();
    }
    const late = await send(url, { itemsPerSecond: 1 }, { csrf: c.csrf });
    expect(late.status).toBe(409);
  });

  it('makes a hold over tags, parks the runs it covers as held, lists it escaped, releases it', async () => {
    const c = await console_();
    const reason = `moving db-3 ${SCRIPT}${BREAKOUT}`;
    for (const [body, message] of [
      [{ tags: 'shard', reason: 'x' }, /name=value/],
      [{ tags: 'shard=db-3' }, /reason/],
      [{ tags: '', reason: 'x' }, /at least one tag/],
      [{ tags: 42, reason: 'x' }, /tags/],
    ] as const) {
      const answer = await send(`${c.url}/api/holds`, body, { csrf: c.csrf });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error).toMatch(message);
    }
    const covered = await moves.enqueue(c.queue, {}, { tags: { shard: 'db-3', kind: 'move' } });
    const made = await send(`${c.url}/api/holds`, { tags: 'shard=db-3', reason }, { csrf: c.csrf });
    expect(made.status).toBe(201);
    const hold = made.body.hold as { id: string; tags: object; queueName: string };
    expect(hold).toMatchObject({ tags: { shard: 'db-3' }, queueName: c.queueName });
    expect(made.body.audited).toBe(1);
    const other = await moves.enqueue(c.queue, {}, { tags: { shard: 'db-4' } });
    const listed = await getJson<{ holds: { id: string; reason: string }[] }>(`${c.url}/api/holds`);
    expect(listed.holds.map((h) => [h.id, h.reason])).toEqual([[hold.id, reason]]);

    const worker = iterationWorker(b, c.queueName, [moves], fast);
    try {
      await waitForRun(c.queue, other.id!, { timeoutMs: 30_000 });
      const held = await eventually(
        async () => {
          const run = await getRun(c.queue, covered.id!);
          return run.status === 'held' ? run : undefined;
        },
        'the covered run held',
        30_000,
      );
      expect(held).toMatchObject({ hold: hold.id, statusReason: reason });
      expect(held.processed).toBe(0);

      const escapedReason = 'moving db-3 &lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img';
      for (const path of ['/', `/runs/${covered.id!}`, '/holds', '/fragments/holds']) {
        const text = await (await fetch(`${c.url}${path}`)).text();
        expect(text, path).toContain(hold.id);
        expect(text, path).toContain(escapedReason);
        expect(text, path).not.toContain(SCRIPT);
        expect(text, path).not.toContain('<img');
      }
      const holdsPage = await (await fetch(`${c.url}/holds`)).text();
      expect(holdsPage).toContain('aria-current="page">Holds</a>');
      expect(holdsPage).toContain(`data-release="${hold.id}"`);
      expect(holdsPage).toContain('id="hold-form"');
      const heldList = await (await fetch(`${c.url}/?status=held`)).text();
      expect(heldList).toContain(`data-job="${covered.id!}"`);
      expect(heldList).toContain('data-status="held"');

      const released = await send(`${c.url}/api/holds/${hold.id}/release`, {}, { csrf: c.csrf });
      expect(released.status).toBe(200);
      expect(released.body).toMatchObject({ released: hold.id, audited: 1 });
      expect(await listHolds(c.queue)).toEqual([]);
      const again = await send(`${c.url}/api/holds/${hold.id}/release`, {}, { csrf: c.csrf });
      expect(again.status).toBe(404);
      const done = await waitForRun(c.queue, covered.id!, { timeoutMs: 30_000 });
      expect(done.summary?.processed).toBe(20);
      const audit = (await getRun(c.queue, covered.id!)).audit;
      expect(audit.map((e) => [e.action, e.reason, e.detail])).toEqual([
        ['hold', reason, `hold ${hold.id}`],
        ['release', reason, `hold ${hold.id}`],
      ]);
    } finally {
      await worker.close();
    }
  });
});
