// CSV enumerator vs a bare csv-parse stream, over the same generated file.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';

import { parse } from 'csv-parse';

import { csv } from '../../src/enumerators/index.js';
import type { Result, RuntimeRunner } from './measure.js';
import { addThroughRuntime, compare, drain, Sink } from './measure.js';

export interface CsvBenchmarkOptions {
  /** @defaultValue 1_000_000 */
  readonly rows?: number;
  /** @defaultValue 5 */
  readonly rounds?: number;
  /** Also measure the enumerator inside an iteration job. */
  readonly runtime?: RuntimeRunner;
}

/** Writes a `rows`-row CSV file (some fields quoted, with commas and newlines), then reads it. */
export async function benchmarkCsv(options: CsvBenchmarkOptions = {}): Promise<Result[]> {
  const rows = options.rows ?? 1_000_000;
  const dir = await mkdtemp(join(tmpdir(), 'bench-csv-'));
  const path = join(dir, 'rows.csv');
  try {
    await writeCsv(path, rows);
    const bare = async () => {
      const sink = new Sink();
      let count = 0;
      for await (const record of createReadStream(path).pipe(parse({ columns: true }))) {
        sink.take(record);
        count++;
      }
      return count;
    };
    const enumerated = () => drain(csv({ path }));
    const results = await compare(
      { bare: 'csv: bare csv-parse stream', subject: 'csv: enumerator (for await)' },
      options.rounds ?? 5,
      bare,
      enumerated,
    );
    return await addThroughRuntime(
      results,
      'csv',
      options.rounds ?? 5,
      bare,
      options.runtime,
      (cursor) => csv({ path, cursor }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('id,name,email,amount,note\n');
  let chunk = '';
  for (let i = 1; i <= rows; i++) {
    const note = i % 10 === 0 ? `"line one\nline two, with ""quotes"""` : `note ${i}`;
    chunk += `${i},User ${i},user${i}@example.com,${(i % 10000) / 100},${note}\n`;
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
}
