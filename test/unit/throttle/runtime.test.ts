// The throttle wiring of the runtime, without servers: definition-time and worker-construction
// validation, combining a worker's throttle with a job's, the per-run gate and its bookkeeping in
// the iteration state, and the loop asking the gate before each fetch (and never without one).
import type { Job } from 'bullmq';
import { describe, expect, expectTypeOf, it } from 'vitest';

import type { BuildEnumeratorArgs, IterationWorkerOptions } from '../../../src/index.js';
import {
  defineIterationJob,
  IterationDefinitionError,
  IterationWorker,
} from '../../../src/index.js';
import { CheckpointWriter } from '../../../src/runtime/checkpoint-writer.js';
import type { LoopRun } from '../../../src/runtime/loop.js';
import { runLoop } from '../../../src/runtime/loop.js';
import type { IterationState } from '../../../src/runtime/state.js';
import { initialState, parseState } from '../../../src/runtime/state.js';
import {
  recordRunStart,
  recordRunThrottled,
  throttleFor,
  ThrottleGate,
} from '../../../src/runtime/throttle-gate.js';
import {
  healthCheck,
  NO_THROTTLE,
  NO_THROTTLE_STATS,
  resolveThrottle,
} from '../../../src/throttle/index.js';
import { recordingLogger } from './helpers.js';

const job = { id: '7', name: 'j' } as unknown as Job;
const base = {
  buildEnumerator: () => [],
  eachIteration: () => {},
};

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('throttle option of job definitions and workers', () => {
  it('rejects a bad job throttle at definition time, naming the job and the option', () => {
    const cases: [unknown, RegExp][] = [
      [[], /job "nightly" option throttle: a throttle without a condition/],
      [
        { name: 'x', check: () => true, backoffMs: -5 },
        /throttle\.backoffMs: expected .* got `-5`/,
      ],
      [{ name: 'x', check: () => true, backoffMs: Infinity }, /got `Infinity`/],
      [{ name: 'x' }, /a throttle without a condition: set `check`/],
      [{ name: 'x', check: 42 }, /expected `check` to be a function/],
    ];
    for (const [throttle, message] of cases) {
      const error = caught(() =>
        defineIterationJob({ name: 'nightly', ...base, throttle } as never),
      );
      expect(error).toBeInstanceOf(IterationDefinitionError);
      expect(error.message).toMatch(message);
      expect((error as IterationDefinitionError).jobName).toBe('nightly');
    }
  });

  it('rejects a bad worker throttle in the constructor, before any connection is made', () => {
    const ok = defineIterationJob({ name: 'ok', ...base });
    const error = caught(
      () =>
        new IterationWorker('mail', [ok], {
          connection: { host: '127.0.0.1', port: 1 },
          throttle: { name: 'w', check: () => true, backoffMs: Number.NaN },
        }),
    );
    expect(error).toBeInstanceOf(IterationDefinitionError);
    expect(error.message).toMatch(
      /^IterationWorker for queue "mail" option throttle\.backoffMs: expected .* got `NaN`/,
    );
  });

  it('validates the throttle of a definition not made by defineIterationJob when a worker takes it', () => {
    const handMade = { name: 'raw', definition: { name: 'raw', ...base, throttle: [] } };
    const error = caught(
      () => new IterationWorker('mail', [handMade], { connection: { host: '127.0.0.1', port: 1 } }),
    );
    expect(error.message).toMatch(/job "raw" option throttle: a throttle without a condition/);
  });

  it('types job conditions by the params and cursor of the definition', () => {
    defineIterationJob({
      name: 'typed',
      buildEnumerator: ({ cursor }: BuildEnumeratorArgs<{ shopId: string }, number>) => [
        [cursor ?? 0, 1] as const,
      ],
      eachIteration: () => {},
      throttle: {
        name: 'paused',
        check: ({ params, cursor }) => {
          expectTypeOf(params.shopId).toEqualTypeOf<string>();
          expectTypeOf(cursor).toEqualTypeOf<number | null>();
          return false;
        },
      },
    });
    expectTypeOf<IterationWorkerOptions>().toHaveProperty('throttle');
  });
});

describe('throttleFor', () => {
  const shared = healthCheck({ name: 'db', probe: () => true });
  const worker = resolveThrottle([shared, { name: 'flag', check: () => false }], { owner: 'w' });

  it("puts the worker's conditions first, lets the job replace one by name, and combines once", () => {
    const def = defineIterationJob({
      name: 'combined',
      ...base,
      throttle: [
        { name: 'own', check: () => false },
        { check: shared, backoffMs: 1 },
      ],
    }).definition;
    const combined = throttleFor(def, worker);
    expect(combined.map((c) => c.name)).toEqual(['db', 'flag', 'own']);
    expect(combined[0]!.backoff(3)).toBe(1);
    expect(throttleFor(def, worker)).toBe(combined);
  });

  it('is the empty list when neither the worker nor the job throttles', () => {
    const def = defineIterationJob({ name: 'plain', ...base }).definition;
    expect(throttleFor(def, NO_THROTTLE)).toBe(NO_THROTTLE);
  });
});

describe('ThrottleGate', () => {
  const state = (): IterationState => ({ ...initialState(0), cursor: 41 });

  it('is inactive without conditions', () => {
    expect(new ThrottleGate(NO_THROTTLE, {}, job, undefined).active).toBe(false);
  });

  it('hands checks the params, the current cursor and the job, and keeps the decision', () => {
    const seen: unknown[] = [];
    const gate = new ThrottleGate(
      resolveThrottle({
        name: 'flag',
        check: (ctx) => {
          seen.push({ ...ctx });
          return true;
        },
        backoffMs: 50,
      }),
      { shop: 1 },
      job,
      undefined,
    );
    const s = state();
    s.throttle = { ...NO_THROTTLE_STATS, consecutive: 2, timesThrottled: 2 };
    expect(gate.active).toBe(true);
    expect(gate.check(s)).toBe(true);
    expect(seen).toEqual([{ params: { shop: 1 }, cursor: 41, job }]);
    expect(gate.decision).toEqual({
      condition: 'flag',
      delayMs: 50,
      consecutive: 3,
      reason: 'check returned true',
    });
  });

  it('ends the streak once every condition passes, and leaves untouched stats alone', () => {
    const gate = new ThrottleGate(
      resolveThrottle({ name: 'flag', check: () => false }),
      {},
      job,
      undefined,
    );
    const fresh = state();
    expect(gate.check(fresh)).toBe(false);
    expect(fresh.throttle).toBeUndefined();
    const streak = state();
    streak.throttle = { ...NO_THROTTLE_STATS, consecutive: 3, timesThrottled: 5 };
    expect(gate.check(streak)).toBe(false);
    expect(streak.throttle).toMatchObject({ consecutive: 0, timesThrottled: 5 });
    const calm = streak.throttle;
    gate.check(streak);
    expect(streak.throttle).toBe(calm);
  });

  it('returns a promise only for a check that must be awaited, and logs a failing one', async () => {
    const logger = recordingLogger();
    const gate = new ThrottleGate(
      resolveThrottle({
        name: 'remote',
        check: () => Promise.reject(new Error('down')),
        backoffMs: 5,
      }),
      {},
      job,
      logger,
    );
    const held = gate.check(state());
    expect(held).toBeInstanceOf(Promise);
    await expect(held).resolves.toBe(true);
    expect(gate.decision?.reason).toBe('check rejected with Error: down');
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('records a throttle in the state and closes its wait when the next run starts', () => {
    const s = state();
    recordRunStart(s, 1_000);
    expect(s.throttle).toBeUndefined();
    const stats = recordRunThrottled(
      s,
      { condition: 'flag', delayMs: 10, consecutive: 1, reason: 'r' },
      1_000,
    );
    expect(s.throttle).toBe(stats);
    expect(stats).toEqual({
      timesThrottled: 1,
      throttledMs: 0,
      consecutive: 1,
      throttledSince: 1_000,
      lastCondition: 'flag',
    });
    recordRunStart(s, 1_250);
    expect(s.throttle).toMatchObject({ throttledMs: 250, throttledSince: null, consecutive: 1 });
  });
});

describe('stored state with throttle stats', () => {
  const stored = (extra: object) => JSON.stringify({ ...initialState(0), ...extra });

  it('reads states written before throttling existed', () => {
    expect(parseState(stored({}), 'j', '1').throttle).toBeUndefined();
  });

  it('reads damaged stats leniently instead of failing the job', () => {
    const state = parseState(
      stored({ throttle: { timesThrottled: -1, throttledMs: 'x', lastCondition: 'db' } }),
      'j',
      '1',
    );
    expect(state.throttle).toEqual({
      timesThrottled: 0,
      throttledMs: 0,
      consecutive: 0,
      throttledSince: null,
      lastCondition: 'db',
    });
  });
});

describe('runLoop and the throttle gate', () => {
  function loopRun(
    overrides: Partial<LoopRun<number>> & { checks?: (() => boolean | Promise<boolean>)[] },
  ) {
    const controller = new AbortController();
    const done: number[] = [];
    const checks = overrides.checks ?? [];
    let checked = 0;
    const run: LoopRun<number> & { checked: () => number; abort: () => void } = {
      label: 'iteration job "j" (id 1)',
      signal: controller.signal,
      strict: false,
      writer: new CheckpointWriter({
        save: async () => true,
        snapshot: () => '{}',
        onLost: () => {},
      }),
      progress: { due: false, tick() {} },
      stopRequested: false,
      get halted() {
        return controller.signal.aborted || this.stopRequested;
      },
      plainItems: true,
      throttling: true,
      checkThrottle: () => (checks[checked++] ?? (() => false))(),
      step: (item) => void done.push(item),
      advance: () => {},
      checked: () => checked,
      abort: () => controller.abort(),
      ...overrides,
    };
    return { run, done };
  }

  function source(total: number, fetched: number[]) {
    return (function* () {
      for (let i = 0; i < total; i++) {
        fetched.push(i);
        yield [i, i] as const;
      }
    })();
  }

  it('never calls the gate when the run has no conditions', async () => {
    const fetched: number[] = [];
    const { run, done } = loopRun({
      throttling: false,
      checkThrottle: () => {
        throw new Error('called');
      },
    });
    await expect(runLoop(source(5, fetched), run, undefined)).resolves.toBe('exhausted');
    expect(done).toEqual([0, 1, 2, 3, 4]);
  });

  it('asks before every fetch and stops before pulling the next item', async () => {
    const fetched: number[] = [];
    const { run, done } = loopRun({
      checks: [() => false, () => false, () => true],
    });
    await expect(runLoop(source(5, fetched), run, undefined)).resolves.toBe('throttled');
    expect(run.checked()).toBe(3);
    expect(done).toEqual([0, 1]);
    expect(fetched).toEqual([0, 1]);
  });

  it('awaits an asynchronous check, and honours an interruption that arrived meanwhile', async () => {
    const fetched: number[] = [];
    const { run, done } = loopRun({ checks: [async () => false, async () => true] });
    await expect(runLoop(source(5, fetched), run, undefined)).resolves.toBe('throttled');
    expect(done).toEqual([0]);

    let abort = () => {};
    const interrupted = loopRun({
      checks: [
        async () => {
          abort(); // a shutdown while the check was pending
          return false;
        },
      ],
    });
    abort = interrupted.run.abort;
    await expect(runLoop(source(5, []), interrupted.run, undefined)).resolves.toBe('interrupted');
    expect(interrupted.done).toEqual([]);
  });

  it('lets an interruption or a stop win over the gate', async () => {
    const stopped = loopRun({ stopRequested: true });
    await expect(runLoop(source(3, []), stopped.run, undefined)).resolves.toBe('stopped');
    expect(stopped.run.checked()).toBe(0);
  });
});
