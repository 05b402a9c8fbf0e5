// Deploys under load: 200 concurrent jobs while four workers are replaced one by one twice
// (SIGTERM, wait for the drain, start a new one), and bad jobs enqueued among good ones (params
// the job's parseParams rejects, a job name only the next release's workers know).
import {
  type ChaosContext,
  type JobOutcome,
  judge,
  pick,
  REDO_GRACEFUL,
  type Scenario,
  withStage,
} from './scenario.js';
import type { ChaosBackend, ChaosTarget } from './servers.js';
import { sleep } from './workers.js';

/** Steps are slower where each checkpoint costs more, so every backend keeps up with 200 jobs. */
const ROLLING = {
  full: { jobs: 200, workers: 4, restarts: 2 },
  short: { jobs: 40, workers: 2, restarts: 2 },
};
const ROLLING_STEPS: Record<ChaosBackend, { items: number; stepMs: number }> = {
  redis: { items: 1_000, stepMs: 20 },
  postgres: { items: 400, stepMs: 50 },
  pglite: { items: 100, stepMs: 200 },
};
const SHORT_ITEMS_DIVISOR = 4;
const BAD_JOBS = {
  full: { good: 20, items: 3_000, stepMs: 1, badParams: 5, newcomers: 5, deployAfterMs: 3_000 },
  short: { good: 6, items: 1_000, stepMs: 1, badParams: 3, newcomers: 3, deployAfterMs: 2_000 },
};
const FINISH_TIMEOUT_MS = 180_000;

export const rollingRestarts: Scenario = {
  name: 'rolling-restarts',
  backends: ['redis', 'postgres', 'pglite'],
  async run(ctx: ChaosContext, target: ChaosTarget) {
    const p = pick(ctx, ROLLING.full, ROLLING.short);
    const steps = ROLLING_STEPS[target.name];
    const items = ctx.short ? steps.items / SHORT_ITEMS_DIVISOR : steps.items;
    return withStage(
      target,
      'rolling-restarts',
      { CONCURRENCY: p.jobs / p.workers },
      async (stage) => {
        await stage.startWorkers(p.workers);
        const ids = await stage.enqueue('count', p.jobs, { total: items, stepMs: steps.stepMs });
        for (let r = 1; r <= p.restarts; r++) {
          if (!(await stage.progressed(Math.floor((p.jobs * items * r) / (p.restarts + 2))))) break;
          const startedAt = Date.now();
          for (const old of stage.pool.alive()) {
            await stage.pool.stop(old, 'SIGTERM');
            await stage.pool.start();
          }
          ctx.log(`  rolling restart ${r}/${p.restarts} took ${Date.now() - startedAt} ms`);
        }
        const outcomes = await stage.outcomes(ids, FINISH_TIMEOUT_MS);
        return judge({
          scenario: 'rolling-restarts',
          target,
          stage,
          outcomes,
          bound: REDO_GRACEFUL,
          notes: [`${p.jobs} jobs x ${items} items of ${steps.stepMs} ms`, interrupted(outcomes)],
        });
      },
    );
  },
};

export const badJobs: Scenario = {
  name: 'bad-jobs',
  backends: ['redis', 'postgres', 'pglite'],
  async run(ctx: ChaosContext, target: ChaosTarget) {
    const p = pick(ctx, BAD_JOBS.full, BAD_JOBS.short);
    const env = { CONCURRENCY: 4, JOBS: 'count,checked' };
    return withStage(target, 'bad-jobs', env, async (stage) => {
      await stage.startWorkers(2);
      const params = { total: p.items, stepMs: p.stepMs };
      const good = await stage.enqueue('count', p.good, params);
      await stage.progressed(p.items);
      // Under load: a producer that skipped validation, and a release that is not deployed yet.
      const rejected = await stage.enqueue(
        'checked',
        p.badParams,
        { ...params, valid: false },
        false,
      );
      const newcomers = await stage.enqueue('newcomer', p.newcomers, params);
      await sleep(p.deployAfterMs);
      await stage.pool.start({ JOBS: 'count,checked,newcomer' });
      const outcomes = await stage.outcomes(
        [...good, ...newcomers, ...rejected],
        FINISH_TIMEOUT_MS,
      );
      const counted = outcomes.filter((o) => !rejected.includes(o.id));
      const problems = checkRejected(outcomes.filter((o) => rejected.includes(o.id)));
      const newcomerStates = summarize(outcomes.filter((o) => newcomers.includes(o.id)));
      return judge({
        scenario: 'bad-jobs',
        target,
        stage,
        outcomes: counted,
        bound: REDO_GRACEFUL,
        problems,
        notes: [`newcomer jobs: ${newcomerStates}`],
      });
    });
  },
};

/** Rejected params fail at once, without retries, with a message that names the job and the fix. */
function checkRejected(outcomes: readonly JobOutcome[]): string[] {
  const wrong = outcomes.filter(
    (o) =>
      o.state !== 'failed' ||
      o.attemptsMade > 1 ||
      !o.failedReason?.includes('parseParams rejected') ||
      !o.failedReason.includes('"checked"'),
  );
  if (wrong.length === 0) return [];
  const first = wrong[0]!;
  return [
    `${wrong.length} rejected-params jobs not failed as expected (job ${first.id}: ${first.state}, attemptsMade ${first.attemptsMade}, ${first.failedReason})`,
  ];
}

function summarize(outcomes: readonly JobOutcome[]): string {
  const states = new Map<string, number>();
  for (const o of outcomes) states.set(o.state, (states.get(o.state) ?? 0) + 1);
  return [...states].map(([state, n]) => `${n} ${state}`).join(', ');
}

/** How many jobs a drain requeued: proof that the restarts hit running jobs. */
function interrupted(outcomes: readonly JobOutcome[]): string {
  const hit = outcomes.filter((o) => o.interruptions > 0);
  const total = hit.reduce((sum, o) => sum + o.interruptions, 0);
  return `${hit.length} jobs requeued by a drain (${total} interruptions)`;
}
