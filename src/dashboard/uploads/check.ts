/**
 * What an uploaded CSV file must be before a run is started on it, checked while it streams to
 * disk: no larger than the limit, text (no NUL byte, valid UTF-8), CSV that parses with every
 * record as wide as the header, a header with the required columns, and at least one record.
 * A refusal says what is wrong and where (the line), never echoing more than a few characters of
 * the content.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { parse } from 'csv-parse';

import { HttpError } from '../http-error.js';

export interface CsvCheckOptions {
  readonly maxBytes: number;
  readonly requiredColumns: readonly string[];
  readonly delimiter: string;
}

export interface CsvFacts {
  readonly bytes: number;
  /** Records after the header. */
  readonly rows: number;
  readonly columns: readonly string[];
}

/**
 * Streams `source` into `sink` (the file being written) and checks it on the way; rejects with an
 * `HttpError` (413 too large, 422 not acceptable CSV) at the first problem.
 */
export async function checkCsvUpload(
  source: AsyncIterable<Buffer>,
  sink: Writable,
  options: CsvCheckOptions,
): Promise<CsvFacts> {
  let bytes = 0;
  let header: string[] | undefined;
  let rows = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parser = parse({ bom: true, delimiter: options.delimiter, skip_empty_lines: true });
  // The first problem the parser (or the header check) finds; writing stops there.
  let refused: unknown;
  parser.on('error', (error) => (refused ??= error));
  const records = (async () => {
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        if (header === undefined) header = checkHeader(record, options.requiredColumns);
        else rows++;
      }
    } catch (error) {
      refused ??= error;
      parser.destroy();
    }
  })();
  // Both the parser and the file see every chunk; the parser's errors name the line.
  const tee = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        return done(
          new HttpError(413, `The file is larger than ${formatBytes(options.maxBytes)}.`),
        );
      }
      if (chunk.includes(0)) {
        return done(
          new HttpError(422, 'The file is not text: it holds NUL bytes. Upload a CSV file.'),
        );
      }
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        return done(
          new HttpError(
            422,
            'The file is not UTF-8 text. Save it as UTF-8 CSV and upload it again.',
          ),
        );
      }
      if (refused !== undefined) return done(asRefusal(refused));
      parser.write(chunk);
      sink.write(chunk, done);
    },
    final(done) {
      parser.end();
      done();
    },
  });
  try {
    await pipeline(source, tee);
  } catch (error) {
    refused ??= error;
    // The parser saw only part of the file: stop it, or the records loop waits for its end.
    parser.destroy();
  }
  await records;
  if (refused !== undefined) {
    parser.destroy();
    throw asRefusal(refused);
  }
  if (header === undefined)
    throw new HttpError(422, 'The file is empty: a CSV file needs a header line.');
  if (rows === 0) throw new HttpError(422, 'The file has a header but no records.');
  return { bytes, rows, columns: header };
}

function checkHeader(record: string[], required: readonly string[]): string[] {
  const names = record.map((name) => name.trim());
  if (names.some((name) => name === '')) {
    throw new HttpError(422, 'The header line has an empty column name.');
  }
  const missing = required.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new HttpError(
      422,
      `The header lacks the required column${missing.length === 1 ? '' : 's'} ${missing.map((n) => `"${n}"`).join(', ')}; it has ${names
        .slice(0, 20)
        .map((n) => `"${n.slice(0, 40)}"`)
        .join(', ')}.`,
    );
  }
  return names;
}

/** csv-parse errors carry a code and the line; keep their words, not the content. */
function asRefusal(error: unknown): Error {
  if (error instanceof HttpError) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    const line = (error as { lines?: unknown }).lines;
    const message = (error as Error).message.split(':')[0] ?? 'not valid CSV';
    return new HttpError(
      422,
      `The file is not valid CSV${typeof line === 'number' ? ` at line ${line}` : ''}: ${message}.`,
    );
  }
  return error as Error;
}

export function formatBytes(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes % MiB === 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes.toLocaleString('en-US')} bytes`;
}
