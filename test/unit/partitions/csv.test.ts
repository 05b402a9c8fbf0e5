import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

import { csv, csvBatches } from '../../../src/enumerators/index.js';
import { runWithInterruptions } from '../../../src/enumerators/testing.js';
import { CursorError, EnumeratorError } from '../../../src/errors.js';
import type { CsvPartition } from '../../../src/partitions/index.js';
import { csvPartitions } from '../../../src/partitions/index.js';
import { stopSchedules } from '../enumerators/support.js';

const dir = mkdtempSync(join(tmpdir(), 'csv-partitions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(content: string): string {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, content);
  return path;
}

function field(value: string): string {
  return /[",\r\n]/.test(value) || value === '' ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Every partition read to its end (with interruptions), in order. */
async function readAll(
  path: string,
  partitions: CsvPartition[],
  stops: readonly number[] = [],
  header?: boolean,
): Promise<unknown[][]> {
  const parts: unknown[][] = [];
  for (const { start, end } of partitions) {
    const run = await runWithInterruptions(
      (cursor) => csv({ path, start, end, cursor, ...(header === undefined ? {} : { header }) }),
      stops,
    );
    parts.push(run.items);
  }
  return parts;
}

async function whole(
  path: string,
  header?: boolean,
): Promise<{ items: unknown[]; starts: number[] }> {
  const run = await runWithInterruptions(
    (cursor) => csv({ path, cursor, ...(header === undefined ? {} : { header }) }),
    [],
  );
  return {
    items: run.items,
    starts: run.cursors.map((cursor) => (cursor as { offset: number }).offset),
  };
}

describe('csvPartitions', () => {
  it('never splits a quoted field holding newlines, wherever the byte targets fall', async () => {
    // One record of 4 KB of quoted lines sits where the 2nd and 3rd targets land: a split at the
    // next newline after a target would cut it.
    const big = Array.from({ length: 200 }, (_, i) => `line ${i}, "quoted"`).join('\n');
    const rows = [
      ['1', 'small'],
      ['2', big],
      ['3', 'after'],
      ['4', 'last'],
    ];
    const path = file(['id,text', ...rows.map((r) => r.map(field).join(','))].join('\n') + '\n');
    const partitions = await csvPartitions({ path, count: 4 });
    const { items, starts } = await whole(path);
    for (const { start } of partitions.slice(1)) expect(starts).toContain(start);
    const parts = await readAll(path, partitions);
    expect(parts.flat()).toEqual(items);
    expect(parts.flat()[1]).toEqual({ id: '2', text: big });
    expect(partitions.length).toBeLessThanOrEqual(4);
  });

  it('gives every partition the header, with CRLF line ends kept whole', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `${i},"name\r\n${i}"`);
    const path = file(['id,name', ...lines].join('\r\n'));
    const partitions = await csvPartitions({ path, count: 5 });
    expect(partitions).toHaveLength(5);
    const parts = await readAll(path, partitions, [2, 0, 1]);
    expect(parts.flat()).toEqual((await whole(path)).items);
    for (const part of parts) {
      expect(part.length).toBeGreaterThan(0);
      expect(Object.keys(part[0] as object)).toEqual(['id', 'name']);
    }
    expect(parts.flat()[39]).toEqual({ id: '39', name: 'name\r\n39' });
  });

  it('balances bytes within one record', async () => {
    const path = file(
      [
        'id,payload',
        ...Array.from({ length: 1000 }, (_, i) => `${1000 + i},${'x'.repeat(20)}`),
      ].join('\n'),
    );
    const size = statSync(path).size;
    const partitions = await csvPartitions({ path, count: 8 });
    const bytes = partitions.map(({ start, end }) => (end ?? size) - start);
    expect(Math.max(...bytes) - Math.min(...bytes)).toBeLessThanOrEqual(2 * 26);
    expect(partitions.at(-1)?.end).toBeNull();
  });

  it('makes fewer partitions than count for tiny files, one for an empty or header-only file', async () => {
    const tiny = file('id,name\r\n1,a\r\n2,b\r\n');
    const partitions = await csvPartitions({ path: tiny, count: 10 });
    expect(partitions).toEqual([
      { start: 0, end: 14 },
      { start: 14, end: null },
    ]);
    expect(await readAll(tiny, partitions)).toEqual([
      [{ id: '1', name: 'a' }],
      [{ id: '2', name: 'b' }],
    ]);
    expect(await csvPartitions({ path: file(''), count: 3 })).toEqual([{ start: 0, end: null }]);
    expect(await csvPartitions({ path: file('id,name\n'), count: 3 })).toEqual([
      { start: 0, end: null },
    ]);
    expect(await csvPartitions({ path: tiny, count: 1 })).toEqual([{ start: 0, end: null }]);
  });

  it('splits files without a header, and with parse options such as another delimiter', async () => {
    const path = file(Array.from({ length: 30 }, (_, i) => `${i};"a;\n${i}"`).join('\n'));
    const parse = { delimiter: ';' };
    const partitions = await csvPartitions({ path, count: 3, header: false, parse });
    const parts: unknown[][] = [];
    for (const { start, end } of partitions) {
      const run = await runWithInterruptions(
        (cursor) => csv({ path, start, end, header: false, parse, cursor }),
        [],
      );
      parts.push(run.items);
    }
    expect(parts.flat()).toEqual(Array.from({ length: 30 }, (_, i) => [String(i), `a;\n${i}`]));
    expect(partitions).toHaveLength(3);
  });

  it('covers every record once for any file and count, resumed anywhere (property)', async () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', ',', '"', '\n', '\r\n', ' ', '€') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(text, text), { maxLength: 14 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 9 }),
        stopSchedules(6),
        async (rows, eol, bom, count, stops) => {
          const lines = [['key', 'value'], ...rows].map((r) => r.map(field).join(','));
          const path = file((bom ? '\uFEFF' : '') + lines.join(eol) + eol);
          const partitions = await csvPartitions({ path, count });
          expect(partitions.length).toBeLessThanOrEqual(Math.max(1, Math.min(count, rows.length)));
          const parts = await readAll(path, partitions, stops);
          expect(parts.flat()).toEqual(rows.map(([key, value]) => ({ key, value })));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('bounds csvBatches too', async () => {
    const path = file(['n', ...Array.from({ length: 25 }, (_, i) => String(i))].join('\n'));
    const [first, second] = await csvPartitions({ path, count: 2 });
    const run = await runWithInterruptions(
      (cursor) =>
        csvBatches({ path, batchSize: 4, start: second!.start, end: second!.end, cursor }),
      [1],
    );
    const firstRun = await runWithInterruptions(
      (cursor) => csvBatches({ path, batchSize: 4, start: first!.start, end: first!.end, cursor }),
      [],
    );
    expect([...firstRun.items, ...run.items].flat()).toEqual(
      Array.from({ length: 25 }, (_, i) => ({ n: String(i) })),
    );
  });

  it('refuses bad options, bounds and cursors, naming the value and the fix', async () => {
    const path = file('id\n1\n2\n');
    await expect(csvPartitions({ path, count: 0 })).rejects.toThrow(
      /`count` to be a positive integer/,
    );
    await expect(csvPartitions({ path: join(dir, 'missing.csv'), count: 2 })).rejects.toThrow(
      /cannot read `path` ".*missing.csv"/,
    );
    await expect(csvPartitions({ path: dir, count: 2 })).rejects.toThrow(/a regular file/);
    expect(() => csv({ path, start: -1 })).toThrow(/`start` to be a byte offset/);
    expect(() => csv({ path, start: 5, end: 4 })).toThrow(
      /`end` to be null or a byte offset of at least `start` \(5\)/,
    );
    expect(() => csv({ path, start: 3, end: 5, cursor: { offset: 2, rows: 0 } })).toThrow(
      CursorError,
    );
    expect(() => csv({ path, start: 3, end: 5, cursor: { offset: 6, rows: 0 } })).toThrow(
      /from 3 to 5/,
    );
    const past = csv({ path, start: 3, end: 99 });
    await expect(past[Symbol.asyncIterator]().next()).rejects.toThrow(EnumeratorError);
    await expect(past[Symbol.asyncIterator]().next()).rejects.toThrow(/Plan them again/);
  });
});
