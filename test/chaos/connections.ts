// Connections dropped while the servers stay up: PostgreSQL backends terminated by the server
// (`pg_terminate_backend`, as a failover proxy or an administrator does) and Redis clients killed
// (`CLIENT KILL TYPE normal`), several rounds each.
import { incidentScenario } from './incident-run.js';
import { REDO_PER_INCIDENT } from './scenario.js';

const POSTGRES_TERMINATE = {
  full: { jobs: 4, items: 6_000, stepMs: 1, workers: 2, rounds: 5 },
  short: { jobs: 2, items: 2_000, stepMs: 1, workers: 2, rounds: 3 },
};
const REDIS_CLIENT_KILL = {
  full: { jobs: 4, items: 6_000, stepMs: 1, workers: 2, rounds: 5 },
  short: { jobs: 2, items: 2_000, stepMs: 1, workers: 2, rounds: 3 },
};

/** Every client backend but the one asking and the harness's own pool. */
const TERMINATE_SQL = `
  SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS terminated
    FROM pg_stat_activity
   WHERE datname = current_database()
     AND backend_type = 'client backend'
     AND pid <> pg_backend_pid()
     AND application_name <> 'chaos-harness'`;

export const postgresTerminate = incidentScenario({
  name: 'postgres-terminate',
  backends: ['postgres'],
  params: POSTGRES_TERMINATE,
  boundPerRound: REDO_PER_INCIDENT,
  async prepare(ctx) {
    const pool = await ctx.servers.postgresPool();
    return async () => {
      const { rows } = await pool.query<{ terminated: string }>(TERMINATE_SQL);
      return `pg_terminate_backend: ${rows[0]?.terminated ?? 0} connections`;
    };
  },
});

export const redisClientKill = incidentScenario({
  name: 'redis-client-kill',
  backends: ['redis'],
  params: REDIS_CLIENT_KILL,
  boundPerRound: REDO_PER_INCIDENT,
  async prepare(ctx) {
    const client = await ctx.servers.redisClient();
    return async () => {
      // SKIPME defaults to yes: the asking connection survives, every other normal one goes.
      const killed = await client.call('CLIENT', 'KILL', 'TYPE', 'normal');
      return `CLIENT KILL TYPE normal: ${String(killed)} connections`;
    };
  },
});
