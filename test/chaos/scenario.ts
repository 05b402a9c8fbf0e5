// What every scenario shares: its context, a stage (queue, record dir, worker pool), waiting for
// the jobs' final states within a bound, and judging the figures against the expectations.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Queue } from 'bullmq';

import { CHECKPOINT_LAG_ITEMS } from './bounds.js';
import { countItems, type ItemCount } from './records.js';
import type { ChaosBackend, ChaosServers, ChaosTarget } from './servers.js';
import type { ChaosParams } from './worker-process.js';
import { sleep, type WorkerEnv, WorkerPool } from './workers.js';

/**
 * Items a coalesced run may redo per incident that cost it its lock or its process (a SIGKILL, a
 * freeze past the lock, a restart or dropped connections): the lag bound, plus the item in the
 * step, the one whose record was written just before the kill, and a small margin for the write
 * that was starting when the bound was reached.
 */
export const REDO_PER_INCIDENT = CHECKPOINT_LAG_ITEMS + 5;

/** Longest wait for the jobs to make progress up to the next incident. */
const PROGRESS_TIMEOUT_MS = 60_000;

/** Graceful paths (SIGTERM drains, a lock outliving a freeze) redo nothing. */
export const REDO_GRACEFUL = 0;

export interface ChaosContext {
  /** The CI form: fewer items, kills and rounds. */
  readonly short: boolean;
  readonly servers: ChaosServers;
  /** Progress lines (stderr), so stdout stays the result lines and the table. */
  log(line: string): void;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly backend: ChaosBackend;
  readonly items: number;
  readonly lost: number;
  readonly duplicates: number;
  /** Duplicates allowed (0 on graceful paths). */
  readonly bound: number;
  readonly completed: number;
  readonly failed: number;
  /** Jobs neither completed nor failed when the scenario's time ran out. */
  readonly unfinished: number;
  readonly jobs: number;
  /** Worker processes that died without being told to. */
  readonly crashes: number;
  readonly wallMs: number;
  readonly pass: boolean;
  /** Why it failed, and figures worth printing (attempts, memory growth). */
  readonly notes: readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly backends: readonly ChaosBackend[];
  /** Longer than the harness's default bound on one scenario (6 minutes), when it needs it. */
  readonly timeoutMs?: number;
  run(ctx: ChaosContext, target: ChaosTarget): Promise<ScenarioResult>;
}

/** The final state of one job, as BullMQ reports it. */
export interface JobOutcome {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly attemptsMade: number;
  readonly failedReason: string | undefined;
  /** Runs of the job that were interrupted and requeued (from its summary, once completed). */
  readonly interruptions: number;
}

/** A queue of its own, a record directory and a pool of worker processes for one scenario. */
export class Stage {
  readonly queue: Queue;
  readonly pool: WorkerPool;
  readonly startedAt = Date.now();
  /** Job id → item total, for every job whose items are counted. */
  readonly totals = new Map<string, number>();
  /** Where the workers' records (and, after a failure, their output) are kept. */
  readonly dir: string;
  #enqueued = 0;

  constructor(target: ChaosTarget, scenario: string, workerEnv: WorkerEnv) {
    const name = `chaos-${scenario}-${randomBytes(3).toString('hex')}`;
    this.queue = target.queue(name);
    this.dir = mkdtempSync(join(tmpdir(), `bullmq-iteration-chaos-${scenario}-`));
    this.pool = new WorkerPool(target, name, this.dir, workerEnv);
  }

  /** Enqueues `count` jobs named `name`; their items are counted unless `counted` is false. */
  async enqueue(name: string, count: number, params: ChaosParams, counted = true) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const job = await this.queue.add(name, params);
      this.#enqueued++;
      ids.push(job.id!);
      if (counted) this.totals.set(job.id!, params.total);
    }
    return ids;
  }

  /** Polls until `ids` all completed or failed, or `timeoutMs` passed; then reads their states. */
  async outcomes(ids: readonly string[], timeoutMs: number): Promise<JobOutcome[]> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !(await this.#settled())) await sleep(500);
    const outcomes: JobOutcome[] = [];
    for (const id of ids) {
      const job = await this.queue.getJob(id);
      outcomes.push({
        id,
        name: job?.name ?? '?',
        state: job ? await job.getState() : 'missing',
        attemptsMade: job?.attemptsMade ?? 0,
        failedReason: job?.failedReason || undefined,
        interruptions: Number(
          (job?.returnvalue as { timesInterrupted?: number } | null)?.timesInterrupted ?? 0,
        ),
      });
    }
    return outcomes;
  }

  /** Starts `n` workers at once and waits until all are ready. */
  async startWorkers(n: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => this.pool.start()));
  }

  /**
   * Resolves true once `n` distinct items were recorded; false when every job enqueued so far has
   * ended (failed jobs make no more progress) or after PROGRESS_TIMEOUT_MS.
   */
  async progressed(n: number): Promise<boolean> {
    const deadline = Date.now() + PROGRESS_TIMEOUT_MS;
    let nextSettledCheck = 0;
    while (Date.now() < deadline) {
      const { expected, lost } = this.count();
      if (expected - lost >= n) return true;
      if (Date.now() >= nextSettledCheck) {
        nextSettledCheck = Date.now() + 1_000;
        if (await this.#settled()) return false;
      }
      await sleep(50);
    }
    return false;
  }

  /** True when every job enqueued so far has completed or failed. */
  async #settled(): Promise<boolean> {
    const counts = await this.queue.getJobCounts('completed', 'failed').catch(() => undefined);
    return counts !== undefined && (counts.completed ?? 0) + (counts.failed ?? 0) >= this.#enqueued;
  }

  /** Counts the records of every worker so far. */
  count(): ItemCount {
    return countItems(this.pool.recordFiles(), this.totals);
  }

  /** Kills the workers and drops the queue. */
  async close(): Promise<void> {
    await this.pool.close();
    await Promise.race([this.queue.obliterate({ force: true }).catch(() => {}), sleep(10_000)]);
  }

  /** Keeps the records and writes each worker's output next to them, for a failed scenario. */
  keep(): string {
    for (const w of this.pool.workers) {
      writeFileSync(join(this.dir, `worker-${w.index}.out`), w.output());
    }
    return this.dir;
  }
}

/**
 * Runs `body` on a new stage and closes the stage (workers, queue) whatever happens. The records
 * of a passing scenario are deleted; those of a failing one are kept with the workers' output.
 */
export async function withStage(
  target: ChaosTarget,
  scenario: string,
  workerEnv: WorkerEnv,
  body: (stage: Stage) => Promise<ScenarioResult>,
): Promise<ScenarioResult> {
  const stage = new Stage(target, scenario, workerEnv);
  let result: ScenarioResult | undefined;
  try {
    result = await body(stage);
  } finally {
    await stage.close();
    if (result?.pass) rmSync(stage.dir, { recursive: true, force: true });
    else stage.keep();
  }
  return result.pass ? result : { ...result, notes: [...result.notes, `logs in ${stage.dir}`] };
}

export interface Verdict {
  readonly scenario: string;
  readonly target: ChaosTarget;
  readonly stage: Stage;
  /** Outcomes of the jobs that must complete. */
  readonly outcomes: readonly JobOutcome[];
  readonly bound: number;
  /** Problems found by the scenario itself (an unexpected outcome of a bad job, memory growth). */
  readonly problems?: readonly string[];
  readonly notes?: readonly string[];
}

/** Judges a finished scenario: 0 lost, duplicates within the bound, every job completed, no crash. */
export function judge(v: Verdict): ScenarioResult {
  const items = v.stage.count();
  const completed = v.outcomes.filter((o) => o.state === 'completed').length;
  const failed = v.outcomes.filter((o) => o.state === 'failed').length;
  const unfinished = v.outcomes.length - completed - failed;
  const crashes = v.stage.pool.crashes;
  const problems = [...(v.problems ?? [])];
  if (items.lost > 0) problems.push(`${items.lost} items lost`);
  if (items.duplicates > v.bound)
    problems.push(`${items.duplicates} duplicates > bound ${v.bound}`);
  const firstFailed = v.outcomes.find((o) => o.state === 'failed');
  if (firstFailed) {
    problems.push(
      `${failed} jobs failed (job ${firstFailed.id}, attemptsMade ${firstFailed.attemptsMade}: ${firstFailed.failedReason})`,
    );
  }
  const stuck = v.outcomes.find((o) => o.state !== 'completed' && o.state !== 'failed');
  if (stuck) problems.push(`${unfinished} jobs unfinished (job ${stuck.id} ${stuck.state})`);
  if (crashes.length > 0) problems.push(`${crashes.length} worker crashes (${crashes[0]})`);
  const retried = v.outcomes.filter((o) => o.state === 'completed' && o.attemptsMade > 1).length;
  if (retried > 0) problems.push(`${retried} completed jobs needed more than one attempt`);
  return {
    scenario: v.scenario,
    backend: v.target.name,
    items: items.expected,
    lost: items.lost,
    duplicates: items.duplicates,
    bound: v.bound,
    completed,
    failed,
    unfinished,
    jobs: v.outcomes.length,
    crashes: crashes.length,
    wallMs: Date.now() - v.stage.startedAt,
    pass: problems.length === 0,
    notes: [...problems, ...(v.notes ?? [])],
  };
}

/** Full or short value of a parameter. */
export function pick<T>(ctx: ChaosContext, full: T, short: T): T {
  return ctx.short ? short : full;
}
