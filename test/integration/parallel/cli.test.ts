// `bullmq-iteration status` as a subprocess on a parallel run: one line for the run with its
// aggregate figures, and with --partitions one more line per partition.
import { describe, expect, it } from 'vitest';

import { backendByName } from '../../support/backends.js';
import { eventually } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { postgresUrl, redisUrl } from '../../support/servers.js';
import { cli } from '../cli/support.js';
import { parallelCounter, workers } from './support.js';

const kinds = [
  { name: 'redis', env: () => ({ BULLMQ_ITERATION_REDIS_URL: redisUrl() }) },
  { name: 'postgres', env: () => ({ BULLMQ_ITERATION_DATABASE_URL: postgresUrl() }) },
] as const;

describe.each(kinds)('status of a parallel run on $name', (kind) => {
  const b = backendByName(kind.name);

  it('shows the run once, and one line per partition with --partitions', async () => {
    const queueName = uniqueQueueName('parallel-cli');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 90, partitions: 3 });
    const pool = workers(b, queueName, c.job, 1);
    try {
      const parent = await c.job.enqueue(queue, {});
      await eventually(
        async () => ((await parent.getState()) === 'completed' ? true : undefined),
        'the run to complete',
      );
    } finally {
      await Promise.all(pool.map((w) => w.close()));
    }
    const env = kind.env();
    const plain = await cli(['status', '-q', queueName], { env });
    expect(plain.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^id=\d+ job=parallel-counter status=completed processed=90 total=90 percent=100 /,
      ),
    ]);
    const detailed = await cli(['status', '-q', queueName, '--partitions'], { env });
    const lines = detailed.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(1)).toEqual(
      [0, 1, 2].map((i) =>
        expect.stringMatching(
          new RegExp(
            `^id=\\d+-p${i} job="└ #${i}" status=completed processed=30 total=30 percent=100 `,
          ),
        ),
      ),
    );
  });
});
