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
