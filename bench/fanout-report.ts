// The fan-out benchmark's section of docs/benchmarks.md: one table, the two variants side by side
// with their ratio, then what the figures mean, how each was measured and the redo windows.
import type { FanoutFigures, FanoutResult } from './fanout.js';
import { BATCH_ROWS, CONCURRENCY, IO_MS, PAGE_ROWS, PARTITIONS, PROCESSES } from './fanout-jobs.js';

export const FANOUT_HEADING = '## Against the fan-out pattern';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits: number) => n.toFixed(digits);
const times = (n: number) => `${n.toFixed(2)}×`;

export function renderFanout(result: FanoutResult): string[] {
  const { run, batches } = result.figures;
  const jobs = Math.ceil(result.rows / BATCH_ROWS);
  const { crash, crashSettings: settings } = result;
  const row = (
    figure: string,
    value: (f: FanoutFigures) => string,
    ratio: (a: FanoutFigures, b: FanoutFigures) => string,
  ) => `| ${figure} | ${value(run)} | ${value(batches)} | ${ratio(run, batches)} |`;
  const over = (f: (x: FanoutFigures) => number) => (a: FanoutFigures, b: FanoutFigures) =>
    times(f(a) / f(b));
  const crashRow = (figure: string, value: (v: FanoutResult['crash']['run']) => string) =>
    `| ${figure} | ${value(crash.run)} | ${value(crash.batches)} | |`;
  const top = (f: FanoutFigures) =>
    f.commands
      .slice(0, 4)
      .map(([name, perRow]) => `${name} ${perRow.toFixed(3)}`)
      .join(', ');
  const inFlight = CONCURRENCY;
  return [
    FANOUT_HEADING,
    '',
    `The usual alternative to this library: one plain BullMQ job per ${int(BATCH_ROWS)} rows. Both variants back-fill the same ${int(result.rows)} rows of a PostgreSQL table (\`bench_fanout_rows\`, ids 1 to ${int(result.rows)}), reading them by keyset in pages of ${int(PAGE_ROWS)} rows (\`WHERE id > $1 ORDER BY id LIMIT ${PAGE_ROWS}\`), each row awaiting a ${IO_MS} ms timer; the queue is on Redis, and each variant runs on ${PROCESSES} fresh worker processes of concurrency ${CONCURRENCY} (${PARTITIONS} in all). The run is one iteration job of ${PARTITIONS} \`keysetPartitions\` over a \`keyset\` enumerator with the library's defaults (no \`checkpointIntervalMs\`); the fan-out is ${int(jobs)} plain jobs of ${int(BATCH_ROWS)} ids enqueued with one \`addBulk\`, each reading its range and completing.`,
    '',
    `| figure | iteration run, ${PARTITIONS} partitions | fan-out, ${int(jobs)} jobs × ${int(BATCH_ROWS)} rows | run / fan-out |`,
    '|---|---:|---:|---:|',
    row(
      'wall time, enqueue to last completion (s)',
      (f) => fixed(f.seconds, 1),
      over((f) => f.seconds),
    ),
    row(
      'rows/s',
      (f) => int(f.rowsPerSecond),
      () => `**${times(result.ratio)}** (${result.ratios.map((r) => r.toFixed(2)).join(' ')})`,
    ),
    row(
      'data-database statements / row',
      (f) => fixed(f.statementsPerRow, 4),
      over((f) => f.statementsPerRow),
    ),
    row(
      'Redis commands / row',
      (f) => fixed(f.redisCommandsPerRow, 3),
      over((f) => f.redisCommandsPerRow),
    ),
    row(
      'worker CPU ms / 1,000 rows',
      (f) => int(f.workerCpuMsPerK),
      over((f) => f.workerCpuMsPerK),
    ),
    row(
      'peak worker RSS (MiB)',
      (f) => int(f.peakRssMb),
      over((f) => f.peakRssMb),
    ),
    crashRow('crash round: rows lost', (c) => `**${int(c.lost)}**`),
    crashRow(
      'crash round: rows redone (stretches of consecutive ids)',
      (c) => `${int(c.redone)} (${c.redoneStretches})`,
    ),
    crashRow(
      'crash round: wall time (s), worker killed at',
      (c) => `${fixed(c.seconds, 1)}, ${fixed(c.killedAtSeconds, 1)} s (${int(c.rowsAtKill)} rows)`,
    ),
    '',
    `Throughput figures are medians of ${result.rounds} paired round${result.rounds === 1 ? '' : 's'} (the two variants back to back, the order swapped each round); the rows/s ratio is the median of the per-round ratios, listed in brackets. Statements are counted by a counter around the query function the jobs' code uses (so the run's planning, catalog checks and size count are in), Redis commands by \`total_commands_processed\` before and after, which counts the commands BullMQ's and the library's Lua scripts run inside Redis as well as the scripts themselves (\`evalsha\`), and the benchmark's own check for the end (at most 3 commands every 200 ms); worker CPU by \`process.cpuUsage\` of every worker process from connected to closed; peak RSS is the highest \`VmHWM\` among them (Node, tsx and the libraries included; not \`maxRSS\`, which on Linux keeps the forked parent's size). Redis calls per row by command (\`INFO commandstats\`, all rounds): run ${top(run)}; fan-out ${top(batches)}. The run's commands are a fixed part per run (planning, joining, and the aggregate progress of the run, which each worker process republishes at most every two progress intervals by reading every partition job) and a part per partition per second (control polls, progress and checkpoint writes at the store's pace); the fan-out's are a fixed part per job (add, fetch, complete and their events), so its rate per row does not depend on the table's size and the run's falls as runs grow longer.`,
    '',
    `Crash rounds, one per variant, with a short \`lockDuration: ${settings.lockDurationMs}\` and \`stalledInterval: ${settings.stalledIntervalMs}\` (BullMQ's defaults are 30,000 each) so a killed worker's jobs are taken over within seconds: once ${Math.round(settings.killAt * 100)}% of the rows are recorded, one of the ${PROCESSES} worker processes gets SIGKILL and a replacement is started; every worker appends each row it finished to its own file with \`appendFileSync\`, which survives the kill, and the files are checked for rows never recorded (lost) and recorded more than once (redone). The fan-out redoes the rows already done of every job in flight on the killed process, up to a whole batch each (${inFlight} × ${int(BATCH_ROWS)} = ${int(inFlight * BATCH_ROWS)} rows at most here); the run redoes at most its checkpoint lag for each of its ${inFlight} partitions in flight, the rows finished since the last durable write, which the defaults bound by \`maxCheckpointLagMs\` (1 s; a write starts after at most 500 ms, sooner as the store's pace allows) and \`maxCheckpointLagItems\` (10,000 rows, which rows of a millisecond never reach).`,
    '',
  ];
}
