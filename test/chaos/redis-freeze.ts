// redis-server frozen with SIGSTOP for a few seconds under running jobs: connections stay open
// and nothing answers. With a lock longer than the freeze every lock survives and nothing may be
// redone; with a shorter one the locks expire, other workers take the jobs over, and the redone
// items must stay within the checkpoint-lag bound.
import { incidentScenario } from './incident-run.js';
import { REDO_GRACEFUL, REDO_PER_INCIDENT, type Scenario } from './scenario.js';
import { sleep } from './workers.js';

const REDIS_FREEZE = {
  full: { jobs: 2, items: 10_000, stepMs: 1, workers: 2, rounds: 1, freezeMs: 5_000 },
  short: { jobs: 2, items: 3_000, stepMs: 1, workers: 2, rounds: 1, freezeMs: 3_000 },
};
/** Lock durations either side of the freeze. */
const LONG_LOCK_MS = 15_000;
const SHORT_LOCK_MS = 1_500;
const STALLED_MS = 1_000;

function freezeScenario(name: string, lockMs: number, boundPerRound: number): Scenario {
  return incidentScenario({
    name,
    backends: ['redis'],
    params: REDIS_FREEZE,
    env: { LOCK_MS: lockMs, STALLED_MS },
    boundPerRound,
    async prepare(ctx, p) {
      const redis = await ctx.servers.redis();
      return async () => {
        redis.freeze();
        await sleep(p.freezeMs);
        redis.thaw();
        return `redis-server stopped for ${p.freezeMs} ms (lock ${lockMs} ms)`;
      };
    },
  });
}

export const redisFreezeLongLock = freezeScenario(
  'redis-freeze-long-lock',
  LONG_LOCK_MS,
  REDO_GRACEFUL,
);
export const redisFreezeShortLock = freezeScenario(
  'redis-freeze-short-lock',
  SHORT_LOCK_MS,
  REDO_PER_INCIDENT,
);
