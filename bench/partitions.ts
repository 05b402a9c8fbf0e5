// Planning cost and balance of the partition planners, on a skewed table and a CSV file with
// quoted newlines. Standalone: `npx tsx bench/partitions.ts [--rows N]`; it starts its own
// PostgreSQL as the test setup does and prints a Markdown table.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import pg from 'pg';

import type { KeysetSampling } from '../src/index.js';
import { csvPartitions, keyset, keysetPartitions, pgQuery, rangePartitions } from '../src/index.js';
import { startPostgres } from '../test/setup/postgres-server.js';

const { values } = parseArgs({ options: { rows: { type: 'string' }, count: { type: 'string' } } });
const rows = Number(values.rows ?? 500_000);
const count = Number(values.count ?? 16);

const server = await startPostgres();
const pool = new pg.Pool({ connectionString: server.url, max: 2 });
pool.on('error', (err) => console.error('idle PostgreSQL client failed', err));
const query = pgQuery(pool);
const lines: string[] = [];
const print = (line: string) => {
  lines.push(line);
  console.log(line);
};

function balance(sizes: number[]): string {
  const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
  return `${(Math.min(...sizes) / mean).toFixed(3)} / ${(Math.max(...sizes) / mean).toFixed(3)}`;
}

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

try {
  // 90% dense ids, 10% a billion apart, inserted in key order as a serial id would be.
  const dense = Math.round(rows * 0.9);
  await pool.query('DROP TABLE IF EXISTS bench_partitions');
  await pool.query('CREATE TABLE bench_partitions (id int8 PRIMARY KEY, payload text NOT NULL)');
  await pool.query(
    `INSERT INTO bench_partitions
     SELECT CASE WHEN i <= $1 THEN i ELSE $1 + (i - $1) * 1000000000::int8 END, md5(i::text)
     FROM generate_series(1, $2::int8) AS i`,
    [dense, rows],
  );
  await pool.query('ANALYZE bench_partitions');
  const source = { query, table: 'bench_partitions', columns: ['id'] };
  const version = (await pool.query('SHOW server_version')).rows[0]?.server_version as string;

  print(
    `### Planning ${count} partitions of ${rows.toLocaleString('en')} rows (PostgreSQL ${version})`,
  );
  print('');
  print(
    `Ids: ${dense.toLocaleString('en')} dense, then ${(rows - dense).toLocaleString('en')} a billion apart.`,
  );
  print('Balance is the smallest and largest partition over the mean (1.000 / 1.000 is perfect).');
  print('');
  print('| planner | planning ms | rows per partition, min / max over mean |');
  print('|---|---:|---:|');

  const max = Number((await pool.query('SELECT max(id) AS m FROM bench_partitions')).rows[0]?.m);
  const ranges = rangePartitions({ from: 1, to: max + 1, count });
  const rangeSizes: number[] = [];
  for (const { from, to } of ranges) {
    const { rows: counted } = await pool.query(
      'SELECT count(*)::int AS n FROM bench_partitions WHERE id >= $1 AND id < $2',
      [from, to],
    );
    rangeSizes.push(Number(counted[0]?.n));
  }
  print(`| rangePartitions over [1, max id] | 0 | ${balance(rangeSizes)} |`);

  for (const sampling of ['exact', 'bernoulli', 'system'] as KeysetSampling[]) {
    const [partitions, ms] = await timed(() => keysetPartitions({ ...source, count, sampling }));
    const sizes: number[] = [];
    for (const partition of partitions) {
      sizes.push((await keyset({ ...source, ...partition, count: 'exact' }).size?.()) ?? 0);
    }
    if (sizes.reduce((a, b) => a + b, 0) !== rows) throw new Error('partitions lost rows');
    print(`| keysetPartitions, sampling '${sampling}' | ${ms.toFixed(0)} | ${balance(sizes)} |`);
  }
  await pool.query('DROP TABLE bench_partitions');

  // CSV: every third record holds a quoted field with newlines.
  const dir = mkdtempSync(join(tmpdir(), 'bench-partitions-'));
  try {
    const path = join(dir, 'data.csv');
    const records = ['id,text'];
    for (let i = 0; i < rows; i++) {
      records.push(i % 3 === 0 ? `${i},"line one\nline, two\n""three"""` : `${i},plain ${i}`);
    }
    writeFileSync(path, records.join('\n') + '\n');
    const size = statSync(path).size;
    const [partitions, ms] = await timed(() => csvPartitions({ path, count }));
    const bytes = partitions.map(({ start, end }) => (end ?? size) - start);
    print(
      `| csvPartitions, ${(size / 1e6).toFixed(1)} MB, ${rows.toLocaleString('en')} records | ` +
        `${ms.toFixed(0)} | bytes: ${balance(bytes)} |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await pool.end();
  await server.stop();
}
