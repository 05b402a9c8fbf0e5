/**
 * Adaptive concurrency of a parallel run (`adaptiveConcurrency: { minConcurrentPartitions, health }`):
 * health checks drive how many of its partitions are active, between `minConcurrentPartitions` and
 * `maxConcurrentPartitions` (or the plan's size), instead of the whole run flipping between full
 * speed and stopped. Additive increase, multiplicative decrease:
 *
 *   every partition, at its start and each control poll (about a second):
 *     health degraded ─► target = max(min, ⌊target / 2⌋)   (at most once per DECREASE_COOLDOWN_MS)
 *     healthy for INCREASE_INTERVAL_MS since the last change ─► target + 1   (up to max)
 *     take (or keep) one of `target` slots ─► none: shed (park at the item boundary, no attempt)
 *
 * The target lives in the run's live settings (changed by compare-and-set, so partitions that see
 * the same check agree, and an operator's rate is never undone); the slots are ranked by when
 * each was taken, so the newest partitions are shed first and the oldest keep their caches warm.
 */
import type { Job } from 'bullmq';

import type { CheckpointStore, JobRef } from '../backends/store.js';
import { IterationDefinitionError } from '../errors.js';
import type { RunAdmission } from '../runtime/host.js';
import { changeSettings } from '../runtime/run-rate.js';
import type { ThrottleOption } from '../throttle/condition.js';
import { evaluateThrottle } from '../throttle/evaluate.js';
import type { ResolvedThrottle } from '../throttle/resolve.js';
import { resolveThrottle } from '../throttle/resolve.js';

/** The option of a parallel definition. */
export interface AdaptiveConcurrencyOption<Params = unknown> {
  /** Fewest partitions kept active while health is degraded. @defaultValue 1 */
  readonly minConcurrentPartitions?: number;
  /** What says the run's resources are healthy: throttle conditions, as `throttle` takes them. */
  readonly health: ThrottleOption<Params, unknown>;
}

/** The state adaptive concurrency keeps in the run's live settings. */
export interface ConcurrencyState {
  readonly target: number;
  readonly max: number;
  /** When the target last changed (epoch ms). */
  readonly changedAt: number;
  /** Why it last went down, when it did. */
  readonly reason?: string;
}

/** A degraded check halves the target at most this often. */
export const DECREASE_COOLDOWN_MS = 2_000;
/** A healthy run adds one partition this long after the last change. */
export const INCREASE_INTERVAL_MS = 3_000;
/** How long a shed partition parks before it asks again. */
const SHED_PARK_MS = 1_500;

interface Resolved {
  readonly min: number;
  readonly health: ResolvedThrottle;
}

const resolved = new WeakMap<object, Resolved>();

/** The option of `definition`, validated once; undefined when it has none. */
export function adaptiveOf(definition: {
  readonly name: string;
  readonly adaptiveConcurrency?: unknown;
}): Resolved | undefined {
  const option = definition.adaptiveConcurrency as AdaptiveConcurrencyOption | undefined;
  if (option === undefined) return undefined;
  let r = resolved.get(definition);
  if (r !== undefined) return r;
  const fix = 'E.g. adaptiveConcurrency: { minConcurrentPartitions: 2, health: [replicaLag] }';
  if (typeof option !== 'object' || option === null || option.health === undefined) {
    throw new IterationDefinitionError(
      `Iteration job "${definition.name}": \`adaptiveConcurrency\` needs \`health\`, the ` +
        `conditions that say its resources are healthy. ${fix}`,
      definition.name,
    );
  }
  const min = option.minConcurrentPartitions ?? 1;
  if (typeof min !== 'number' || !Number.isSafeInteger(min) || min < 1) {
    throw new IterationDefinitionError(
      `Iteration job "${definition.name}": expected \`adaptiveConcurrency.minConcurrentPartitions\` ` +
        `to be a whole number ≥ 1, got \`${String(min)}\`. ${fix}`,
      definition.name,
    );
  }
  r = { min, health: resolveThrottle(option.health, { jobName: definition.name }) };
  resolved.set(definition, r);
  return r;
}

/** The admission of one partition of a run with adaptive concurrency. */
export class PartitionAdmission implements RunAdmission {
  readonly parkMs = SHED_PARK_MS;
  readonly #store: CheckpointStore;
  readonly #run: JobRef;
  readonly #holder: string;
  readonly #options: Resolved;
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #params: () => unknown;
  #last: { target: number; reason?: string | undefined } | undefined;

  constructor(args: {
    store: CheckpointStore;
    run: JobRef;
    holder: string;
    options: Resolved;
    max: number;
    pollMs: number;
    params: () => unknown;
  }) {
    this.#store = args.store;
    this.#run = args.run;
    this.#holder = args.holder;
    this.#options = args.options;
    this.#max = Math.max(args.options.min, args.max);
    this.#ttlMs = Math.max(5_000, args.pollMs * 4);
    this.#params = args.params;
  }

  async admit(job: Job): Promise<boolean> {
    try {
      const degraded = await this.#degraded(job);
      const target = await this.#adapt(degraded);
      const slot = await this.#store.takeSlot(this.#run, this.#holder, target, this.#ttlMs);
      return slot.held;
    } catch {
      // A store that cannot answer decides nothing: the run goes on as it was.
      return true;
    }
  }

  async release(): Promise<void> {
    await this.#store.releaseSlot(this.#run, this.#holder).catch(() => undefined);
  }

  reason(): string {
    const last = this.#last;
    const why = last?.reason === undefined ? '' : ` (${last.reason})`;
    return `adaptive concurrency: ${last?.target ?? '?'} of ${this.#max} partitions active${why}`;
  }

  /** The reason a health condition holds, or undefined while healthy. */
  async #degraded(job: Job): Promise<string | undefined> {
    const ctx = { params: this.#params(), cursor: null, job };
    const decision = await evaluateThrottle(this.#options.health, ctx, 0, {});
    return decision === undefined ? undefined : `${decision.condition}: ${decision.reason}`;
  }

  /** The run's target after this check: halved when degraded, one more after a healthy spell. */
  async #adapt(degraded: string | undefined): Promise<number> {
    const now = Date.now();
    const { min } = this.#options;
    const max = this.#max;
    const settings = await changeSettings(this.#store, this.#run, (current) => {
      const c = (current.concurrency as ConcurrencyState | undefined) ?? {
        target: max,
        max,
        changedAt: 0,
      };
      let next: ConcurrencyState = c;
      if (degraded !== undefined) {
        if (c.target > min && now - c.changedAt >= DECREASE_COOLDOWN_MS) {
          next = {
            target: Math.max(min, Math.floor(c.target / 2)),
            max,
            changedAt: now,
            reason: degraded,
          };
        }
      } else if (c.target < max && now - c.changedAt >= INCREASE_INTERVAL_MS) {
        next = { target: Math.min(max, c.target + 1), max, changedAt: now };
      }
      return next === c && current.concurrency !== undefined
        ? current
        : { ...current, concurrency: next };
    });
    const state = settings.concurrency as ConcurrencyState;
    this.#last = { target: state.target, reason: state.reason };
    return state.target;
  }
}
