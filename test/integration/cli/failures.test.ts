// `bullmq-iteration failures <id>` and `retry-failed <id>` as subprocesses: the skipped items of a
// finished run, as text and as JSON, their replay, and refusals (exit 4).
import { afterAll, describe, expect, it } from 'vitest';

import { backendByName } from '../../support/backends.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { redisUrl } from '../../support/servers.js';
import { cli, killAllCli } from './support.js';

afterAll(() => killAllCli());

describe('CLI failures', () => {
  it('lists the skipped items of a run and enqueues their replay', async () => {
    const b = backendByName('redis');
    const queueName = uniqueQueueName('cli-failures');
    const queue = b.queue(queueName);
    let fixed = false;
    const c = counter({
      total: 20,
      onItem: (item) => {
        if (!fixed && (item === 4 || item === 11)) throw new TypeError(`row ${item} is broken`);
      },
      itemErrors: { retries: 0, action: 'skip' },
    });
    const worker = iterationWorker(b, queueName, [c.job]);
    let id: string;
    try {
      const job = await c.job.enqueue(queue, {});
      id = job.id!;
      await completion(worker, id);
    } finally {
      await worker.close();
    }
    const env = { BULLMQ_ITERATION_REDIS_URL: redisUrl() };
    const [text, json, missing] = await Promise.all([
      cli(['failures', id, '-q', queueName], { env }),
      cli(['failures', id, '-q', queueName, '--json'], { env }),
      cli(['failures', 'nope', '-q', queueName], { env }),
    ]);
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toBe(`job ${id} (counter): 2 items skipped`);
    expect(lines[1]).toMatch(
      /^cursor=3 item=4 error="TypeError: row 4 is broken" at=\S+ attempt=1 tries=1$/,
    );
    expect(lines[2]).toMatch(/^cursor=10 item=11 /);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { skipped: number; items: { cursor: number }[] };
    expect(parsed.skipped).toBe(2);
    expect(parsed.items.map((f) => f.cursor)).toEqual([3, 10]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('No job with id "nope"');

    // retry-failed enqueues the replay; a worker runs it; the rows were fixed meanwhile.
    fixed = true;
    const replay = await cli(['retry-failed', id, '-q', queueName], { env });
    expect(replay.code).toBe(0);
    const replayId = replay.stdout.trim();
    expect(replayId).not.toBe(id);
    const again = iterationWorker(b, queueName, [c.job]);
    try {
      expect(await completion(again, replayId)).toMatchObject({ processed: 2 });
    } finally {
      await again.close();
    }
    const none = await cli(['retry-failed', replayId, '-q', queueName], { env });
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('has no recorded failed items');
  });
});
