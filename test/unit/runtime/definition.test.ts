// Bad definitions and worker options fail at definition time, naming the job, the value and the fix.
import { describe, expect, it } from 'vitest';

import {
  defineIterationJob,
  IterationDefinitionError,
  IterationWorker,
} from '../../../src/index.js';

const valid = {
  name: 'valid',
  buildEnumerator: () => [] as const,
  eachIteration() {},
};

describe('defineIterationJob', () => {
  it.each(['buildEnumerator', 'eachIteration'] as const)(
    'without %s it throws at definition time with an example',
    (missing) => {
      const { [missing]: _dropped, ...rest } = valid;
      const define = () => defineIterationJob(rest as never);
      expect(define).toThrow(IterationDefinitionError);
      expect(define).toThrow(
        new RegExp(
          `Iteration job "valid" is missing \`${missing}\`.*Example:\\n  defineIterationJob\\(`,
          's',
        ),
      );
    },
  );

  it('needs a non-empty string name', () => {
    expect(() => defineIterationJob({ ...valid, name: '  ' })).toThrow(
      /non-empty string `name`, got " {2}"/,
    );
    expect(() => defineIterationJob({ ...valid, name: undefined as never })).toThrow(
      /got undefined/,
    );
  });

  it('rejects callbacks that are not functions', () => {
    expect(() => defineIterationJob({ ...valid, onComplete: 'done' as never })).toThrow(
      'Iteration job "valid": `onComplete` must be a function, got string.',
    );
  });

  it.each([
    [0, '`0` (number)'],
    [-5, '`-5` (number)'],
    [Number.NaN, '`NaN` (number)'],
    ['60s', '`60s` (string)'],
  ])('rejects maxRuntimeMs %s', (value, shown) => {
    expect(() => defineIterationJob({ ...valid, maxRuntimeMs: value as never })).toThrow(
      `iteration job "valid": expected \`maxRuntimeMs\` to be a positive finite number of milliseconds, got ${shown}.`,
    );
  });

  it.each([
    ['maxItemsPerRun', 0, '`0` (number)'],
    ['maxItems', 2.5, '`2.5` (number)'],
    ['maxItems', '10', '`10` (string)'],
  ])('rejects %s %s', (name, value, shown) => {
    expect(() => defineIterationJob({ ...valid, [name]: value as never })).toThrow(
      `iteration job "valid": expected \`${name}\` to be a whole number ≥ 1, got ${shown}.`,
    );
  });

  it('rejects an interruptWhen that is not a function', () => {
    expect(() => defineIterationJob({ ...valid, interruptWhen: true as never })).toThrow(
      'iteration job "valid": `interruptWhen` must be a function',
    );
  });

  it('rejects an unknown checkpoint mode', () => {
    expect(() => defineIterationJob({ ...valid, checkpointMode: 'sometimes' as never })).toThrow(
      "expected `checkpointMode` to be 'coalesced' or 'strict', got `sometimes`",
    );
  });

  it('enqueue refuses params that are not plain JSON, before anything is added', async () => {
    const added: unknown[] = [];
    const queue = {
      add: async (name: string, data: unknown) => {
        added.push([name, data]);
        return {} as never;
      },
    };
    const job = defineIterationJob<{ since: unknown }>({ ...valid, name: 'typed' });
    await expect(job.enqueue(queue, { since: new Date(0) })).rejects.toThrow(
      'Cannot enqueue iteration job "typed": its params must be plain JSON data, but params.since: a Date',
    );
    expect(added).toEqual([]);
    await job.enqueue(queue, { since: '2024-01-01' });
    expect(added).toEqual([['typed', { since: '2024-01-01' }]]);
  });

  it('enqueue stores what parseParams returns, without undefined properties, with the job defaults', async () => {
    const added: unknown[] = [];
    const queue = {
      add: async (name: string, data: unknown, options: unknown) => {
        added.push([name, data, options]);
        return {} as never;
      },
    };
    const job = defineIterationJob({
      ...valid,
      name: 'coerced',
      // A coercing parser: its output (a number) is valid, its input (a string) would not be.
      parseParams: (data: unknown) => {
        const limit = Number((data as { limit: unknown }).limit);
        if (!Number.isInteger(limit))
          throw new Error(`limit must be an integer, got ${String(limit)}`);
        return { limit, since: (data as { since?: string }).since };
      },
      defaultJobOptions: { attempts: 5, backoff: { type: 'exponential', delay: 1_000 } },
    });
    await job.enqueue(
      queue,
      { limit: '10' as unknown as number, since: undefined },
      { attempts: 2 },
    );
    expect(added).toEqual([
      ['coerced', { limit: 10 }, { attempts: 2, backoff: { type: 'exponential', delay: 1_000 } }],
    ]);
    expect(Object.keys((added[0] as [string, object])[1])).toEqual(['limit']);
  });

  it('enqueue refuses a BigInt or an undefined array element with the path, before queue.add', async () => {
    const queue = {
      add: async () => {
        throw new Error('queue.add must not be reached');
      },
    };
    const job = defineIterationJob<Record<string, unknown>>({ ...valid, name: 'raw' });
    await expect(job.enqueue(queue, { id: 10n })).rejects.toThrow(
      'but params.id: a BigInt (10n); store it as a string.',
    );
    await expect(job.enqueue(queue, { ids: [1, undefined] })).rejects.toThrow(
      'but params.ids[1]: undefined.',
    );
    // Nested undefined properties are dropped like JSON.stringify drops them.
    const kept: unknown[] = [];
    await job.enqueue(
      { add: async (_n, data) => (kept.push(data), {} as never) },
      {
        filter: { since: undefined, plan: 'pro' },
      },
    );
    expect(kept).toEqual([{ filter: { plan: 'pro' } }]);
  });

  it('refuses defaultJobOptions that are not an object', () => {
    expect(() => defineIterationJob({ ...valid, defaultJobOptions: 3 as never })).toThrow(
      'Iteration job "valid": `defaultJobOptions` must be an object of BullMQ job options, got 3.',
    );
  });

  it('freezes the definition', () => {
    const job = defineIterationJob(valid);
    expect(Object.isFrozen(job)).toBe(true);
    expect(Object.isFrozen(job.definition)).toBe(true);
  });
});

describe('IterationWorker construction', () => {
  const job = defineIterationJob(valid);
  // Validation runs before any connection is made: none of these reach a server.
  const connection = { host: '127.0.0.1', port: 1, lazyConnect: true };

  it('refuses two jobs with the same name', () => {
    const twin = defineIterationJob(valid);
    expect(() => new IterationWorker('q', [job, twin], { connection })).toThrow(
      'IterationWorker for queue "q": two iteration jobs are named "valid". Job names select the code that runs a job, so they must be unique within a worker; rename one of them.',
    );
  });

  it('refuses an empty job list and entries that are not iteration jobs', () => {
    expect(() => new IterationWorker('q', [], { connection })).toThrow(
      /non-empty array of iteration jobs/,
    );
    expect(() => new IterationWorker('q', [valid as never], { connection })).toThrow(
      /must come from defineIterationJob/,
    );
  });

  it.each([
    ['shutdownTimeoutMs', -1],
    ['progressIntervalMs', 0],
    ['checkpointIntervalMs', Number.POSITIVE_INFINITY],
    ['requeueDelayMs', '5'],
  ])('refuses %s = %s with the value in the message', (option, value) => {
    expect(() => new IterationWorker('q', [job], { connection, [option]: value })).toThrow(
      new RegExp(
        `IterationWorker for queue "q": expected \`${option}\` to be a .*got \`${String(value)}\``,
      ),
    );
  });
});
