// Typed params from any Standard Schema validator (zod, valibot, arktype): the types of
// `ctx.params` and `enqueue`, the check at enqueue with the schema's own messages, and the check
// when a run starts (runInline runs the runtime's start), combined with `parseParams`.
import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';

import type { BuildEnumeratorArgs, EnqueueTarget } from '../../../src/index.js';
import {
  array,
  defineIterationJob,
  IterationDefinitionError,
  ParamsValidationError,
} from '../../../src/index.js';
import { runInline } from '../../../src/testing/index.js';

/** A queue that records what `add` receives, for enqueue's checks without a server. */
function recordingQueue(): EnqueueTarget<unknown> & { added: unknown[] } {
  const added: unknown[] = [];
  return {
    added,
    add: async (_name, data) => {
      added.push(data);
      return { id: String(added.length) } as never;
    },
  };
}

const schemas = {
  zod: z.object({ segment: z.enum(['trial', 'paid']), limit: z.number().int().min(1).optional() }),
  valibot: v.object({
    segment: v.picklist(['trial', 'paid']),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  }),
  arktype: type({ segment: "'trial' | 'paid'", 'limit?': 'number.integer >= 1' }),
};

describe.each(Object.entries(schemas))('params: a %s schema', (_vendor, schema) => {
  const job = defineIterationJob({
    name: 'notify',
    params: schema,
    buildEnumerator: ({ params, cursor }) => array([params.segment], { cursor }),
    eachIteration(segment, ctx) {
      expectTypeOf(ctx.params.segment).toEqualTypeOf<'trial' | 'paid'>();
      expect(segment).toBe(ctx.params.segment);
    },
  });

  it('types ctx.params and enqueue, and stores what the schema accepts', async () => {
    const queue = recordingQueue();
    await job.enqueue(queue, { segment: 'trial', limit: 5 });
    expect(queue.added).toEqual([{ segment: 'trial', limit: 5 }]);
    // @ts-expect-error a segment the schema does not allow
    expectTypeOf(job.enqueue).toBeCallableWith(queue, { segment: 'free' });
  });

  it('refuses params at enqueue with the schema’s own messages, by path', async () => {
    const queue = recordingQueue();
    const refused = job.enqueue(queue, { segment: 'free' as never, limit: 0 });
    await expect(refused).rejects.toBeInstanceOf(ParamsValidationError);
    const error = (await refused.catch((e: unknown) => e)) as ParamsValidationError;
    expect(error).toBeInstanceOf(IterationDefinitionError);
    expect(error.jobName).toBe('notify');
    expect(error.issues.map((issue) => issue.path).sort()).toEqual(['limit', 'segment']);
    expect(error.message).toMatch(
      /^Cannot enqueue iteration job "notify": its params schema refused the params: /,
    );
    expect(queue.added).toEqual([]);
  });

  it('runs inline with typed params; refused params fail as at enqueue', async () => {
    expect(await runInline(job, { params: { segment: 'paid' } }).iterate()).toMatchObject({
      outcome: 'completed',
    });
    const bad = runInline(job, { params: { segment: 'gold' } as never });
    await expect(bad.iterate()).rejects.toBeInstanceOf(ParamsValidationError);
  });
});

describe('params with parseParams', () => {
  it('runs the schema first, then parseParams, at enqueue and at run start', async () => {
    const seen: unknown[] = [];
    const job = defineIterationJob({
      name: 'normalize',
      params: z.object({ email: z.string().email() }),
      parseParams: (data) => {
        seen.push(data);
        const { email } = data as { email: string };
        return { email: email.toLowerCase() };
      },
      buildEnumerator: ({ params, cursor }) => array([params.email], { cursor }),
      eachIteration: () => {},
    });
    const queue = recordingQueue();
    await job.enqueue(queue, { email: 'Ada@Example.com' });
    expect(queue.added).toEqual([{ email: 'ada@example.com' }]);
    await expect(job.enqueue(queue, { email: 'not an email' })).rejects.toThrow(/email: /);
    expect(seen).toEqual([{ email: 'Ada@Example.com' }]);
  });

  it('refuses a params option that is not a schema, naming parseParams', () => {
    expect(() =>
      defineIterationJob({
        name: 'broken',
        params: ((data: unknown) => data) as never,
        buildEnumerator: ({ cursor }) => array([1], { cursor }),
        eachIteration: () => {},
      }),
    ).toThrow(/`params` must be a Standard Schema validator .* use `parseParams` instead/);
  });
});

describe('BuildEnumeratorArgs', () => {
  it('takes the params alone: the cursor defaults to unknown', () => {
    const job = defineIterationJob({
      name: 'read-file',
      buildEnumerator: ({ params, cursor }: BuildEnumeratorArgs<{ path: string }>) =>
        array([params.path], { cursor: cursor as number | null }),
      eachIteration: () => {},
    });
    expectTypeOf(job.definition.buildEnumerator).parameter(0).toHaveProperty('params');
    expectTypeOf<BuildEnumeratorArgs<{ path: string }>['cursor']>().toEqualTypeOf<unknown>();
  });
});
