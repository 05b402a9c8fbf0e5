// Timing helpers shared by the enumerator benchmarks.

/** One measured figure: rows per second of one way of reading a collection. */
export interface Result {
  /** What was measured, e.g. `keyset enumerator (for await)`. */
  readonly name: string;
  readonly rows: number;
  /** Best wall time of the rounds, in seconds. */
  readonly seconds: number;
  readonly rowsPerSecond: number;
  /** Name of the result this one is compared with, when it has one. */
  readonly baseline?: string;
  /** `rowsPerSecond` divided by the baseline's; the target for enumerators is 0.9 or more. */
  readonly ratio?: number;
}

/**
 * Runs `bare` and `subject` alternately `rounds` times, swapping which goes first each round, and
 * reports the best time of each, the subject as a ratio of the bare loop. Best rather than median:
 * on a shared machine other processes only ever slow a round down, so the fastest round is the
 * closest to what the code itself costs.
 */
export async function compare(
  names: { readonly bare: string; readonly subject: string },
  rounds: number,
  bare: () => Promise<number>,
  subject: () => Promise<number>,
): Promise<Result[]> {
  const timings = { bare: [] as number[], subject: [] as number[] };
  let rows = { bare: 0, subject: 0 };
  for (let round = 0; round < rounds; round++) {
    const early = round % 2 === 0 ? await timed(bare) : undefined;
    const measured = await timed(subject);
    const baseline = early ?? (await timed(bare));
    timings.bare.push(baseline.seconds);
    timings.subject.push(measured.seconds);
    rows = { bare: baseline.rows, subject: measured.rows };
  }
  if (rows.bare !== rows.subject) {
    throw new Error(`${names.subject} read ${rows.subject} rows, ${names.bare} ${rows.bare}`);
  }
  const bareResult = result(names.bare, rows.bare, Math.min(...timings.bare));
  const subjectResult = result(names.subject, rows.subject, Math.min(...timings.subject));
  return [
    bareResult,
    {
      ...subjectResult,
      baseline: bareResult.name,
      ratio: subjectResult.rowsPerSecond / bareResult.rowsPerSecond,
    },
  ];
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
