// The flow-control commands as subprocesses on Redis: hold prints the hold's id, holds lists it,
// release ends it (and says so when there is no such hold); rate sets a run's limit and off
// removes it.
import { afterEach, describe, expect, it } from 'vitest';

import { getRun, listHolds } from '../../../src/index.js';
import { backendByName } from '../../support/backends.js';
import { uniqueQueueName } from '../../support/names.js';
import { redisUrl } from '../../support/servers.js';
import { cli, killAllCli } from './support.js';

const env = () => ({ BULLMQ_ITERATION_REDIS_URL: redisUrl() });

afterEach(() => killAllCli());

describe('flow-control commands', () => {
  it('hold, holds and release', async () => {
    const queueName = uniqueQueueName('cli-holds');
    const queue = backendByName('redis').queue(queueName);
    const q = ['--queue', queueName];
    const held = await cli(
      ['hold', ...q, '--tag', 'shard=db-3', '--tag', 'kind=backfill', '--reason', 'moving db-3'],
      { env: env() },
    );
    expect(held.stderr).toBe('');
    expect(held.code).toBe(0);
    const id = held.stdout.trim();
    expect(await listHolds(queue)).toEqual([
      expect.objectContaining({
        id,
        tags: { shard: 'db-3', kind: 'backfill' },
        reason: 'moving db-3',
      }),
    ]);
    const listed = await cli(['holds', ...q], { env: env() });
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\s+shard=db-3,kind=backfill\\s+since \\S+\\s+moving db-3$`, 'm'),
    );

    const noReason = await cli(['hold', ...q, '--tag', 'shard=db-3'], { env: env() });
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason is required/);

    const released = await cli(['release', ...q, id], { env: env() });
    expect(released.code).toBe(0);
    expect(await listHolds(queue)).toEqual([]);
    const again = await cli(['release', ...q, id], { env: env() });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(new RegExp(`no hold "${id}"`));
  });

  it('rate sets a run limit and off removes it', async () => {
    const queueName = uniqueQueueName('cli-rate');
    const queue = backendByName('redis').queue(queueName);
    const job = await queue.add('any', {});
    const set = await cli(['rate', '--queue', queueName, job.id!, '50'], { env: env() });
    expect(set.code).toBe(0);
    expect((await getRun(queue, job.id!)).rate).toEqual({ itemsPerSecond: 50, source: 'set' });
    const off = await cli(['rate', '--queue', queueName, job.id!, 'off'], { env: env() });
    expect(off.code).toBe(0);
    expect((await getRun(queue, job.id!)).rate).toBeUndefined();
    const bad = await cli(['rate', '--queue', queueName, job.id!, 'fast'], { env: env() });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expected a number of rows a second above 0 or `off`, got "fast"/);
  });
});
