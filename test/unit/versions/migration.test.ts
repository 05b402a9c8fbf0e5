// The migration chain without servers: links run in order from the stored version, params and
// step carry through links that leave them out, and every failure names the versions and the fix
// (a missing link, a link that throws or returns no JSON cursor); an outage a link meets is the
// job's transient error, and a replayed record migrates its two cursors and its step.
import { describe, expect, it } from 'vitest';

import type { Migrations } from '../../../src/index.js';
import {
  defineIterationJob,
  IterationDefinitionError,
  MigrationError,
  TransientError,
} from '../../../src/index.js';
import type { FailedItem } from '../../../src/runtime/item-policy.js';
import { migrateChain, migrateRecord } from '../../../src/runtime/migration.js';
import { RunFailure } from '../../../src/runtime/run-failure.js';

const label = 'iteration job "rows" (id 7)';
const start = { cursor: 4, params: { tenant: 'a' }, step: 'send' } as const;

function definition(version: number, migrate: Migrations) {
  return { name: 'rows', version, migrate };
}

describe('migrateChain', () => {
  it('runs the links from the stored version up, carrying params and step they leave out', async () => {
    const calls: string[] = [];
    const migrated = await migrateChain(
      definition(4, {
        1: () => {
          throw new Error('not from version 1');
        },
        2: ({ cursor, params }) => {
          calls.push(`2:${JSON.stringify(cursor)}`);
          return { cursor: { id: cursor }, params: { ...(params as object), region: 'eu' } };
        },
        3: ({ cursor, step }) => {
          calls.push(`3:${JSON.stringify(cursor)}:${step}`);
          return { cursor: { ...(cursor as object), batch: 0 }, step: 'deliver' };
        },
      }),
      2,
      start,
      label,
    );
    expect(calls).toEqual(['2:4', '3:{"id":4}:send']);
    expect(migrated).toEqual({
      cursor: { id: 4, batch: 0 },
      params: { tenant: 'a', region: 'eu' },
      step: 'deliver',
    });
  });

  it('a step of null leaves the steps; async links are awaited', async () => {
    const migrated = await migrateChain(
      definition(2, { 1: async ({ cursor }) => ({ cursor, step: null }) }),
      1,
      start,
      label,
    );
    expect(migrated).toEqual({ cursor: 4, params: start.params, step: undefined });
  });

  it('a missing link fails with the versions and the link to add', async () => {
    const error = await migrateChain(
      definition(3, { 2: ({ cursor }) => ({ cursor }) }),
      1,
      start,
      label,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect(error).toMatchObject({ jobName: 'rows', fromVersion: 1, toVersion: 3, link: 1 });
    expect((error as Error).message).toContain(
      `${label} was stored by version 1 and this worker runs version 3, but the job has no migrate[1]`,
    );
    expect((error as Error).message).toContain('Add migrate: { 1: ({ cursor, params, step }) =>');
    expect((error as Error).message).toContain('retry the job');
  });

  it('a link that throws fails with its message and cause; nothing is kept of the links before', async () => {
    const cause = new Error('no such row');
    const error = (await migrateChain(
      definition(3, {
        1: ({ cursor }) => ({ cursor }),
        2: () => {
          throw cause;
        },
      }),
      1,
      start,
      label,
    ).catch((e: unknown) => e)) as MigrationError;
    expect(error).toMatchObject({ link: 2, cause });
    expect(error.message).toContain('migrate[2] threw: no such row');
    expect(error.message).toContain('the run keeps the state version 1 wrote');
  });

  it.each([
    ['no cursor', { params: {} }, 'expected an object with a `cursor`'],
    ['a Date cursor', { cursor: new Date(0) }, 'its cursor is not plain JSON data'],
    ['bigint params', { cursor: 1, params: { n: 1n } }, 'its params are not plain JSON data'],
    ['an empty step', { cursor: 1, step: '' }, 'its step is "", expected a step\'s name'],
  ])('a link that returns %s fails', async (_, result, message) => {
    const error = await migrateChain(
      definition(2, { 1: () => result as never }),
      1,
      start,
      label,
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toContain(message);
  });

  it("a TransientError of a link is the job's own transient error, not a MigrationError", async () => {
    const outage = new TransientError('lookup database restarting');
    const thrown = await migrateChain(
      definition(2, {
        1: () => {
          throw outage;
        },
      }),
      1,
      start,
      label,
    ).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(RunFailure);
    expect(thrown).toMatchObject({ error: outage, jobCode: true });
  });
});

describe('migrateRecord', () => {
  const record: FailedItem = {
    cursor: 9,
    after: 10,
    item: '10',
    error: { name: 'Error', message: 'broken' },
    at: 0,
    attempt: 1,
    tries: 1,
    step: 'send',
  };
  const v2 = definition(2, {
    1: ({ cursor, step }) => ({
      cursor: cursor === null ? null : { at: cursor },
      ...(step === 'send' ? { step: 'deliver' } : {}),
    }),
  });

  it('migrates both cursors and the step of a record of an older version', async () => {
    expect(await migrateRecord(v2, record, {}, label)).toEqual({
      ...record,
      cursor: { at: 9 },
      after: { at: 10 },
      step: 'deliver',
      version: 2,
    });
  });

  it('leaves a record of the definition version as it is', async () => {
    const current = { ...record, version: 2 };
    expect(await migrateRecord(v2, current, {}, label)).toBe(current);
  });
});

describe('version and migrate at definition time', () => {
  const base = {
    name: 'rows',
    buildEnumerator: () => [],
    eachIteration: () => {},
  };

  it.each([
    [{ version: 0 }, '`version` must be a whole number ≥ 1, got `0`'],
    [{ version: 1.5 }, '`version` must be a whole number ≥ 1, got `1.5`'],
    [{ version: 2, migrate: [] }, '`migrate` must be an object of functions by version'],
    [{ version: 2, migrate: { 2: () => ({ cursor: null }) } }, 'got migrate["2"]'],
    [{ migrate: { 1: () => ({ cursor: null }) } }, 'has version 1, so `migrate` keys are'],
    [{ version: 3, migrate: { 1: 'later' } }, 'migrate[1] must be a function'],
  ])('refuses %j', (options, message) => {
    expect(() => defineIterationJob({ ...base, ...options } as never)).toThrow(
      IterationDefinitionError,
    );
    expect(() => defineIterationJob({ ...base, ...options } as never)).toThrow(message);
  });

  it('takes a version with a chain that has gaps (runs stored in the gap fail when they resume)', () => {
    const job = defineIterationJob({ ...base, version: 3, migrate: { 2: (s) => s } });
    expect(job.definition.version).toBe(3);
  });
});
