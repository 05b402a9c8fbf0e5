/**
 * `csvPartitions`: byte ranges of a CSV file, each starting where a record starts. A byte offset
 * in the middle of a file cannot tell whether it is inside a quoted field (a quoted field may hold
 * newlines, quotes and delimiters), so the boundaries are found by parsing from the top of the file
 * with the same parser and options the `csv` enumerator uses: each boundary is a cursor the
 * enumerator itself would save, and so a place it can resume from.
 */
import { stat } from 'node:fs/promises';

import type { CsvParserOptions } from '../enumerators/csv.js';
import { csv } from '../enumerators/csv.js';
import { optionError, optionsObject, positiveInteger } from '../enumerators/validate.js';
import { EnumeratorError } from '../errors.js';

/**
 * One partition of a CSV file: the records that start in bytes `[start, end)`. A type alias, not
 * an interface, so that it is assignable to `JsonValue`.
 */
export type CsvPartition = {
  /** Byte offset of the partition's first record (0 for the first partition, header included). */
  readonly start: number;
  /** Byte offset of the next partition's first record; `null` for the last one (end of file). */
  readonly end: number | null;
};

export interface CsvPartitionsOptions {
  /** Path of the file, as `csv` takes it. */
  readonly path: string;
  /** How many partitions at most; fewer when the file has fewer records. */
  readonly count: number;
  /** Whether the first record is a header, as for `csv`. @defaultValue true */
  readonly header?: boolean;
  /**
   * The csv-parse options the partitions' enumerators use (delimiter, quote, escape, comment,
   * `from_line`…): they decide where records end, so give the same ones here.
   */
  readonly parse?: CsvParserOptions;
}

/**
 * Plans up to `count` partitions of about the same number of bytes of the CSV file at `path`, each
 * starting at a record start, so that `csv({ path, start, end, cursor })` per partition reads every
 * record once. The first partition starts at byte 0 and reads the header; the others read it
 * from the top of the file too, so every partition's records are keyed the same way. A quoted field
 * holding newlines is never split, and CRLF line ends are kept whole.
 *
 * Cost: one parse from the top of the file to the last boundary (most of the file), at csv-parse's
 * speed. Always returns at least one partition; the last one has `end: null`, so records appended
 * after planning go to it.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'import-customers',
 *   partitions: ({ params }) => csvPartitions({ path: params.path, count: 8 }),
 *   buildEnumerator: ({ params, cursor, partition }) =>
 *     csv({ path: params.path, start: partition.start, end: partition.end, cursor }),
 *   async eachIteration(row) { await customers.upsert(row); },
 * });
 * ```
 */
export async function csvPartitions(options: CsvPartitionsOptions): Promise<CsvPartition[]> {
  const source = 'csvPartitions';
  optionsObject(source, options, "csvPartitions({ path: 'data.csv', count: 8 })");
  const { path, header, parse } = options;
  const count = positiveInteger(source, 'count', options.count);
  if (typeof path !== 'string' || path === '') {
    throw optionError(source, 'path', path, 'the path of a CSV file');
  }
  const size = await fileSize(path, source);
  const boundaries: number[] = [];
  if (count > 1 && size > 0) {
    // Boundary i is the first record start at or after byte ⌈i · size / count⌉.
    let next = 1;
    const target = () => Math.ceil((next * size) / count);
    const records = csv({
      path,
      ...(header === undefined ? {} : { header }),
      ...(parse === undefined ? {} : { parse }),
    });
    for await (const [, cursor] of records) {
      if (next >= count || cursor.offset >= size) break;
      if (cursor.offset < target()) continue;
      boundaries.push(cursor.offset);
      while (next < count && target() <= cursor.offset) next++;
    }
  }
  const partitions: CsvPartition[] = [];
  let start = 0;
  for (const end of boundaries) {
    partitions.push({ start, end });
    start = end;
  }
  partitions.push({ start, end: null });
  return partitions;
}

async function fileSize(path: string, source: string): Promise<number> {
  try {
    const stats = await stat(path);
    if (stats.isFile()) return stats.size;
  } catch (error) {
    throw new EnumeratorError(
      `${source}: cannot read \`path\` "${path}": ${(error as Error).message}. Expected the path ` +
        `of a readable CSV file (relative paths start at ${process.cwd()}).`,
      { source },
    );
  }
  throw optionError(source, 'path', path, 'the path of a regular file');
}
