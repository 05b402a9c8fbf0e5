/**
 * Which partitions of a rebalancing run to split, and into how many pieces, when a slot of the run
 * may be idle: a partition completed (its slot is free) or a split piece started (an earlier
 * request may have served fewer slots than were free). Pure, over the partitions as any process
 * reads them (see flow.ts):
 *
 *   a partition not added yet, or waiting for its first slot ─► nothing: a free slot takes it
 *   else idle slots = the run's slots (the most partitions seen running at once) − unfinished
 *     ─► each idle slot is a piece asked of a running partition, the one with the most left per
 *        piece getting the next: [p0: 3 pieces, p4: 1 piece]
 *
 * A partition that started and waits to be taken again (requeued on its shrunk bounds after a
 * split, or after an interruption) counts as holding a slot, since it takes one back at once; it
 * does not stop the plan, or a piece starting while the partition it came from requeues would
 * never find the slots still idle. Only partitions running now are asked: a partition is `active`
 * and has published its `running` progress in this activation. A partition that waits for a slot,
 * or has not started, is never split: a free slot will take it as it is.
 */
import type { IterationProgress } from '../runtime/progress.js';
import type { PartitionJob } from './flow.js';
import { figuresOf, isFinished } from './flow.js';

/** A split to ask for: `ways` more pieces of `target`. */
export interface SplitAsk {
  readonly target: PartitionJob;
  readonly ways: number;
}

/** Most pieces one request asks of a partition. */
export const MAX_SPLIT_WAYS = 16;

/**
 * The splits to ask for now. `completing` is the partition whose completion asks (its slot is the
 * one freed; undefined when a starting piece asks); `slots` how many partitions of the run ran at
 * once at most, as far as this process has seen (see {@link RunSlots}).
 */
export function planSplits(
  partitions: readonly PartitionJob[],
  completing: string | undefined,
  slots: number,
): SplitAsk[] {
  const others = partitions.filter((p) => p.jobId !== completing && !isFinished(p));
  // A partition not added yet, or waiting for its first slot: the free slot is for it.
  if (others.some((p) => (p.job?.processedOn ?? 0) === 0)) return [];
  const idle = slots - others.length;
  if (idle <= 0) return [];
  const targets = others.flatMap((p) => {
    const left = leftOf(p);
    return running(p) && left >= 2 ? [{ target: p, left, ways: 0 }] : [];
  });
  if (targets.length === 0) return [];
  for (let piece = 0; piece < idle; piece++) {
    // The next piece goes to the partition that would keep the most per piece.
    let best: (typeof targets)[number] | undefined;
    for (const t of targets) {
      if (t.ways >= MAX_SPLIT_WAYS || t.ways + 1 >= t.left) continue;
      if (best === undefined || t.left / (t.ways + 1) > best.left / (best.ways + 1)) best = t;
    }
    if (best === undefined) break;
    best.ways++;
  }
  return targets.filter((t) => t.ways > 0).map(({ target, ways }) => ({ target, ways }));
}

/** Items a partition has left; partitions that cannot count theirs count as having the most. */
function leftOf(p: PartitionJob): number {
  const figures = figuresOf(p);
  return figures?.total === undefined ? Infinity : figures.total - figures.processed;
}

/** Active, and its progress says `running` since it was taken in this activation. */
function running(p: PartitionJob): boolean {
  if (p.state !== 'active' || p.job === undefined) return false;
  const progress = p.job.progress as Partial<IterationProgress> | null | undefined;
  if (typeof progress !== 'object' || progress === null || progress.status !== 'running') {
    return false;
  }
  const since = p.job.processedOn;
  return since === undefined || (progress.updatedAt ?? 0) >= since;
}

/** Runs remembered at most: a parent-id key each, dropped oldest first. */
const REMEMBERED_RUNS = 1_000;

/**
 * The slots of each rebalancing run, as this process has seen them: the most of its partitions it
 * has seen active at once. A run's slots are what its partitions got from the workers, which no
 * process can ask BullMQ for; the peak seen is a lower bound that only grows.
 */
export class RunSlots {
  readonly #seen = new Map<string, number>();

  /**
   * Records the partitions active now (the completing one included) and what another process saw
   * (`handed`, from the partition's data), and returns the slots.
   */
  observe(run: string, partitions: readonly PartitionJob[], handed = 0): number {
    const active = partitions.filter((p) => p.state === 'active').length;
    const slots = Math.max(this.#seen.get(run) ?? 0, active, handed);
    this.#seen.delete(run);
    this.#seen.set(run, slots);
    if (this.#seen.size > REMEMBERED_RUNS) this.#seen.delete(this.#seen.keys().next().value!);
    return slots;
  }
}
