/**
 * A worker's view of its queue's holds (see src/backends/holds.ts): read fresh when a run starts,
 * so a run enqueued during a hold never starts an item, and at most once per poll interval for
 * the runs already going (one read per worker, whatever the number of its runs). A run whose tags
 * a hold covers is interrupted as `held` and parks; it looks again when it wakes.
 */
import type { Job } from 'bullmq';

import type { Hold, HoldStore } from '../backends/holds.js';
import { holdCovers } from '../backends/holds.js';
import type { RunHolds, RunHost } from './host.js';
import type { StopReason } from './interruption.js';
import { JOB_OPTIONS_KEY } from './run-rate.js';

export class HoldWatch implements RunHolds {
  readonly #store: HoldStore;
  readonly #queueName: string;
  #holds: readonly Hold[] = [];
  #readAt = -Infinity;
  #reading: Promise<readonly Hold[]> | undefined;

  constructor(store: HoldStore, queueName: string) {
    this.#store = store;
    this.#queueName = queueName;
  }

  /** The oldest hold over `tags`, from holds read at most `maxAgeMs` ago. */
  async covering(tags: RunTags | undefined, maxAgeMs: number): Promise<Hold | undefined> {
    if (tags === undefined) return undefined;
    const holds = Date.now() - this.#readAt <= maxAgeMs ? this.#holds : await this.#read();
    return holds.find((hold) => holdCovers(hold, tags));
  }

  #read(): Promise<readonly Hold[]> {
    this.#reading ??= this.#store
      .load(this.#queueName)
      .then((holds) => {
        this.#holds = holds;
        this.#readAt = Date.now();
        return holds;
      })
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }
}

type RunTags = Readonly<Record<string, string>>;

/** The tags a run was enqueued with (kept in its job options; partitions inherit them). */
export function runTagsOf(job: Job): RunTags | undefined {
  const run = (job.opts as Record<string, unknown> | undefined)?.[JOB_OPTIONS_KEY] as
    { tags?: RunTags } | undefined;
  return run?.tags;
}

export interface HeldRun {
  readonly host: RunHost;
  readonly job: Job;
  interrupt(reason: StopReason, detail?: string): void;
}

/**
 * True when a hold covers the run, which is then interrupted as `held`. `fresh` reads the holds
 * now (a run's start); otherwise holds read within the poll interval do. A store that cannot
 * answer holds nothing back: the next poll asks again.
 */
export async function heldBack(run: HeldRun, fresh: boolean): Promise<boolean> {
  const watch = run.host.holds;
  if (watch === undefined) return false;
  const maxAgeMs = fresh ? 0 : run.host.options.controlPollIntervalMs;
  const hold = await watch.covering(runTagsOf(run.job), maxAgeMs);
  if (hold === undefined) return false;
  run.interrupt('held', `held by ${hold.id}: ${hold.reason}`);
  return true;
}
