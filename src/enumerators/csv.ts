/**
 * `csv` and `csvBatches`: the records of a CSV file, parsed by csv-parse. The cursor holds the byte
 * offset where the next record starts, so a job resumed at row 900,000 of a million opens the file
 * there instead of parsing it again from the top. Offsets come from the parser itself, which knows
 * where a record really ends (a quoted field may hold newlines, a line end may be CRLF).
 */
import type { IterationEnumerator } from '../enumerator.js';
import { batches } from './batches.js';
import type { CsvColumns, CsvCursor, CsvParserOptions } from './csv-reader.js';
import { readCsv } from './csv-reader.js';
import { enumerable } from './enumerable.js';
import {
  cursorError,
  isIndex,
  isObject,
  optionError,
  optionsObject,
  positiveInteger,
} from './validate.js';

export interface CsvOptions {
  /** Path of the file. It must not change while the job runs (appending is fine). */
  readonly path: string;
  /**
   * Whether the first record is a header. With a header and no `columns`, records are objects
   * keyed by the header's names; without either, arrays of fields. @defaultValue true
   */
  readonly header?: boolean;
  /**
   * Names for the fields, making records objects: an array (which replaces the header, if any),
   * or a function from the header's names to the names to use.
   */
  readonly columns?: CsvColumns;
  /**
   * More csv-parse options: `delimiter`, `quote`, `cast`, `trim`, `skip_empty_lines`, `comment`,
   * `from_line`, `relax_column_count`, `encoding`, … `bom` defaults to true here.
   */
  readonly parse?: CsvParserOptions;
  /**
   * Byte offset where reading starts, for a partition of the file: a record start, as
   * `csvPartitions` plans it (the header, if any, is still read from the top of the file).
   * @defaultValue 0
   */
  readonly start?: number;
  /**
   * Byte offset where reading stops, excluded: the start of the next partition's first record.
   * `null` (or omitted) reads to the end of the file.
   */
  readonly end?: number | null;
  /** The cursor the runtime passed: `null` (or omitted) to start at the first record. */
  readonly cursor?: unknown;
}

export type { CsvColumns, CsvCursor, CsvParserOptions } from './csv-reader.js';

const NOT_PASSED_THROUGH = [
  'columns',
  'from',
  'to',
  'to_line',
  'toLine',
  'info',
  'raw',
  'objname',
  'on_record',
  'onRecord',
  'cast_first_line_to_header',
  'castFirstLineToHeader',
];

/**
 * Enumerates the records of the CSV file at `path`, the cursor being the byte offset after each.
 *
 * A resume opens the file at the saved offset. With a header, the header is read again from the
 * start of the file (a few bytes) rather than kept in every cursor. A UTF-8 or UTF-16LE byte order
 * mark is skipped. Records spanning several lines (quoted newlines) and CRLF line ends resume
 * correctly. `size()` is not offered: counting records means reading the whole file.
 *
 * With `start` and `end` (a partition planned by `csvPartitions`), only the records that start in
 * that byte range are read; both must be record starts, which only a parse from the top of the
 * file can tell.
 *
 * @example
 * ```ts
 * defineIterationJob({
 *   name: 'import-customers',
 *   buildEnumerator: ({ params, cursor }) =>
 *     csv<{ email: string; name: string }>({ path: params.path, parse: { trim: true }, cursor }),
 *   async eachIteration(row) { await customers.upsert(row); },
 * });
 * // One partition of a parallel run.
 * buildEnumerator: ({ params, cursor, partition }) =>
 *   csv({ path: params.path, start: partition.start, end: partition.end, cursor }),
 * ```
 */
export function csv<Row = Record<string, string>>(
  options: CsvOptions,
): IterationEnumerator<Row, CsvCursor> {
  return buildCsv<Row>(options, 'csv');
}

/**
 * Enumerates the records of a CSV file in arrays of `batchSize`, the cursor of a batch being that
 * of its last record. Otherwise the same as `csv`.
 *
 * @example
 * ```ts
 * buildEnumerator: ({ params, cursor }) => csvBatches({ path: params.path, batchSize: 500, cursor }),
 * async eachIteration(rows) { await db.insertMany('imports', rows); },
 * ```
 */
export function csvBatches<Row = Record<string, string>>(
  options: CsvOptions & { readonly batchSize: number },
): IterationEnumerator<Row[], CsvCursor> {
  optionsObject('csvBatches', options, "csvBatches({ path: 'data.csv', batchSize: 500, cursor })");
  const batchSize = positiveInteger('csvBatches', 'batchSize', options.batchSize);
  return batches(buildCsv<Row>(options, 'csvBatches'), batchSize);
}

function buildCsv<Row>(options: CsvOptions, source: string): IterationEnumerator<Row, CsvCursor> {
  optionsObject(source, options, `${source}({ path: 'data.csv', cursor })`);
  const { path, header = true, columns } = options;
  if (typeof path !== 'string' || path === '') {
    throw optionError(source, 'path', path, 'the path of a CSV file');
  }
  if (typeof header !== 'boolean') throw optionError(source, 'header', header, 'a boolean');
  if (
    columns !== undefined &&
    typeof columns !== 'function' &&
    !(Array.isArray(columns) && columns.every((name) => typeof name === 'string'))
  ) {
    throw optionError(source, 'columns', columns, 'an array of names or a function of the header');
  }
  const parse = options.parse ?? {};
  if (!isObject(parse)) throw optionError(source, 'parse', parse, 'an object of csv-parse options');
  const refused = NOT_PASSED_THROUGH.find((key) => key in parse);
  if (refused !== undefined) {
    throw optionError(
      source,
      `parse.${refused}`,
      (parse as Record<string, unknown>)[refused],
      `absent: ${source} sets it itself (use \`header\` and \`columns\` for names)`,
    );
  }
  const { start, end } = csvBounds(source, options);

  if (typeof columns === 'function' && !header) {
    throw optionError(source, 'columns', columns, 'an array of names when `header` is false');
  }

  return enumerable(() => readCsv<Row>({ source, path, header, columns, parse, start, end }));
}

function csvBounds(
  source: string,
  options: CsvOptions,
): { start: CsvCursor; end: number | undefined } {
  const from = options.start ?? 0;
  if (!isIndex(from)) {
    throw optionError(source, 'start', from, 'a byte offset (an integer of 0 or more)');
  }
  const end = options.end ?? undefined;
  if (end !== undefined && (!isIndex(end) || end < from)) {
    throw optionError(source, 'end', end, `null or a byte offset of at least \`start\` (${from})`);
  }
  const cursor = options.cursor;
  if (cursor === null || cursor === undefined) return { start: { offset: from, rows: 0 }, end };
  if (
    !isObject(cursor) ||
    !isIndex(cursor.offset) ||
    !isIndex(cursor.rows) ||
    Object.keys(cursor).length !== 2 ||
    cursor.offset < from ||
    (end !== undefined && cursor.offset > end)
  ) {
    const range =
      end !== undefined ? `, from ${from} to ${end}` : from > 0 ? `, ${from} or more` : '';
    throw cursorError(
      source,
      cursor,
      `null or { offset: <byte offset of the next record${range}>, rows: <records done> }`,
    );
  }
  return { start: cursor as unknown as CsvCursor, end };
}
