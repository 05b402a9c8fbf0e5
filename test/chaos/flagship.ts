// The flagship scenario (see test/support/flagship.ts) with the harness's own PostgreSQL restarted
// under the run: a keyset-partitioned, rebalancing, transactional backfill of 2,000,000 rows
// (200,000 in the short form) with broken rows, on three worker processes, through SIGKILLs, a
// `pg_ctl restart` and a rolling deploy; then the broken rows fixed and replayed. On the Redis
// queue and on the PostgreSQL queue (which the restart takes down too).
import { runFlagship } from '../support/flagship.js';
import type { Scenario, ScenarioResult } from './scenario.js';
import { pick } from './scenario.js';

const FLAGSHIP = {
  full: { rows: 2_000_000, brokenRows: 20, kills: 4, timeoutMs: 40 * 60_000 },
  short: { rows: 200_000, brokenRows: 10, kills: 3, timeoutMs: 10 * 60_000 },
};

export const flagship: Scenario = {
  name: 'flagship',
  backends: ['redis', 'postgres'],
  timeoutMs: FLAGSHIP.full.timeoutMs + 5 * 60_000,
  async run(ctx, target) {
    const p = pick(ctx, FLAGSHIP.full, FLAGSHIP.short);
    const postgres = await ctx.servers.postgres();
    const restart = postgres.restart;
    if (restart === undefined) throw new Error('flagship needs the private PostgreSQL cluster');
    const queue = target.queue(`chaos-flagship-${Date.now().toString(36)}`);
    const r = await runFlagship({
      backend: target.name === 'redis' ? 'redis' : 'postgres',
      queueUrl: target.workerUrl,
      queue,
      dataUrl: postgres.url,
      rows: p.rows,
      brokenRows: p.brokenRows,
      kills: p.kills,
      outage: async () => {
        const startedAt = Date.now();
        await restart();
        return `pg_ctl restart --mode fast took ${Date.now() - startedAt} ms`;
      },
      timeoutMs: p.timeoutMs,
      log: ctx.log,
    });
    const recordedOnce = new Set(r.recorded).size === r.recorded.length;
    const problems = [
      ...(r.duplicates > 0 ? [`${r.duplicates} duplicate effects`] : []),
      ...(r.missing > 0 ? [`${r.missing} good rows without an effect`] : []),
      ...(r.brokenWithEffects > 0 ? [`${r.brokenWithEffects} effects of broken rows`] : []),
      ...(!recordedOnce || r.recorded.length !== r.broken.length
        ? [`recorded ${r.recorded.length} broken rows (${r.broken.length} broken)`]
        : []),
      ...(r.replayed !== r.broken.length ? [`the replay processed ${r.replayed}`] : []),
      ...(r.leftAfterReplay > 0 ? [`${r.leftAfterReplay} left in the list after the replay`] : []),
      ...(r.wrongAfterReplay > 0 ? [`${r.wrongAfterReplay} rows not exactly once after it`] : []),
      ...(r.kills < p.kills ? [`only ${r.kills} of ${p.kills} kills (the run ended)`] : []),
      ...(r.outages < 1 ? ['no restart (the run ended)'] : []),
    ];
    const result: ScenarioResult = {
      scenario: 'flagship',
      backend: target.name,
      items: r.rows,
      lost: r.missing,
      duplicates: r.duplicates,
      bound: 0,
      completed: 2,
      failed: 0,
      unfinished: 0,
      jobs: 2,
      crashes: 0,
      wallMs: r.wallMs,
      pass: problems.length === 0,
      notes: [
        ...problems,
        `${r.kills} SIGKILLs, ${r.outages} PostgreSQL restart, rolling deploy of ${r.deployed}; ` +
          `${r.recorded.length} broken rows recorded, ${r.replayed} replayed, ` +
          `${r.leftAfterReplay} left`,
        ...r.notes,
      ],
    };
    await queue.close();
    return result;
  },
};
