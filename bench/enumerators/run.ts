// Runs the enumerator benchmarks alone:
//   npx tsx bench/enumerators/run.ts <postgres-url> [--rows N] [--rounds N] [--batch-size N]
// Without a URL only the CSV benchmark runs. Importing this file runs nothing.
import { availableParallelism, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import type { Result } from './index.js';
import { runEnumeratorBenchmarks } from './index.js';

export type { EnumeratorBenchmarkOptions, Result } from './index.js';
export { runEnumeratorBenchmarks } from './index.js';

/** One line per result: best rows per second, and the enumerators' share of the bare loop's. */
export function formatResults(results: readonly Result[]): string {
  return results
    .map((r) => {
      const ratio =
        r.ratio === undefined ? '' : `  ${(r.ratio * 100).toFixed(0)}% of the bare loop`;
      const rate = Math.round(r.rowsPerSecond).toLocaleString('en-US').padStart(11);
      return `${r.name.padEnd(36)} ${rate} rows/s  ${r.seconds.toFixed(2)} s${ratio}`;
    })
    .join('\n');
}

async function main(): Promise<void> {
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
  console.log(formatResults(results));
  // Other processes only slow a round down; the load says how much the figures may be off.
  const load = loadavg().map((value) => value.toFixed(2));
  console.log(`load average ${load.join(' ')} on ${availableParallelism()} cores`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
