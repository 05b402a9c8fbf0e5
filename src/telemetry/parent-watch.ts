/**
 * What a parent's span learns about one execution of the parent, without the parent knowing: the
 * worker hands the parent a host whose store and progress calls pass through here. The parent's
 * fenced state says whether it has planned (and how many partitions) and whether it is completing;
 * a refused save means the lock was lost; its published progress carries the summed figures.
 */
import type { Job } from 'bullmq';

import type { CheckpointStore, JobRef } from '../backends/store.js';
import type { ParentPhase } from './names.js';

/** The host calls a parent makes that tell how far it got. */
export interface WatchableHost {
  readonly store: CheckpointStore;
  publishProgress(job: Job, progress: object): Promise<void>;
}

export class ParentWatch {
  readonly #id: string;
  phase: ParentPhase = 'planning';
  partitions: number | undefined;
  processed: number | undefined;
  total: number | undefined;
  lockLost = false;

  constructor(job: Job) {
    this.#id = String(job.id);
  }

  /** `host` with its store and progress calls observed for this parent's job. */
  host<H extends WatchableHost>(host: H): H {
    const store = host.store;
    const mine = (ref: JobRef) => ref.id === this.#id;
    const watched: CheckpointStore = {
      load: async (ref) => {
        const json = await store.load(ref);
        if (json !== undefined && mine(ref)) this.#state(json);
        return json;
      },
      save: async (ref, token, json) => {
        const saved = await store.save(ref, token, json);
        if (mine(ref)) {
          if (saved) this.#state(json);
          else this.lockLost = true;
        }
        return saved;
      },
      loadControl: (ref) => store.loadControl(ref),
      setControl: (ref, json) => store.setControl(ref, json),
      loadClaims: (ref) => store.loadClaims(ref),
      swapClaims: (ref, expected, next) => store.swapClaims(ref, expected, next),
      loadSettings: (ref) => store.loadSettings(ref),
      swapSettings: (ref, expected, next) => store.swapSettings(ref, expected, next),
      takeTokens: (ref, wanted, perSecond, burst) =>
        store.takeTokens(ref, wanted, perSecond, burst),
      takeSlot: (ref, holder, target, ttlMs) => store.takeSlot(ref, holder, target, ttlMs),
      releaseSlot: (ref, holder) => store.releaseSlot(ref, holder),
    };
    return {
      ...host,
      store: watched,
      publishProgress: (job: Job, progress: object) => {
        if (String(job.id) === this.#id) this.#progress(progress);
        return host.publishProgress(job, progress);
      },
    };
  }

  #state(json: string): void {
    let state: { parallel?: { plan?: unknown }; phase?: unknown } | null;
    try {
      state = JSON.parse(json) as typeof state;
    } catch {
      return;
    }
    const plan = state?.parallel?.plan;
    if (Array.isArray(plan)) {
      this.partitions = plan.length;
      if (this.phase === 'planning') this.phase = 'waiting';
    }
    if (state?.phase === 'completing') this.phase = 'completing';
  }

  #progress(progress: object): void {
    // The partition count comes from the plan only: a run cancelled before planning has none.
    const p = progress as { processed?: unknown; total?: unknown };
    if (typeof p.processed === 'number') this.processed = p.processed;
    if (typeof p.total === 'number') this.total = p.total;
  }
}
