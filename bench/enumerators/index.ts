// Benchmarks of the enumerators against the bare loops they replace; see run.ts to run them alone.
import { benchmarkCsv } from './csv.js';
import { benchmarkKeyset } from './keyset.js';
import type { Result, RuntimeRunner } from './measure.js';

export type { Result, RuntimeRunner } from './measure.js';

export interface EnumeratorBenchmarkOptions {
  /** PostgreSQL to run the keyset benchmark on; without it, that benchmark is skipped. */
  readonly postgresUrl?: string;
  /** Rows per benchmark. @defaultValue 1_000_000 */
  readonly rows?: number;
  /** Rounds per comparison, each running both loops. @defaultValue 5 */
  readonly rounds?: number;
  /** Rows per statement for keyset. @defaultValue 1_000 */
  readonly batchSize?: number;
  /**
   * Runs an enumerator inside an iteration job on a real worker; when given, each benchmark also
   * measures the enumerator through the runtime (checkpoints included) against its bare loop.
   */
  readonly runtime?: RuntimeRunner;
}

/**
 * Measures rows per second of `keyset` vs a bare `SELECT … WHERE id > $1 ORDER BY id LIMIT n` loop
 * and of `csv` vs a bare csv-parse stream. Each enumerator result carries its `ratio` to the bare
 * loop; the target is 0.9 or more.
 */
export async function runEnumeratorBenchmarks(
  options: EnumeratorBenchmarkOptions = {},
): Promise<Result[]> {
  const common = {
    ...(options.rows === undefined ? {} : { rows: options.rows }),
    ...(options.rounds === undefined ? {} : { rounds: options.rounds }),
    ...(options.runtime === undefined ? {} : { runtime: options.runtime }),
  };
  const results: Result[] = [];
  if (options.postgresUrl !== undefined) {
    results.push(
      ...(await benchmarkKeyset({
        postgresUrl: options.postgresUrl,
        ...common,
        ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      })),
    );
  }
  results.push(...(await benchmarkCsv(common)));
  return results;
}
