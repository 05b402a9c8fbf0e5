// What each feature adds per item when on, in paired rounds against the plain no-op job on Redis
// (see bench/costs.ts); starts its own Redis and PostgreSQL (the transactions' database). Prints
// one JSON line per figure and the markdown table of docs/benchmarks.md's section:
//   tsx bench/feature-costs.ts [--items 300000] [--rounds 7]
// --items sets the no-op runs; the durable-write and transactional runs scale with it.
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import { redisOptionsFromUrl } from '../src/index.js';
import { startPostgres } from '../test/setup/postgres-server.js';
import { startRedis } from '../test/setup/redis-server.js';
import type { CostSizes } from './costs.js';
import { benchmarkCosts, FULL_COST_SIZES } from './costs.js';
import { costsJsonLines, renderCosts } from './costs-report.js';

const { values } = parseArgs({
  options: {
    items: { type: 'string' },
    rounds: { type: 'string' },
  },
});
// Odd, so the median is one round's figure; seven pairs of a few seconds take about two minutes.
const rounds = Number(values.rounds ?? 7);
const items = Number(values.items ?? FULL_COST_SIZES.items);
for (const [name, value] of [
  ['--items', items],
  ['--rounds', rounds],
] as const) {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new TypeError(`Expected \`${name}\` to be a whole number ≥ 1, got \`${value}\``);
  }
}
// The full sizes' proportions, so a small smoke run stays small everywhere.
const scale = items / FULL_COST_SIZES.items;
const sizes: CostSizes = {
  items,
  durable: Math.max(100, Math.round(FULL_COST_SIZES.durable * scale)),
  transactions: Math.max(100, Math.round(FULL_COST_SIZES.transactions * scale)),
};

const servers = await Promise.all([startRedis(), startPostgres()]);
const [redis, postgres] = servers;
const load = loadavg()[0]!;
try {
  const rows = await benchmarkCosts(
    { name: 'Redis', connection: redisOptionsFromUrl(redis!.url), backendFactory: undefined },
    postgres!.url,
    sizes,
    rounds,
    (line) => process.stderr.write(`${line}\n`),
  );
  for (const line of costsJsonLines(rows, load, rounds)) console.log(line);
  console.log(`\n${renderCosts(rows, rounds).join('\n')}`);
  console.log(`1-minute load average at the start: ${load.toFixed(2)}`);
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}
