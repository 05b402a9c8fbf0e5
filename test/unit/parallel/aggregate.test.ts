// A parallel run's figures summed over its partitions.
import { describe, expect, it } from 'vitest';

import type { PartitionFigures } from '../../../src/parallel/aggregate.js';
import { parallelProgress, sumFigures } from '../../../src/parallel/aggregate.js';

function part(fields: Partial<PartitionFigures>): PartitionFigures {
  return {
    processed: 0,
    total: undefined,
    finished: false,
    itemsPerSecond: undefined,
    timesInterrupted: 0,
    timesThrottled: 0,
    throttledMs: 0,
    skipped: 0,
    totalTimeMs: 0,
    ...fields,
  };
}

describe('sumFigures', () => {
  it('sums processed, totals, running rates and derives the ETA', () => {
    const figures = sumFigures([
      part({ processed: 100, total: 100, finished: true, itemsPerSecond: 99, totalTimeMs: 10 }),
      part({ processed: 50, total: 100, itemsPerSecond: 10, timesInterrupted: 1 }),
      part({ processed: 20, total: 200, itemsPerSecond: 15, skipped: 2 }),
    ]);
    expect(figures).toMatchObject({
      processed: 170,
      total: 400,
      percentage: 42.5,
      // The finished partition's rate no longer counts.
      itemsPerSecond: 25,
      etaMs: ((400 - 170) / 25) * 1000,
      timesInterrupted: 1,
      skipped: 2,
      finished: 1,
      count: 3,
    });
  });

  it('has no total while a partition is pending or cannot count, and estimates the percentage', () => {
    const figures = sumFigures([
      part({ processed: 100, total: 100, finished: true }),
      part({ processed: 25, total: 100 }),
      undefined,
      part({ processed: 7 }),
    ]);
    expect(figures.total).toBeUndefined();
    expect(figures.etaMs).toBeUndefined();
    // (1 + 0.25 + 0 + 0) / 4 partitions.
    expect(figures.percentage).toBe(31.25);
  });

  it('stays below 100 until the run completes; the completed parent says 100', () => {
    const figures = sumFigures([part({ processed: 10, total: 10, finished: true })]);
    expect(figures.percentage).toBeLessThan(100);
    expect(parallelProgress(figures, 'running').progress).toBe(figures.percentage);
    expect(parallelProgress(figures, 'completed')).toMatchObject({
      progress: 100,
      processed: 10,
      partitions: { count: 1, finished: 1 },
    });
  });
});
