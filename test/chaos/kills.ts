// Workers that die or stop under a running job: a storm of SIGKILLs (each killed worker replaced,
// as an orchestrator would), and a worker frozen with SIGSTOP past its lock, then resumed.
import { judge, pick, REDO_PER_INCIDENT, type Scenario, withStage } from './scenario.js';
import { sleep } from './workers.js';

const KILL_STORM = {
  full: { items: 20_000, kills: 8, workers: 3, stepMs: 1 },
  short: { items: 2_000, kills: 2, workers: 3, stepMs: 1 },
};
const WORKER_FREEZE = {
  full: { items: 8_000, workers: 2, stepMs: 1, freezeMs: 6_000 },
  short: { items: 2_000, workers: 2, stepMs: 1, freezeMs: 4_000 },
};
/** Short locks and stall checks, so a killed worker's job is taken over within seconds. */
const TIMING = { LOCK_MS: 2_000, STALLED_MS: 1_000 };
const FINISH_TIMEOUT_MS = 120_000;

export const killStorm: Scenario = {
  name: 'kill-storm',
  backends: ['redis', 'postgres', 'pglite'],
  run: (ctx, target) =>
    withStage(target, 'kill-storm', TIMING, async (stage) => {
      const p = pick(ctx, KILL_STORM.full, KILL_STORM.short);
      await stage.startWorkers(p.workers);
      const ids = await stage.enqueue('count', 1, { total: p.items, stepMs: p.stepMs });
      let kills = 0;
      // Items redone after each kill: the next run redoes them as it starts, so by the time the
      // job has progressed to the next kill they are all recorded.
      const perKill: number[] = [];
      let before = 0;
      const redoneSinceLastKill = () => {
        const now = stage.count().duplicates;
        if (kills > 0) perKill.push(now - before);
        before = now;
      };
      for (let k = 1; k <= p.kills; k++) {
        if (!(await stage.progressed(Math.floor((p.items * k) / (p.kills + 1))))) break;
        redoneSinceLastKill();
        // The worker running the job: killing an idle one would test nothing.
        const busy = await stage.pool.busiest();
        if (busy === undefined) break;
        await stage.pool.stop(busy, 'SIGKILL');
        kills++;
        ctx.log(`  kill ${kills}/${p.kills}: worker ${busy.index}`);
        await stage.pool.start();
      }
      const outcomes = await stage.outcomes(ids, FINISH_TIMEOUT_MS);
      redoneSinceLastKill();
      const worst = Math.max(0, ...perKill);
      const problems = kills < p.kills ? [`only ${kills} of ${p.kills} kills (job ended)`] : [];
      if (worst > REDO_PER_INCIDENT) problems.push(`${worst} redone after one kill`);
      return judge({
        scenario: 'kill-storm',
        target,
        stage,
        outcomes,
        bound: kills * REDO_PER_INCIDENT,
        problems,
        notes: [`${kills} SIGKILLs, redone per kill: ${perKill.join(', ')}`],
      });
    }),
};

export const workerFreeze: Scenario = {
  name: 'worker-freeze',
  backends: ['redis', 'postgres', 'pglite'],
  run: (ctx, target) =>
    withStage(target, 'worker-freeze', TIMING, async (stage) => {
      const p = pick(ctx, WORKER_FREEZE.full, WORKER_FREEZE.short);
      await stage.startWorkers(p.workers);
      const ids = await stage.enqueue('count', 1, { total: p.items, stepMs: p.stepMs });
      const busy = (await stage.progressed(p.items / 4)) ? await stage.pool.busiest() : undefined;
      if (busy !== undefined) {
        busy.child.kill('SIGSTOP');
        ctx.log(`  worker ${busy.index} stopped for ${p.freezeMs} ms (lock ${TIMING.LOCK_MS} ms)`);
        await sleep(p.freezeMs);
        busy.child.kill('SIGCONT');
      }
      return judge({
        scenario: 'worker-freeze',
        target,
        stage,
        outcomes: await stage.outcomes(ids, FINISH_TIMEOUT_MS),
        bound: REDO_PER_INCIDENT,
        problems: busy === undefined ? ['no worker was running the job to freeze'] : [],
        notes: [`SIGSTOP ${p.freezeMs} ms, lock ${TIMING.LOCK_MS} ms`],
      });
    }),
};
