// Timing helpers shared by the enumerator benchmarks.

/** One measured figure: rows per second of one way of reading a collection. */
export interface Result {
  /** What was measured, e.g. `keyset enumerator (for await)`. */
  readonly name: string;
  readonly rows: number;
  /** Best wall time of the rounds, in seconds: other processes only ever slow a round down. */
  readonly seconds: number;
  /** `rows / seconds`. */
  readonly rowsPerSecond: number;
  /** Name of the result this one is compared with, when it has one. */
  readonly baseline?: string;
  /**
   * Throughput relative to the baseline: the median, over the rounds, of this loop's rows per
   * second divided by the baseline's in the same round. Pairing each run with its neighbour cancels
   * most of the drift of a shared machine. The target for enumerators is 0.9 or more.
   */
  readonly ratio?: number;
}

/**
 * Runs `bare` and `subject` back to back `rounds` times, swapping which goes first each round.
 */
export async function compare(
  names: { readonly bare: string; readonly subject: string },
  rounds: number,
  bare: () => Promise<number>,
  subject: () => Promise<number>,
): Promise<Result[]> {
  const timings = { bare: [] as number[], subject: [] as number[] };
  const ratios: number[] = [];
  let rows = { bare: 0, subject: 0 };
  for (let round = 0; round < rounds; round++) {
    const early = round % 2 === 0 ? await timed(bare) : undefined;
    const measured = await timed(subject);
    const baseline = early ?? (await timed(bare));
    timings.bare.push(baseline.seconds);
    timings.subject.push(measured.seconds);
    ratios.push(baseline.seconds / measured.seconds);
    rows = { bare: baseline.rows, subject: measured.rows };
  }
  if (rows.bare !== rows.subject) {
    throw new Error(`${names.subject} read ${rows.subject} rows, ${names.bare} ${rows.bare}`);
  }
  const bareResult = result(names.bare, rows.bare, Math.min(...timings.bare));
  const subjectResult = result(names.subject, rows.subject, Math.min(...timings.subject));
  return [bareResult, { ...subjectResult, baseline: bareResult.name, ratio: median(ratios) }];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function timed(run: () => Promise<number>): Promise<{ rows: number; seconds: number }> {
  const started = process.hrtime.bigint();
  const rows = await run();
  return { rows, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

function result(name: string, rows: number, seconds: number): Result {
  return { name, rows, seconds, rowsPerSecond: rows / seconds };
}

/** Keeps the per-row work of every loop identical and impossible to optimize away. */
export class Sink {
  private checksum = 0;

  take(value: unknown): void {
    if (value !== undefined) this.checksum = (this.checksum + 1) | 0;
  }

  get value(): number {
    return this.checksum;
  }
}

/**
 * Runs one iteration job whose enumerator `build` makes (from the cursor the runtime passes) with a
 * no-op step, and resolves the number of items it processed.
 */
export type RuntimeRunner = (
  name: string,
  build: (cursor: unknown) => AsyncIterable<readonly [unknown, unknown]>,
) => Promise<number>;

/** Reads an enumerator to its end with a plain for-await loop, as a job's loop would. */
export async function drain(source: AsyncIterable<readonly [unknown, unknown]>): Promise<number> {
  const sink = new Sink();
  let count = 0;
  for await (const [item, cursor] of source) {
    sink.take(item);
    sink.take(cursor);
    count++;
  }
  return count;
}

/**
 * Adds to `results` (whose first row is the bare loop's) the enumerator run as an iteration job
 * by `runtime`, against the same bare loop; does nothing without a runner.
 */
export async function addThroughRuntime(
  results: Result[],
  label: string,
  rounds: number,
  bare: () => Promise<number>,
  runtime: RuntimeRunner | undefined,
  build: (cursor: unknown) => AsyncIterable<readonly [unknown, unknown]>,
): Promise<Result[]> {
  if (runtime === undefined) return results;
  const [, throughRuntime] = await compare(
    { bare: results[0]!.name, subject: `${label}: iteration job (coalesced checkpoints)` },
    rounds,
    bare,
    () => runtime(label, build),
  );
  return [...results, throughRuntime!];
}
