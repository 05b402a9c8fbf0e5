/**
 * Reading a CSV file from a byte offset for `csv`: opening the file there, finding the header and
 * encoding a resume does not read again, and learning where each record ends from csv-parse.
 * csv-parse is loaded on first use, so only jobs that read CSV need it installed.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { Transform } from 'node:stream';

import type * as csvParse from 'csv-parse';
import type { Options as CsvParseOptions } from 'csv-parse';

import type { BufferedIterator, EnumeratorPair } from '../enumerator.js';
import { CursorError, EnumeratorError } from '../errors.js';
import type { Puller } from './stream-pull.js';
import { pull } from './stream-pull.js';
import { shown } from './validate.js';

/**
 * Cursor of `csv`: the byte offset where the next record starts, and how many records were done
 * before it (for messages and progress; resuming only needs the offset).
 */
export interface CsvCursor {
  readonly offset: number;
  readonly rows: number;
}

/** Options of csv-parse that `csv` passes through (a resume depends on it owning the others). */
export type CsvParserOptions = Omit<
  CsvParseOptions,
  | 'columns'
  | 'from'
  | 'to'
  | 'to_line'
  | 'toLine'
  | 'info'
  | 'raw'
  | 'objname'
  | 'on_record'
  | 'onRecord'
  | 'cast_first_line_to_header'
  | 'castFirstLineToHeader'
>;

/** Names for the fields: an array, or a function from the header's names. */
export type CsvColumns = readonly string[] | ((header: string[]) => string[]);

export interface CsvReadPlan {
  readonly source: string;
  readonly path: string;
  readonly header: boolean;
  readonly columns: CsvColumns | undefined;
  readonly parse: CsvParserOptions;
  readonly start: CsvCursor;
  /** Byte offset where reading stops, excluded; `undefined` for the end of the file. */
  readonly end?: number | undefined;
}

type CsvParse = typeof csvParse;
type ColumnsOption = NonNullable<CsvParseOptions['columns']>;

let loading: Promise<{ module: CsvParse; OffsetParser: new (o: CsvParseOptions) => Transform }>;

/** A record and the byte offset just past it, relative to where reading started. */
type Parsed = readonly [record: unknown, bytes: number];

function loadCsvParse() {
  return (loading ??= import('csv-parse').then(withOffsets, (error: unknown) => {
    throw new EnumeratorError(
      `csv: cannot load the csv-parse package (${(error as Error).message}); install it next to ` +
        `bullmq-iteration: npm install csv-parse`,
      { source: 'csv' },
    );
  }));
}

function withOffsets(module: CsvParse) {
  // Each record comes out paired with the parser's byte count at the moment it is pushed: the
  // offset just past the record and its line end. Reading `info` from the parser here costs
  // nothing, where csv-parse's own `info: true` copies a dozen fields per record and halves the
  // throughput.
  class OffsetParser extends module.Parser {
    override push(record: unknown, encoding?: BufferEncoding): boolean {
      return super.push(record === null ? null : [record, this.info.bytes], encoding);
    }
  }
  return { module, OffsetParser: OffsetParser as new (o: CsvParseOptions) => Transform };
}

/**
 * An iterator over the records from `plan.start`; nothing is opened before the first `next()`.
 * Records the parser has buffered are handed out by `nextBuffered()` without a promise turn.
 */
export function readCsv<Row>(plan: CsvReadPlan): BufferedIterator<EnumeratorPair<Row, CsvCursor>> {
  let opened: Promise<Puller<Parsed>> | undefined;
  /** The puller once open: `nextBuffered` reads it synchronously. */
  let puller: Puller<Parsed> | undefined;
  let rows = plan.start.rows;
  // A partition read to its end (or an empty one) opens nothing.
  let done = plan.end !== undefined && plan.start.offset >= plan.end;
  const pair = (parsed: Parsed) => {
    rows++;
    const cursor = { offset: plan.start.offset + parsed[1], rows };
    return [parsed[0] as Row, cursor] as const;
  };
  return {
    async next() {
      if (done) return { done: true, value: undefined };
      try {
        puller ??= await (opened ??= openAt(plan));
        const parsed = await puller.next();
        if (parsed === undefined) {
          done = true;
          return { done: true, value: undefined };
        }
        return { done: false, value: pair(parsed) };
      } catch (error) {
        done = true;
        throw await parseError(plan, rows, error);
      }
    },
    nextBuffered() {
      if (done || puller === undefined) return undefined;
      const parsed = puller.nextBuffered();
      return parsed === undefined ? undefined : pair(parsed);
    },
    async return() {
      done = true;
      if (opened !== undefined) (await opened.catch(() => undefined))?.close();
      return { done: true, value: undefined };
    },
  };
}

async function openAt(plan: CsvReadPlan): Promise<Puller<Parsed>> {
  const { OffsetParser } = await loadCsvParse();
  await checkFile(plan);
  const { path, parse, start } = plan;
  const resuming = start.offset > 0;
  const options: CsvParseOptions = { bom: true, ...parse };
  if (resuming) {
    // These apply to the top of the file, which a resume does not read.
    delete options.from_line;
    delete options.fromLine;
    // A UTF-16 file is recognized by its byte order mark, which a resume does not read either.
    if (options.bom !== false && options.encoding === undefined && (await isUtf16(path))) {
      options.encoding = 'utf16le';
    }
  }
  options.columns = resuming ? await resumedColumns(plan) : firstColumns(plan);
  // `end` of a read stream is inclusive.
  const input = createReadStream(path, {
    start: start.offset,
    ...(plan.end === undefined ? {} : { end: plan.end - 1 }),
  });
  const parser = input.pipe(new OffsetParser(options));
  // pipe() does not forward errors: a read error must end the iteration, not hang it.
  input.once('error', (error) => parser.destroy(error));
  const records = pull<Parsed>(parser);
  return {
    next: () => records.next(),
    nextBuffered: () => records.nextBuffered(),
    close() {
      input.destroy();
      records.close();
    },
  };
}

async function checkFile({ source, path, start, end }: CsvReadPlan): Promise<void> {
  let size: number;
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    size = stats.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new EnumeratorError(
      `${source}: cannot read \`path\` ${shown(path)}: ${(error as Error).message} (${code}). ` +
        `Expected the path of a readable CSV file, as seen from the worker's machine ` +
        `(relative paths start at the worker's working directory, ${process.cwd()}).`,
      { source },
    );
  }
  if (start.offset > size) {
    throw new CursorError(
      `${source}: cannot resume from cursor ${shown(start)}: its offset is past the end of ` +
        `${path} (${size} bytes), so the file was replaced or truncated since the cursor was ` +
        `saved. Restart the job from the beginning (cursor null) for the new file.`,
      { cursor: start },
    );
  }
  if (end !== undefined && end > size) {
    throw new EnumeratorError(
      `${source}: the partition ends at byte ${end}, past the end of ${path} (${size} bytes): ` +
        `the file was replaced or truncated since the partitions were planned. Plan them again ` +
        `with csvPartitions for the new file.`,
      { source },
    );
  }
}

function firstColumns({ header, columns }: CsvReadPlan): ColumnsOption {
  if (columns === undefined) return header;
  if (typeof columns === 'function') return (names: string[]) => columns(names);
  // With a header, the names given replace it: csv-parse reads the header and drops it.
  return header ? () => [...columns] : [...columns];
}

async function resumedColumns(plan: CsvReadPlan): Promise<ColumnsOption> {
  const { header, columns } = plan;
  if (Array.isArray(columns)) return [...columns];
  if (!header) return false;
  const names = await readHeader(plan);
  return typeof columns === 'function' ? columns(names) : names;
}

/** The first record of the file, parsed with the same options, as plain strings. */
async function readHeader({ path, parse }: CsvReadPlan): Promise<string[]> {
  const { module } = await loadCsvParse();
  const input = createReadStream(path);
  const parser = input.pipe(
    module.parse({ bom: true, ...parse, cast: false, cast_date: false, columns: false, to: 1 }),
  );
  input.once('error', (error) => parser.destroy(error));
  try {
    for await (const record of parser as AsyncIterable<string[]>) return record;
  } finally {
    input.destroy();
    parser.destroy();
  }
  return [];
}

async function isUtf16(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0xff && buffer[1] === 0xfe;
  } finally {
    await file.close();
  }
}

/** A malformed file or a bad option fails every retry the same way: no retry for those. */
async function parseError(plan: CsvReadPlan, rows: number, error: unknown): Promise<unknown> {
  const loaded = await loadCsvParse().catch(() => undefined);
  if (loaded === undefined || !(error instanceof loaded.module.CsvError)) return error;
  return new EnumeratorError(
    `${plan.source}: cannot parse ${plan.path} after ${rows} records with the options given: ` +
      `${error.message} (${error.code}).`,
    { source: plan.source },
  );
}
