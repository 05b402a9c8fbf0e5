// The composition matrix: every way of writing a run, each dimension a feature that must compose
// with every other. `allCombos` is the whole matrix (npm run test:matrix); `sampleCombos` covers
// every pair of values of any two dimensions (backends included) in far fewer runs, for CI.
import type { BackendName } from '../../support/backends.js';

export const DIMENSIONS = {
  /** One enumerator, or two iterating steps with a call step between. */
  shape: ['enumerator', 'steps'],
  /** One job; a parallel run of 3 partitions; a skewed one that rebalances. */
  run: ['single', 'partitions', 'rebalance'],
  /** Where effects commit: after the item; in a transaction per item, per group of 3, per batch. */
  effects: ['at-least-once', 'tx-item', 'tx-group', 'tx-batch'],
  /** A failing item: fails the attempt (BullMQ retries); is tried again in place; is skipped. */
  policy: ['fail', 'retry', 'skip'],
  /** Requeues along the way: every few items; when interruptWhen says so. */
  limit: ['maxItemsPerRun', 'interruptWhen'],
  /** The deploy a third of the way: the same code, or version 2 with a migration (a rolling deploy). */
  version: ['unchanged', 'bumped'],
  backend: ['redis', 'redis-cluster', 'postgres', 'pglite'],
} as const;

type Dimensions = typeof DIMENSIONS;
export type Combo = { readonly [K in keyof Dimensions]: Dimensions[K][number] } & {
  readonly backend: BackendName;
};

const KEYS = Object.keys(DIMENSIONS) as (keyof Dimensions)[];

/** Every combination, backend last. */
export function allCombos(): Combo[] {
  let combos: Record<string, string>[] = [{}];
  for (const key of KEYS) {
    combos = combos.flatMap((c) => DIMENSIONS[key].map((value) => ({ ...c, [key]: value })));
  }
  return combos as unknown as Combo[];
}

/**
 * A covering sample: every pair of values of two dimensions appears in some combination. Chosen
 * greedily, in a fixed order, so CI runs the same sample every time.
 */
export function sampleCombos(): Combo[] {
  const all = allCombos();
  const uncovered = new Set<string>();
  for (const combo of all) for (const pair of pairsOf(combo)) uncovered.add(pair);
  const chosen: Combo[] = [];
  while (uncovered.size > 0) {
    let best = all[0]!;
    let gain = -1;
    for (const combo of all) {
      const g = pairsOf(combo).filter((p) => uncovered.has(p)).length;
      if (g > gain) {
        best = combo;
        gain = g;
      }
    }
    chosen.push(best);
    for (const pair of pairsOf(best)) uncovered.delete(pair);
  }
  return chosen;
}

function pairsOf(combo: Combo): string[] {
  const pairs: string[] = [];
  for (let i = 0; i < KEYS.length; i++) {
    for (let j = i + 1; j < KEYS.length; j++) {
      pairs.push(`${KEYS[i]}=${combo[KEYS[i]!]}&${KEYS[j]}=${combo[KEYS[j]!]}`);
    }
  }
  return pairs;
}

export function describeCombo(c: Combo): string {
  return `${c.shape} · ${c.run} · ${c.effects} · ${c.policy} · ${c.limit} · ${c.version}`;
}
