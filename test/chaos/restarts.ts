// Servers restarted under running jobs: redis-server stopped and started again on the same port
// and append-only file, and PostgreSQL restarted with `pg_ctl restart --mode fast`. Workers keep
// BullMQ's lock settings (30 s lock and stall check), longer than either outage.
import { incidentScenario } from './incident-run.js';
import { REDO_PER_INCIDENT } from './scenario.js';

const REDIS_RESTART = {
  full: { jobs: 4, items: 6_000, stepMs: 1, workers: 2, rounds: 2, downMs: 5_000 },
  short: { jobs: 2, items: 2_000, stepMs: 1, workers: 2, rounds: 1, downMs: 1_000 },
};
const POSTGRES_RESTART = {
  full: { jobs: 4, items: 6_000, stepMs: 1, workers: 2, rounds: 2 },
  short: { jobs: 2, items: 2_000, stepMs: 1, workers: 2, rounds: 1 },
};

export const redisRestart = incidentScenario({
  name: 'redis-restart',
  backends: ['redis'],
  params: REDIS_RESTART,
  boundPerRound: REDO_PER_INCIDENT,
  async prepare(ctx, p) {
    const redis = await ctx.servers.redis();
    return async () => {
      const startedAt = Date.now();
      await redis.restart(p.downMs);
      return `redis-server restarted (AOF), down ${Date.now() - startedAt} ms`;
    };
  },
});

export const postgresRestart = incidentScenario({
  name: 'postgres-restart',
  backends: ['postgres'],
  params: POSTGRES_RESTART,
  boundPerRound: REDO_PER_INCIDENT,
  async prepare(ctx) {
    const { restart } = await ctx.servers.postgres();
    if (restart === undefined) throw new Error('postgres-restart needs the private test cluster');
    return async () => {
      const startedAt = Date.now();
      await restart();
      return `pg_ctl restart --mode fast took ${Date.now() - startedAt} ms`;
    };
  },
});
