// Per-item overhead in paired rounds: a bare async loop against the coalesced runtime on Redis,
// PostgreSQL and PGlite, and the keyset and CSV enumerators inside a job against their bare loops.
// Each round runs the pair back to back (the order swapped every round) and the figure is the
// median of the per-round ratios, which cancels most of the drift of a shared machine. Prints one
// JSON line per figure and a table, so two checkouts can be measured in turn and compared:
//   tsx bench/overhead.ts [--rounds 5] [--items 3000000] [--rows 1000000] [--no-enumerators]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { createPostgresBackend } from 'bullmq';

import { redisOptionsFromUrl } from '../src/index.js';
import { startPglite } from '../test/setup/pglite-server.js';
import { startPostgres } from '../test/setup/postgres-server.js';
import { startRedis } from '../test/setup/redis-server.js';
import { runEnumeratorBenchmarks } from './enumerators/index.js';
import type { BackendTarget } from './runtime.js';
import { bareLoop, iterationRun, runtimeRunner } from './runtime.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string' },
    items: { type: 'string' },
    rows: { type: 'string' },
    'no-enumerators': { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds ?? 5);
const items = Number(values.items ?? 3_000_000);
const rows = Number(values.rows ?? 1_000_000);

interface Figure {
  readonly name: string;
  readonly ratio: number;
  readonly perSecond: number;
  readonly barePerSecond: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function pairs(target: BackendTarget, n: number): Promise<Figure> {
  const ratios: number[] = [];
  let best = Infinity;
  let bestBare = Infinity;
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0 ? await bareLoop(n) : undefined;
    const runtime = await iterationRun(target, n, 'coalesced');
    const bare = first ?? (await bareLoop(n));
    ratios.push(bare / runtime);
    best = Math.min(best, runtime);
    bestBare = Math.min(bestBare, bare);
    process.stderr.write(`${target.name} round ${round + 1}: ${(bare / runtime).toFixed(2)}\n`);
  }
  return {
    name: `coalesced no-op, ${target.name}`,
    ratio: median(ratios),
    perSecond: n / best,
    barePerSecond: n / bestBare,
  };
}

const servers = await Promise.all([startRedis(), startPostgres(), startPglite()]);
const [redis, postgres, pglite] = servers;
const load = loadavg()[0]!;
try {
  const redisTarget: BackendTarget = {
    name: 'Redis',
    connection: redisOptionsFromUrl(redis!.url),
    backendFactory: undefined,
  };
  const targets: [BackendTarget, number][] = [
    [redisTarget, items],
    [
      { name: 'PostgreSQL', connection: postgres!.url, backendFactory: createPostgresBackend },
      items,
    ],
    [
      {
        name: 'PGlite',
        connection: pglite!.url,
        backendFactory: createPostgresBackend,
        workerOptions: { drainDelay: 0.2 },
      },
      Math.round(items / 3),
    ],
  ];
  const figures: Figure[] = [];
  for (const [target, n] of targets) figures.push(await pairs(target, n));
  if (!values['no-enumerators']) {
    const results = await runEnumeratorBenchmarks({
      postgresUrl: postgres!.url,
      rows,
      rounds,
      runtime: runtimeRunner(redisTarget),
    });
    for (const r of results) {
      if (r.ratio === undefined || !r.name.includes('iteration job')) continue;
      const bare = results.find((b) => b.name === r.baseline)!;
      figures.push({
        name: r.name,
        ratio: r.ratio,
        perSecond: r.rowsPerSecond,
        barePerSecond: bare.rowsPerSecond,
      });
    }
  }
  for (const f of figures) console.log(JSON.stringify({ ...f, load, rounds }));
  console.log(
    '\n| figure | bare /s (best) | runtime /s (best) | ratio (median of paired rounds) |',
  );
  console.log('|---|---:|---:|---:|');
  for (const f of figures) {
    console.log(
      `| ${f.name} | ${Math.round(f.barePerSecond).toLocaleString('en-US')} | ${Math.round(f.perSecond).toLocaleString('en-US')} | ${f.ratio.toFixed(2)}× |`,
    );
  }
  console.log(`\n1-minute load average at the start: ${load.toFixed(2)}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}
