// OpenTelemetry on parallel runs: a span per execution of the parent job (the phase it reached,
// the summed figures, the outcome) and the partitions' run spans naming their run, so a tracing UI
// can join them on `bullmq.iteration.run_id`.
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { cancelRun } from '../../../src/index.js';
import { backends } from '../../support/backends.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { uniqueQueueName } from '../../support/names.js';
import { type OtelHarness, otelHarness } from '../../support/otel.js';
import { parallelCounter } from '../parallel/support.js';

let otel: OtelHarness;
beforeEach(() => {
  otel = otelHarness();
});
afterEach(() => otel.shutdown());

const telemetryOf = () => ({
  openTelemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
});

const attributesOf = (spans: readonly ReadableSpan[], key: string) =>
  spans.map((span) => span.attributes[key]);

describe.each(backends)('OpenTelemetry of parallel runs on $name', (b) => {
  it('gives each execution of the parent a span, and the partitions name the run', async () => {
    const queueName = uniqueQueueName('otel-parallel');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 30, partitions: 3 });
    // Concurrency 1: the parent holds the only slot until it sleeps in waiting-children, so its
    // first execution always ends there and a later one completes the run.
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    let parentId: string;
    try {
      const parent = await c.job.enqueue(queue, {});
      parentId = parent.id!;
      await completion(worker, parentId);
    } finally {
      await worker.close();
    }
    const parents = otel.parentSpans();
    expect(parents.length).toBeGreaterThanOrEqual(2);
    for (const span of parents) {
      expect(span.name).toBe('iteration.parent parallel-counter');
      expect(span.attributes).toMatchObject({
        'bullmq.queue.name': queueName,
        'bullmq.job.name': 'parallel-counter',
        'bullmq.job.id': parentId,
        'bullmq.iteration.run_id': parentId,
        'bullmq.iteration.partitions': 3,
      });
    }
    const first = parents[0]!;
    const last = parents.at(-1)!;
    expect(first.attributes).toMatchObject({
      'bullmq.iteration.phase': 'waiting',
      'bullmq.iteration.outcome': 'waiting-children',
      'bullmq.iteration.processed': 0,
    });
    expect(attributesOf(parents.slice(0, -1), 'bullmq.iteration.outcome')).toEqual(
      parents.slice(0, -1).map(() => 'waiting-children'),
    );
    expect(last.attributes).toMatchObject({
      'bullmq.iteration.phase': 'completing',
      'bullmq.iteration.outcome': 'completed',
      'bullmq.iteration.processed': 30,
      'bullmq.iteration.total': 30,
    });
    expect(last.status.code).not.toBe(SpanStatusCode.ERROR);

    const partitions = otel
      .runSpans()
      .filter((span) => span.attributes['bullmq.iteration.partition'] !== undefined);
    expect(attributesOf(partitions, 'bullmq.iteration.partition').sort()).toEqual([0, 1, 2]);
    expect(new Set(attributesOf(partitions, 'bullmq.iteration.run_id'))).toEqual(
      new Set([parentId]),
    );
  });

  it('marks the parent of a run whose partition failed as an error', async () => {
    const queueName = uniqueQueueName('otel-parallel-failed');
    const queue = b.queue(queueName);
    const c = parallelCounter({
      total: 30,
      partitions: 3,
      onItem: (item) => {
        if (item === 15) throw new Error('row 15 is corrupt');
      },
    });
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    try {
      const parent = await c.job.enqueue(queue, {});
      await expect(completion(worker, parent.id!)).rejects.toThrow('partitions failed');
    } finally {
      await worker.close();
    }
    const last = otel.parentSpans().at(-1)!;
    expect(last.attributes).toMatchObject({
      'bullmq.iteration.phase': 'waiting',
      'bullmq.iteration.outcome': 'failed',
      'bullmq.iteration.partitions': 3,
    });
    expect(last.status.code).toBe(SpanStatusCode.ERROR);
    expect(last.events.map((e) => e.name)).toContain('exception');
  });

  it('records a run cancelled before it planned', async () => {
    const queueName = uniqueQueueName('otel-parallel-cancelled');
    const queue = b.queue(queueName);
    const c = parallelCounter({ total: 30, partitions: 3 });
    const parent = await c.job.enqueue(queue, {});
    await cancelRun(queue, parent.id!, { reason: 'wrong params' });
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    try {
      await completion(worker, parent.id!);
    } finally {
      await worker.close();
    }
    const [span, ...others] = otel.parentSpans();
    expect(others).toHaveLength(0);
    expect(span!.attributes).toMatchObject({
      'bullmq.iteration.phase': 'planning',
      'bullmq.iteration.outcome': 'cancelled',
    });
    expect(span!.attributes['bullmq.iteration.partitions']).toBeUndefined();
    expect(c.calls.plans).toBe(0);
  });
});
