// The shape most scenarios share: workers run a few jobs, and at evenly spaced points of their
// progress the harness inflicts an incident on a server (restart, dropped connections, freeze).
import {
  type ChaosContext,
  judge,
  pick,
  type Scenario,
  type ScenarioResult,
  withStage,
} from './scenario.js';
import type { ChaosBackend, ChaosTarget } from './servers.js';
import type { WorkerEnv } from './workers.js';

/** The sizes of an incident scenario, full and short. */
export interface IncidentParams {
  readonly jobs: number;
  readonly items: number;
  readonly stepMs: number;
  readonly workers: number;
  readonly rounds: number;
}

export interface IncidentScenario<P extends IncidentParams> {
  readonly name: string;
  readonly backends: readonly ChaosBackend[];
  readonly params: { readonly full: P; readonly short: P };
  /** Worker settings (LOCK_MS, STALLED_MS); CONCURRENCY defaults to two jobs per worker. */
  readonly env?: WorkerEnv;
  /** Duplicates allowed per round and job. */
  readonly boundPerRound: number;
  /** Prepares the incident (servers, clients); the result inflicts one and says what it did. */
  prepare(ctx: ChaosContext, params: P): Promise<(round: number) => Promise<string>>;
}

export function incidentScenario<P extends IncidentParams>(s: IncidentScenario<P>): Scenario {
  return {
    name: s.name,
    backends: s.backends,
    async run(ctx, target) {
      const params = pick(ctx, s.params.full, s.params.short);
      const incident = await s.prepare(ctx, params);
      return runIncidents(ctx, target, s, params, incident);
    },
  };
}

async function runIncidents<P extends IncidentParams>(
  ctx: ChaosContext,
  target: ChaosTarget,
  s: IncidentScenario<P>,
  p: P,
  incident: (round: number) => Promise<string>,
): Promise<ScenarioResult> {
  const env = { CONCURRENCY: Math.ceil(p.jobs / p.workers) * 2, ...s.env };
  return withStage(target, s.name, env, async (stage) => {
    await stage.startWorkers(p.workers);
    const ids = await stage.enqueue('count', p.jobs, { total: p.items, stepMs: p.stepMs });
    let rounds = 0;
    for (let r = 1; r <= p.rounds; r++) {
      if (!(await stage.progressed(Math.floor((p.jobs * p.items * r) / (p.rounds + 1))))) break;
      ctx.log(`  round ${r}/${p.rounds}: ${await incident(r)}`);
      rounds++;
    }
    return judge({
      scenario: s.name,
      target,
      stage,
      outcomes: await stage.outcomes(ids, 120_000),
      bound: rounds * s.boundPerRound * p.jobs,
      problems: rounds < p.rounds ? [`only ${rounds} of ${p.rounds} rounds (jobs ended)`] : [],
      notes: [`${rounds} ${rounds === 1 ? 'round' : 'rounds'}`],
    });
  });
}
