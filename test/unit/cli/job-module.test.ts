// Which exports of a module are iteration jobs, and the messages when there are none, two with
// one name, or a name the module does not define.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { CliError } from '../../../src/cli/exit-codes.js';
import {
  collectJobs,
  findJob,
  isIterationJob,
  loadJobModule,
} from '../../../src/cli/job-module.js';
import { defineIterationJob, times } from '../../../src/index.js';

const job = (name: string) =>
  defineIterationJob({
    name,
    buildEnumerator: ({ cursor }) => times(3, { cursor }),
    eachIteration() {},
  });

function refusal(action: () => unknown): CliError {
  try {
    action();
  } catch (error) {
    return error as CliError;
  }
  throw new Error('expected a refusal');
}

describe('collectJobs', () => {
  it('takes named exports and a default array, each job once, ignoring the rest', () => {
    const a = job('a');
    const b = job('b');
    const jobs = collectJobs({ a, helper: () => 1, count: 3, default: [a, b, 'x'] }, './jobs.ts');
    expect(jobs.map((j) => j.name)).toEqual(['a', 'b']);
    expect(collectJobs({ default: a }, './one.ts')).toEqual([a]);
  });

  it('refuses two different jobs with one name', () => {
    const error = refusal(() =>
      collectJobs({ first: job('same'), second: job('same') }, './jobs.ts'),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(
      '"./jobs.ts" exports two different iteration jobs named "same" (export "first" and export "second"); job names must be unique within a worker.',
    );
  });

  it('refuses a module without jobs, listing what it exports and how to export one', () => {
    class Thing {}
    const error = refusal(() =>
      collectJobs(
        { Thing, helper() {}, list: [1, 2], none: null, default: { name: 'x' } },
        './m.ts',
      ),
    );
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(
      'exports no iteration jobs; it exports Thing (class), helper (function), list (array of 2), none (null), default (object).',
    );
    expect(error.message).toContain(
      "export const backfillUsers = defineIterationJob({ name: 'backfill-users', … });",
    );
    expect(refusal(() => collectJobs({}, './empty.ts')).message).toContain('it exports nothing');
  });

  it('recognises jobs by shape, so a module with its own copy of the package works', () => {
    expect(
      isIterationJob({ name: 'x', definition: { buildEnumerator() {}, eachIteration() {} } }),
    ).toBe(true);
    expect(isIterationJob({ name: 'x', definition: { buildEnumerator() {} } })).toBe(false);
    expect(isIterationJob({ definition: { buildEnumerator() {}, eachIteration() {} } })).toBe(
      false,
    );
  });
});

describe('loadJobModule and findJob', () => {
  const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'cli');

  it('loads a TypeScript module relative to the working directory', async () => {
    const module = await loadJobModule('jobs.ts', fixtures);
    expect(module.jobs.map((j) => j.name)).toEqual(['always-fails', 'count-to']);
    expect(findJob(module, 'count-to', 'jobs.ts').name).toBe('count-to');
    const unknown = refusal(() => findJob(module, 'count', 'jobs.ts'));
    expect(unknown.exitCode).toBe(2);
    expect(unknown.message).toBe(
      'Unknown job "count": "jobs.ts" defines "always-fails", "count-to".',
    );
  });

  it('refuses a path that does not exist as a usage error', async () => {
    await expect(loadJobModule('./missing.ts', fixtures)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('Cannot find the job module "./missing.ts"'),
    });
  });
});
