// `npm run bench`: starts private Redis, PostgreSQL and PGlite servers (as the test setup does),
// measures everything side by side in one run, prints it and writes docs/benchmarks.md.
//   npm run bench [-- --quick] [--rounds N] [--no-write] [--only exactly-once|parallel|rebalance|console|rate|costs|fanout] [--items N]
// (--quick shortens the rate section's 30 s window to 5 s and the fan-out comparison's 500,000 rows
// to 20,000: their recorded figures are of full runs).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

import { createPostgresBackend } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';

import { redisOptionsFromUrl } from '../src/index.js';
import { startPglite } from '../test/setup/pglite-server.js';
import { startPostgres } from '../test/setup/postgres-server.js';
import { startRedis } from '../test/setup/redis-server.js';
import type { Result } from './enumerators/index.js';
import { runEnumeratorBenchmarks } from './enumerators/index.js';
import type { BackendTarget, RuntimeResult, RuntimeSizes } from './runtime.js';
import { benchmarkRuntime, runtimeRunner } from './runtime.js';
import { SECTIONS, sections } from './sections.js';
import type { TelemetryResult } from './telemetry.js';
import { benchmarkTelemetry } from './telemetry.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    // Measures one section and replaces only that section of docs/benchmarks.md.
    only: { type: 'string' },
    // Items of the parallel runs (default 100,000; 5,000 with --quick), for a smoke run.
    items: { type: 'string' },
  },
});
const quick = values.quick;
const rounds = Number(values.rounds ?? (quick ? 1 : 3));
if (values.only !== undefined && !SECTIONS.includes(values.only)) {
  throw new TypeError(
    `Expected \`--only\` to be one of ${SECTIONS.join(', ')}, got \`${values.only}\``,
  );
}
const parallelItems = Number(values.items ?? (quick ? 5_000 : 100_000));

const progress = (line: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
  else process.stderr.write(`${line}\n`);
};

const servers = await Promise.all([startRedis(), startPostgres(), startPglite()]);
const [redis, postgres, pglite] = servers;
try {
  const machine = await describeMachine(redis!.url, postgres!.url);
  const targets: [BackendTarget, RuntimeSizes][] = [
    [
      { name: 'Redis', connection: redisOptionsFromUrl(redis!.url), backendFactory: undefined },
      quick ? { fast: 200_000, slow: 5_000 } : { fast: 3_000_000, slow: 20_000 },
    ],
    [
      { name: 'PostgreSQL', connection: postgres!.url, backendFactory: createPostgresBackend },
      quick ? { fast: 200_000, slow: 1_000 } : { fast: 3_000_000, slow: 5_000 },
    ],
    [
      {
        name: 'PGlite (embedded)',
        connection: pglite!.url,
        backendFactory: createPostgresBackend,
        workerOptions: { drainDelay: 0.2 },
      },
      quick ? { fast: 100_000, slow: 300 } : { fast: 1_000_000, slow: 1_000 },
    ],
  ];
  // One section measured alone replaces only its own part of docs/benchmarks.md.
  const alone = sections({
    quick,
    rounds,
    parallelItems,
    targets,
    redisUrl: redis!.url,
    postgresUrl: postgres!.url,
    pgliteUrl: pglite!.url,
    progress,
  });
  const only = values.only === undefined ? undefined : alone[values.only];
  if (only !== undefined) {
    const section = [
      ...(await only.measure()),
      ...sectionMachine(machine, only.rounds, values.only!, only.medians === true),
    ];
    progress('done');
    process.stderr.write('\n');
    console.log(section.join('\n'));
    if (!values['no-write']) {
      const file = new URL('../docs/benchmarks.md', import.meta.url);
      writeFileSync(file, replaceSection(readFileSync(file, 'utf8'), only.heading, section));
      console.log(`\nwritten to docs/benchmarks.md (its ${values.only!} section)`);
    }
  } else {
    const runtime: RuntimeResult[] = [];
    for (const [target, sizes] of targets) {
      runtime.push(...(await benchmarkRuntime(target, sizes, rounds, progress)));
    }
    // Paired rounds on Redis: the ratio to the off variant of the same round is what can be compared.
    const telemetry = await benchmarkTelemetry(
      targets[0]![0],
      quick ? 200_000 : 3_000_000,
      quick ? rounds : Math.max(rounds, 5),
      progress,
    );
    progress('enumerators: keyset over PostgreSQL and CSV');
    const enumerators = await runEnumeratorBenchmarks({
      postgresUrl: postgres!.url,
      rows: quick ? 200_000 : 1_000_000,
      // Ratios of runs of a few seconds swing with the machine; more pairs give a steadier median.
      rounds: quick ? rounds : Math.max(rounds, 5),
      // The jobs' queue lives on Redis; the rows they read, in PostgreSQL or a file.
      runtime: runtimeRunner(targets[0]![0]),
    });
    const measured: string[] = [];
    for (const name of SECTIONS) measured.push(...(await alone[name]!.measure()));
    progress('done');
    process.stderr.write('\n');
    const report = [render(machine, runtime, telemetry, enumerators), ...measured].join('\n');
    console.log(report);
    if (!values['no-write']) {
      writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), report);
      console.log('\nwritten to docs/benchmarks.md');
    }
  }
} finally {
  await Promise.all(servers.map((s) => s.stop()));
}

interface Machine {
  readonly lines: string[];
}

async function describeMachine(redisUrl: string, postgresUrl: string): Promise<Machine> {
  const cpu = cpus();
  const client = new Redis(redisOptionsFromUrl(redisUrl));
  const info = await client.info('server');
  client.disconnect();
  const pgClient = new pg.Client({ connectionString: postgresUrl });
  await pgClient.connect();
  const { rows } = await pgClient.query<{ server_version: string }>('SHOW server_version');
  await pgClient.end();
  const bullmq = execFileSync(process.execPath, ['-p', "require('bullmq/package.json').version"])
    .toString()
    .trim();
  return {
    lines: [
      `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores; memory ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
      `- Node ${process.version}, BullMQ ${bullmq}, Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'}, PostgreSQL ${rows[0]?.server_version ?? '?'} (fsync off, as in tests), PGlite in the benchmark's own process`,
      `- Load: 1-minute load average ${loadavg()[0]!.toFixed(2)} on ${cpu.length} cores when the run started; the machine is shared with other work, which only ever slows a round down: compare ratios within a table`,
      `- Date: ${new Date().toISOString().slice(0, 10)}; rounds: ${rounds} per figure, best round kept${quick ? ' (quick run: fewer items)' : ''}`,
    ],
  };
}

function rate(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function render(
  machine: Machine,
  runtime: RuntimeResult[],
  telemetry: TelemetryResult[],
  enumerators: Result[],
): string {
  const out: string[] = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`, which starts its own servers and measures every figure side by side in one run. Figures are from one machine and vary from run to run; compare the ratios within a table rather than absolute numbers across machines.',
    '',
    '## Machine',
    '',
    ...machine.lines,
    '',
    '## Iteration overhead: no-op items per second',
    '',
    "Each item is an awaited async no-op yielded by an async generator. The bare loop has no queue at all; the runtime rows run one iteration job on an `IterationWorker`, timed inside the job from the start of its first item to the end of its last (the fixed cost of starting and completing a job is left out, as in the step-job row); the step-job row is BullMQ's documented pattern of awaiting `job.updateData` with the cursor after every item.",
    '',
  ];
  for (const backend of [...new Set(runtime.map((r) => r.backend))]) {
    const rows = runtime.filter((r) => r.backend === backend);
    const bare = rows.find((r) => r.name === 'bare async loop')!;
    const stepJob = rows.find((r) => r.name.startsWith('BullMQ step job'))!;
    out.push(
      `### ${backend}`,
      '',
      '| variant | items | items/s | vs bare loop | vs step job |',
      '|---|---:|---:|---:|---:|',
    );
    for (const r of rows) {
      out.push(
        `| ${r.name} | ${rate(r.items)} | ${rate(r.perSecond)} | ${(r.perSecond / bare.perSecond).toFixed(2)}× | ${(r.perSecond / stepJob.perSecond).toFixed(2)}× |`,
      );
    }
    out.push('');
  }
  out.push(
    '## OpenTelemetry overhead: the coalesced no-op loop on Redis',
    '',
    'The same job as the coalesced runtime row above, three ways, in alternating order over paired rounds: with `openTelemetry: false`; with the default (`auto`) and `@opentelemetry/api` installed but no SDK registered, which is what a user without an SDK gets (no span, no instrument, no sampling timer); and, for information, with a real SDK receiving the run span and the metrics (item durations sampled every 100 ms). "vs off" is the median over rounds of the off variant\'s time over this variant\'s time in the same round: 1.00× means no difference.',
    '',
    '| variant | items | items/s (best round) | vs off (median of paired rounds) |',
    '|---|---:|---:|---:|',
    ...telemetry.map(
      (r) => `| ${r.name} | ${rate(r.items)} | ${rate(r.perSecond)} | ${r.ratio.toFixed(2)}× |`,
    ),
    '',
    '## Enumerators: rows per second against the bare loops they replace',
    '',
    'One million rows of a PostgreSQL table (keyset, 1,000 rows per statement) and of a generated CSV file with quoted multi-line fields. Each enumerator is measured twice against the same bare loop: drained by a plain `for await` loop, and as the enumerator of an iteration job on a worker (queue on Redis), with its cursor checked and checkpointed after every row. The ratio is the median over rounds of paired runs.',
    '',
    '| variant | rows | rows/s | vs bare loop |',
    '|---|---:|---:|---:|',
    ...enumerators.map(
      (r) =>
        `| ${r.name} | ${rate(r.rows)} | ${rate(r.rowsPerSecond)} | ${r.ratio === undefined ? '(baseline)' : `${(r.ratio * 100).toFixed(0)}%`} |`,
    ),
    '',
  );
  return out.join('\n');
}

/** A section measured alone says on what, since the machine section above is another run's. */
function sectionMachine(
  machine: Machine,
  sectionRounds: number,
  only: string,
  medians = false,
): string[] {
  // The section runs its own number of rounds, not the one the machine lines name.
  const lines = machine.lines.map((line) =>
    line.replace(
      /rounds: \d+ per figure, best round kept/,
      medians
        ? `${sectionRounds} paired round${sectionRounds === 1 ? '' : 's'} per figure, medians kept`
        : sectionRounds === 1
          ? 'one round per figure'
          : `rounds: ${sectionRounds} per figure, best round kept`,
    ),
  );
  return [`Measured alone (\`npm run bench -- --only ${only}\`) on:`, '', ...lines, ''];
}

/** `text` with the section under `heading` replaced by `section` (appended when missing). */
function replaceSection(text: string, heading: string, section: readonly string[]): string {
  const start = text.indexOf(heading);
  if (start === -1) return `${text.trimEnd()}\n\n${section.join('\n')}`;
  const next = text.indexOf('\n## ', start + 1);
  const rest = next === -1 ? '' : text.slice(next + 1);
  return `${text.slice(0, start)}${section.join('\n')}\n${rest}`;
}
