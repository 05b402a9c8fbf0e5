// The sections of `npm run bench` that can also be measured alone (`--only`): how each is measured
// on the run's servers, and the heading whose part of docs/benchmarks.md it replaces. The full run
// measures them in this order, after the overhead, telemetry and enumerator figures.
import type { ConsoleResult } from './console.js';
import { benchmarkConsole, CONSOLE_HEADING, renderConsole } from './console.js';
import { benchmarkCosts, FULL_COST_SIZES, QUICK_COST_SIZES } from './costs.js';
import { COSTS_HEADING, renderCosts } from './costs-report.js';
import { fanoutSection } from './fanout.js';
import { FANOUT_HEADING } from './fanout-report.js';
import type { ParallelResult, ParallelTarget } from './parallel.js';
import { benchmarkParallel } from './parallel.js';
import { PARALLEL_HEADING, renderParallel } from './parallel-report.js';
import type { RateResult, RateTarget } from './rate.js';
import { benchmarkRate, FULL_PHASES, QUICK_PHASES, RATE_HEADING, renderRate } from './rate.js';
import { benchmarkRebalance, renderRebalance } from './rebalance.js';
import type { BackendTarget, RuntimeSizes } from './runtime.js';
import { benchmarkTransactional, renderTransactional } from './transactional.js';

export const SECTIONS = [
  'exactly-once',
  'parallel',
  'rebalance',
  'console',
  'rate',
  'costs',
  'fanout',
];

export interface Section {
  readonly heading: string;
  /** Rounds per figure, for the lines that say what a section measured alone ran on. */
  readonly rounds: number;
  /** Its figures are medians of paired rounds, not the best round. */
  readonly medians?: true;
  measure(): Promise<string[]>;
}

/** What the sections are measured on: the run's settings and its servers. */
export interface SectionSetup {
  readonly quick: boolean;
  readonly rounds: number;
  /** Items of the parallel runs. */
  readonly parallelItems: number;
  /** The overhead section's targets: Redis first, then PostgreSQL and PGlite. */
  readonly targets: readonly (readonly [BackendTarget, RuntimeSizes])[];
  readonly redisUrl: string;
  readonly postgresUrl: string;
  readonly pgliteUrl: string;
  readonly progress: (line: string) => void;
}

export function sections(setup: SectionSetup): Record<string, Section> {
  const { quick, rounds, targets, progress } = setup;
  const redis = targets[0]![0];
  // Redis and PostgreSQL: PGlite's single session is for local development, not for scale-out.
  const parallelTargets: ParallelTarget[] = [
    { name: 'Redis', kind: 'redis', url: setup.redisUrl },
    { name: 'PostgreSQL', kind: 'postgres', url: setup.postgresUrl },
  ];
  const parallelRuns = async () => {
    const results: ParallelResult[] = [];
    for (const target of parallelTargets) {
      results.push(...(await benchmarkParallel(target, setup.parallelItems, progress)));
    }
    return renderParallel(results);
  };
  const exactlyOnceRounds = quick ? rounds : Math.max(rounds, 5);
  const exactlyOnce = async () =>
    renderTransactional(
      await benchmarkTransactional(
        redis,
        setup.postgresUrl,
        quick ? { perItem: 1_000, batched: 20_000 } : { perItem: 5_000, batched: 200_000 },
        exactlyOnceRounds,
        progress,
      ),
    );
  // 20,000 runs: the size the console is held to (a page under 300 ms).
  const consoleRuns = quick ? 2_000 : 20_000;
  const consolePages = async () => {
    const results: ConsoleResult[] = [];
    for (const [target] of targets) {
      results.push(...(await benchmarkConsole(target, consoleRuns, progress)));
    }
    return renderConsole(results);
  };
  // Every backend: PGlite too, served from this process to the worker processes.
  const rateTargets: RateTarget[] = [
    { name: 'Redis', kind: 'redis', url: setup.redisUrl, serverCalls: true },
    { name: 'PostgreSQL', kind: 'postgres', url: setup.postgresUrl, serverCalls: true },
    { name: 'PGlite (embedded)', kind: 'postgres', url: setup.pgliteUrl, serverCalls: false },
  ];
  const ratePhases = quick ? QUICK_PHASES : FULL_PHASES;
  const rateLimits = async () => {
    const results: RateResult[] = [];
    for (const target of rateTargets) {
      results.push(await benchmarkRate(target, ratePhases, progress));
    }
    return renderRate(results, ratePhases);
  };
  const rebalance = () =>
    benchmarkRebalance(redis, quick ? 5_000 : 50_000, progress).then(renderRebalance);
  // Paired rounds: more of them give a steadier median of small differences.
  const costsRounds = quick ? rounds : Math.max(rounds, 5);
  const costs = async () =>
    renderCosts(
      await benchmarkCosts(
        redis,
        setup.postgresUrl,
        quick ? QUICK_COST_SIZES : FULL_COST_SIZES,
        costsRounds,
        progress,
      ),
      costsRounds,
    );
  // Paired rounds whose medians are the figures, then one crash round per variant.
  const fanoutRounds = quick ? rounds : Math.max(rounds, 3);
  const fanoutTarget = { redisUrl: setup.redisUrl, postgresUrl: setup.postgresUrl };
  const fanout = () => fanoutSection(fanoutTarget, quick, fanoutRounds, progress);
  return {
    'exactly-once': { heading: '## Exactly-once', rounds: exactlyOnceRounds, measure: exactlyOnce },
    parallel: { heading: PARALLEL_HEADING, rounds: 1, measure: parallelRuns },
    rebalance: { heading: '## Rebalancing', rounds: 1, measure: rebalance },
    console: { heading: CONSOLE_HEADING, rounds: 1, measure: consolePages },
    rate: { heading: RATE_HEADING, rounds: 1, measure: rateLimits },
    costs: { heading: COSTS_HEADING, rounds: costsRounds, medians: true, measure: costs },
    fanout: { heading: FANOUT_HEADING, rounds: fanoutRounds, medians: true, measure: fanout },
  };
}
