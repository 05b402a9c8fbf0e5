import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { csv, csvBatches } from '../../../src/enumerators/index.js';
import { assertResumable, runWithInterruptions } from '../../../src/enumerators/testing.js';
import { CursorError, EnumeratorError } from '../../../src/errors.js';
import { readLikeTheLoop, stopSchedules } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'csv-enumerator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, content);
  return path;
}

/** A field as a careful CSV writer would put it: quoted when it holds a quote, comma or newline. */
function field(value: string): string {
  return /[",\r\n]/.test(value) || value === '' ? `"${value.replaceAll('"', '""')}"` : value;
}

describe('csv', () => {
  it('yields records keyed by the header, the cursor holding the byte offset of the next one', async () => {
    const path = file('id,name\n1,Ada\n2,"Grace\nHopper"\n3,Linus');
    const run = await runWithInterruptions((cursor) => csv({ path, cursor }), []);
    expect(run.items).toEqual([
      { id: '1', name: 'Ada' },
      { id: '2', name: 'Grace\nHopper' },
      { id: '3', name: 'Linus' },
    ]);
    expect(run.cursors).toEqual([
      { offset: 14, rows: 1 },
      { offset: 31, rows: 2 },
      { offset: 38, rows: 3 },
    ]);
  });

  it('resumes anywhere in files with quoted newlines, CRLF, a BOM and empty lines (property)', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\n', '\r\n', ' ', '€') });
    const records = fc.array(fc.tuple(text, text), { maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(
        records,
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        stopSchedules(14),
        async (rows, eol, bom, trailingEol, blankLines, stops) => {
          const lines = [['key', 'value'], ...rows].map((r) => r.map(field).join(','));
          const separator = blankLines ? eol + eol : eol;
          const body = lines.join(separator) + (trailingEol ? separator : '');
          const path = file((bom ? '\uFEFF' : '') + body);
          const run = await runWithInterruptions(
            (cursor) => csv({ path, parse: { skip_empty_lines: true }, cursor }),
            stops,
          );
          expect(run.items).toEqual(rows.map(([key, value]) => ({ key, value })));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('resumes batches anywhere, whatever their size (property)', async () => {
    const rows = Array.from({ length: 23 }, (_, i) => `${i},"line ${i}\r\nnext"`);
    const path = file(`n,text\r\n${rows.join('\r\n')}\r\n`);
    const expected = rows.map((_, i) => ({ n: String(i), text: `line ${i}\r\nnext` }));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9 }),
        stopSchedules(25),
        async (batchSize, stops) => {
          const run = await runWithInterruptions(
            (cursor) => csvBatches({ path, batchSize, cursor }),
            stops,
          );
          expect(run.items.flat()).toEqual(expected);
        },
      ),
    );
  });

  it('passes assertResumable with header names replaced, with arrays, and in batches', async () => {
    const path = file('a,b\r\n1,2\r\n3,"4\r\n5"\r\n6,7\r\n');
    const renamed = await assertResumable((cursor) => csv({ path, columns: ['x', 'y'], cursor }));
    expect(renamed.items).toEqual([
      { x: '1', y: '2' },
      { x: '3', y: '4\r\n5' },
      { x: '6', y: '7' },
    ]);
    const upper = await assertResumable((cursor) =>
      csv({ path, columns: (names) => names.map((n) => n.toUpperCase()), cursor }),
    );
    expect(upper.items[0]).toEqual({ A: '1', B: '2' });
    const arrays = await assertResumable((cursor) => csv({ path, header: false, cursor }));
    expect(arrays.items).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4\r\n5'],
      ['6', '7'],
    ]);
    const named = await assertResumable((cursor) =>
      csv({ path, header: false, columns: ['p', 'q'], cursor }),
    );
    expect(named.items[0]).toEqual({ p: 'a', q: 'b' });
    const grouped = await assertResumable((cursor) => csvBatches({ path, batchSize: 2, cursor }));
    expect(grouped.items.map((batch) => batch.length)).toEqual([2, 1]);
    // Progress counts records: a batch weighs its length.
    expect(grouped.weights).toEqual([2, 1]);
  });

  it('skips a preamble with from_line, and casts when asked', async () => {
    const path = file('exported 2024-05-01\n\nid,amount\n1,2.5\n2,10\n');
    const whole = await assertResumable((cursor) =>
      csv({ path, parse: { from_line: 3, cast: true }, cursor }),
    );
    expect(whole.items).toEqual([
      { id: 1, amount: 2.5 },
      { id: 2, amount: 10 },
    ]);
  });

  it('resumes a UTF-16LE file with a byte order mark', async () => {
    const path = file(Buffer.from('\uFEFFname,city\nZoë,Zürich\nJosé,Málaga\n', 'utf16le'));
    const whole = await assertResumable((cursor) => csv({ path, cursor }));
    expect(whole.items).toEqual([
      { name: 'Zoë', city: 'Zürich' },
      { name: 'José', city: 'Málaga' },
    ]);
  });

  it('seeks to the offset instead of parsing what comes before it', async () => {
    // Record 2 is broken; a resume after it must not read it again to get to record 3.
    const path = file('id,note\n1,fine\n2,"broken\n3,"after the break"\n');
    const broken = csv({ path, header: true, cursor: null });
    await expect(runWithInterruptions(() => broken, [])).rejects.toThrow(EnumeratorError);
    const offset = Buffer.byteLength('id,note\n1,fine\n2,"broken\n');
    const resumed = await runWithInterruptions(
      (cursor) => csv({ path, cursor: cursor ?? { offset, rows: 2 } }),
      [],
    );
    expect(resumed.items).toEqual([{ id: '3', note: 'after the break' }]);
    expect(resumed.cursors).toEqual([{ offset: offset + 20, rows: 3 }]);
  });

  it('hands out the records the parser has buffered without a promise turn each, in the same order', async () => {
    const lines = Array.from({ length: 2_000 }, (_, i) => `${i},"name ${i}\nline two"`);
    const path = file(`id,name\n${lines.join('\n')}\n`);
    const walked: (readonly [unknown, unknown])[] = [];
    for await (const pair of csv({ path })) walked.push(pair);
    const read = await readLikeTheLoop(csv({ path }));
    expect(walked).toHaveLength(2_000);
    expect(read.pairs).toEqual(walked);
    // Most records come from the buffer; next() only waits for the stream to read on.
    expect(read.buffered).toBeGreaterThan(1_000);
    expect(read.nextCalls).toBeLessThan(200);
    // And from any cursor, buffered reads resume exactly where the walk would.
    const resumed = await readLikeTheLoop(csv({ path, cursor: walked[1_234]![1] as never }));
    expect(resumed.pairs).toEqual(walked.slice(1_235));
  });

  it('opens nothing before the first next() and closes the file when stopped', async () => {
    const missing = csv({ path: join(dir, 'not-yet-there.csv') });
    const iterator = missing[Symbol.asyncIterator]();
    const path = file('a\n1\n2\n');
    const run = await runWithInterruptions((cursor) => csv({ path, cursor }), [1]);
    expect(run.items).toEqual([{ a: '1' }, { a: '2' }]);
    await expect(iterator.next()).rejects.toThrow(
      /csv: cannot read `path` `".*not-yet-there\.csv"` \(string\): .*ENOENT.*Expected the path of a readable CSV file/,
    );
  });

  it('refuses a missing file, a directory, bad options and foreign or stale cursors', async () => {
    const path = file('a\n1\n');
    await expect(runWithInterruptions(() => csv({ path: dir }), [])).rejects.toThrow(
      /csv: cannot read `path`.*EISDIR/,
    );
    expect(() => csv({ path: '' })).toThrow(/csv: expected `path` to be the path of a CSV file/);
    expect(() => csv({ path, parse: { to: 3 } as never })).toThrow(
      /csv: expected `parse.to` to be absent: csv sets it itself/,
    );
    expect(() => csv({ path, header: false, columns: (n) => n })).toThrow(EnumeratorError);
    expect(() => csvBatches({ path, batchSize: 0 })).toThrow(
      /csvBatches: expected `batchSize` to be a positive integer, got `0`/,
    );
    expect(() => csv({ path, cursor: 12 })).toThrow(CursorError);
    expect(() => csv({ path, cursor: { offset: -1, rows: 0 } })).toThrow(
      /csv: cannot resume from cursor .*expected null or \{ offset: <byte offset of the next record>, rows: <records done> \}/,
    );
    const stale = runWithInterruptions(() => csv({ path, cursor: { offset: 999, rows: 40 } }), []);
    await expect(stale).rejects.toThrow(CursorError);
    await expect(
      runWithInterruptions(() => csv({ path, cursor: { offset: 999, rows: 40 } }), []),
    ).rejects.toThrow(/its offset is past the end of .* \(4 bytes\), so the file was replaced/);
    const ragged = file('a,b\n1,2\n3\n');
    await expect(runWithInterruptions(() => csv({ path: ragged }), [])).rejects.toThrow(
      /csv: cannot parse .* after 1 records with the options given: .*CSV_RECORD_INCONSISTENT_COLUMNS/,
    );
  });
});
