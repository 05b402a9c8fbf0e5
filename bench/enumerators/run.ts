// Runs the enumerator benchmarks alone:
//   npx tsx bench/enumerators/run.ts <postgres-url> [--rows N] [--rounds N] [--batch-size N]
// Without a URL only the CSV benchmark runs.
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';

import type { Result } from './index.js';
import { runEnumeratorBenchmarks } from './index.js';

export { runEnumeratorBenchmarks } from './index.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    rows: { type: 'string' },
    rounds: { type: 'string' },
    'batch-size': { type: 'string' },
  },
});

const results = await runEnumeratorBenchmarks({
  ...(positionals[0] === undefined ? {} : { postgresUrl: positionals[0] }),
  ...(values.rows === undefined ? {} : { rows: Number(values.rows) }),
  ...(values.rounds === undefined ? {} : { rounds: Number(values.rounds) }),
  ...(values['batch-size'] === undefined ? {} : { batchSize: Number(values['batch-size']) }),
});
console.log(format(results));
// Other processes only slow a round down; the load says how much the figures may be off.
console.log(
  `load average ${loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')} on ${availableParallelism()} cores`,
);

function format(rows: readonly Result[]): string {
  const lines = rows.map((r) => {
    const ratio = r.ratio === undefined ? '' : `  ${(r.ratio * 100).toFixed(0)}% of the bare loop`;
    const rate = Math.round(r.rowsPerSecond).toLocaleString('en-US').padStart(11);
    return `${r.name.padEnd(36)} ${rate} rows/s  ${r.seconds.toFixed(2)} s${ratio}`;
  });
  return lines.join('\n');
}
