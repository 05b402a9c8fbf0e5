// What a run costs the stores as it grows (docs/scaling.md): store operations and bytes per item
// and per checkpoint, per partition and per run; the reads an operator makes as partitions grow;
// what running partitions cost per second, and a run at its rate limit; memory per run in a worker.
// Counts, not timings (see scaling-meter.ts), on private Redis and PostgreSQL servers started as
// the tests start theirs, with every worker in this process so the library's calls can be counted
// too. Prints Markdown; docs/scaling.md holds a copy of a full run's tables and the model.
//   npx tsx bench/scaling.ts [--quick] [--backend redis|postgres] [--only plain|parallel|steady|memory] [--json file]
// (`steady` includes the rate-limited run.) About 3½ minutes in full on a 2-core machine.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

import { createPostgresBackend } from 'bullmq';

import { redisOptionsFromUrl } from '../src/index.js';
import { startPostgres } from '../test/setup/postgres-server.js';
import { startRedis } from '../test/setup/redis-server.js';
import { countLibraryCalls } from './scaling-calls.js';
import type { Target } from './scaling-harness.js';
import { closeCost } from './scaling-harness.js';
import type { MemoryResult } from './scaling-memory.js';
import { memoryPerRun } from './scaling-memory.js';
import {
  enableStatements,
  postgresMeter,
  redisMeter,
  startByteProxy,
  Window,
} from './scaling-meter.js';
import { renderScaling } from './scaling-report.js';
import type { ParallelResult, PlainResult, RateResult, SteadyResult } from './scaling-scenarios.js';
import { parallelRun, plainRun, rateRun, steadyRun } from './scaling-scenarios.js';
import type { UnitCosts } from './scaling-units.js';
import { unitCosts } from './scaling-units.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    backend: { type: 'string' },
    only: { type: 'string' },
    json: { type: 'string' },
  },
});
const quick = values.quick;
const SIZES = quick
  ? { large: 20_000, paced: 300, strict: 300, partitions: [1, 4, 16], parallelItems: 2_560 }
  : {
      large: 100_000,
      paced: 2_000,
      strict: 2_000,
      partitions: [1, 4, 16, 64, 256],
      parallelItems: 25_600,
    };
// Partitions × worker instances held running. Ending a run costs O(partitions²) job reads (see
// docs/scaling.md), which is what bounds these sizes on a small machine, PostgreSQL most.
const STEADY: Record<Target['name'], [partitions: number, workers: number][]> = quick
  ? {
      Redis: [
        [16, 1],
        [64, 2],
      ],
      PostgreSQL: [
        [16, 1],
        [64, 2],
      ],
    }
  : {
      Redis: [
        [16, 1],
        [256, 1],
        [256, 4],
      ],
      PostgreSQL: [
        [16, 1],
        [256, 1],
      ],
    };
// A multiple of 2 s: a partition whose item outlasts the progress interval publishes every 2 s.
const STEADY_SECONDS = quick ? 2 : 4;
const MEMORY_RUNS = quick ? 100 : 200;
const wanted = (section: string) => values.only === undefined || values.only === section;
const log = (line: string) => process.stderr.write(`${line}\n`);

countLibraryCalls();
const [redis, postgres] = await Promise.all([startRedis(), startPostgres()]);
const statements = await enableStatements(postgres.url, postgres.restart);
const proxy = await startByteProxy(postgres.url);
const meters = [redisMeter(redis.url), postgresMeter(postgres.url, proxy, statements)];
const targets: Target[] = [
  {
    name: 'Redis',
    connection: redisOptionsFromUrl(redis.url),
    backendFactory: undefined,
    window: new Window(meters[0]!),
    settleMs: 0,
  },
  {
    name: 'PostgreSQL',
    connection: proxy.url,
    backendFactory: createPostgresBackend,
    window: new Window(meters[1]!),
    settleMs: 800,
  },
];
const load = loadavg()[0]!;
const plain: PlainResult[] = [];
const parallel: ParallelResult[] = [];
const steady: SteadyResult[] = [];
const memory: MemoryResult[] = [];
const units: UnitCosts[] = [];
const rates: RateResult[] = [];
try {
  for (const target of targets) {
    if (values.backend !== undefined && !target.name.toLowerCase().startsWith(values.backend)) {
      continue;
    }
    await target.window.calibrate();
    const close = await closeCost(target);
    if (wanted('plain')) {
      log(`${target.name}: plain runs`);
      const noop = { kind: 'noop' } as const;
      plain.push(await plainRun(target, 'no-op items', 'coalesced', 10, noop, close));
      plain.push(await plainRun(target, 'no-op items', 'coalesced', SIZES.large, noop, close));
      const paced = { kind: 'sleep', ms: 1 } as const;
      plain.push(await plainRun(target, '1 ms items', 'coalesced', SIZES.paced, paced, close));
      plain.push(await plainRun(target, 'no-op items', 'strict', SIZES.strict, noop, close));
      units.push(await unitCosts(target));
    }
    if (wanted('parallel')) {
      for (const p of SIZES.partitions) {
        log(`${target.name}: a parallel run of ${p} partitions`);
        parallel.push(await parallelRun(target, p, SIZES.parallelItems, close));
      }
    }
    if (wanted('steady')) {
      for (const [p, w] of STEADY[target.name]) {
        log(`${target.name}: ${p} partitions running on ${w} worker(s)`);
        steady.push(await steadyRun(target, p, w, STEADY_SECONDS));
      }
      const p = quick ? 16 : 64;
      log(`${target.name}: ${p} partitions under a run rate limit`);
      rates.push(await rateRun(target, p, 100 * p, STEADY_SECONDS));
    }
    if (wanted('memory')) {
      log(`${target.name}: memory per run`);
      memory.push(await memoryPerRun(target, 'plain runs', MEMORY_RUNS));
      memory.push(await memoryPerRun(target, 'partitions of one run', MEMORY_RUNS));
    }
  }
  const machine = {
    cpu: `${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    load,
    statements,
    date: new Date().toISOString().slice(0, 10),
    quick,
  };
  const results = { machine, plain, units, parallel, steady, rates, memory };
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(results, null, 1));
  console.log(renderScaling(results).join('\n'));
} finally {
  await Promise.all(meters.map((m) => m.close()));
  await proxy.stop();
  await Promise.all([redis.stop(), postgres.stop()]);
}
