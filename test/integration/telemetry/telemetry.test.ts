// OpenTelemetry with the real SDK and in-memory exporters, providers passed explicitly: a span per
// run with its attributes and events, and the metrics after runs of known sizes.
import { SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { pauseRun } from '../../../src/index.js';
import { backendByName, backends } from '../../support/backends.js';
import { completion, iterationWorker, nextEvent, sleep } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { type OtelHarness, otelHarness, valueWhere } from '../../support/otel.js';

let otel: OtelHarness;
beforeEach(() => {
  otel = otelHarness();
});
afterEach(() => otel.shutdown());

const telemetryOf = () => ({
  openTelemetry: {
    tracerProvider: otel.tracerProvider,
    meterProvider: otel.meterProvider,
    itemSampleIntervalMs: 10,
  },
});

/** The metrics of one completed run of 120 items, read while its worker still reports them. */
async function expectRunMetrics(queueName: string): Promise<void> {
  const where = { 'bullmq.queue.name': queueName, 'bullmq.job.name': 'counter' };
  expect(valueWhere(await otel.points('bullmq.iteration.items.processed'), where)).toBe(120);
  expect(
    valueWhere(await otel.points('bullmq.iteration.runs'), {
      ...where,
      'bullmq.iteration.status': 'completed',
    }),
  ).toBe(1);
  // Sampled: some items were timed, far from all of them.
  const timed = valueWhere(await otel.points('bullmq.iteration.item.duration'), where) ?? 0;
  expect(timed).toBeGreaterThan(0);
  expect(timed).toBeLessThan(120);
}

describe.each(backends)('OpenTelemetry on $name', (b) => {
  it('gives a completed run a span with its figures, and counts its N items', async () => {
    const queueName = uniqueQueueName('otel-complete');
    const queue = b.queue(queueName);
    const c = counter({ total: 120, stepMs: 1, size: 120 });
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
      await expectRunMetrics(queueName);
    } finally {
      await worker.close();
    }
    const [span, ...others] = otel.runSpans();
    expect(others).toHaveLength(0);
    expect(span!.name).toBe('iteration.run counter');
    expect(span!.attributes).toMatchObject({
      'bullmq.queue.name': queueName,
      'bullmq.job.name': 'counter',
      'bullmq.iteration.items': 120,
      'bullmq.iteration.processed': 120,
      'bullmq.iteration.outcome': 'completed',
    });
    expect(typeof span!.attributes['bullmq.job.id']).toBe('string');
    expect(span!.events.map((e) => e.name)).toEqual(['iteration.started', 'iteration.completed']);
  });

  it('reports the checkpoint lag and the figures of a running run as gauges', async () => {
    const queueName = uniqueQueueName('otel-gauges');
    const queue = b.queue(queueName);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedItem!: () => void;
    const reached = new Promise<void>((resolve) => (reachedItem = resolve));
    const c = counter({
      total: 50,
      size: 50,
      onItem: async (item) => {
        if (item !== 29) return;
        reachedItem();
        await held;
      },
    });
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    try {
      const job = await c.job.enqueue(queue, {});
      await reached;
      const run = { 'bullmq.queue.name': queueName, 'bullmq.job.id': job.id! };
      expect(valueWhere(await otel.points('bullmq.iteration.run.processed'), run)).toBe(29);
      expect(valueWhere(await otel.points('bullmq.iteration.run.total'), run)).toBe(50);
      const lagItems = valueWhere(await otel.points('bullmq.iteration.checkpoint.lag.items'), run);
      const lagMs = valueWhere(await otel.points('bullmq.iteration.checkpoint.lag.time'), run);
      expect(lagItems).toBeGreaterThanOrEqual(0);
      expect(lagItems).toBeLessThanOrEqual(29);
      expect(lagMs).toBeGreaterThanOrEqual(0);
      // Live: the processed counter already includes the running run's items.
      expect(
        valueWhere(await otel.points('bullmq.iteration.items.processed'), {
          'bullmq.queue.name': queueName,
        }),
      ).toBe(29);
      release();
      await completion(worker, job.id!);
      expect(
        valueWhere(await otel.points('bullmq.iteration.items.processed'), {
          'bullmq.queue.name': queueName,
        }),
      ).toBe(50);
    } finally {
      release();
      await worker.close();
    }
  });

  it('marks a failed run as an error, with a failure event and the exception', async () => {
    const queueName = uniqueQueueName('otel-failed');
    const queue = b.queue(queueName);
    const c = counter({
      total: 20,
      onItem: (item) => {
        if (item === 5) throw new Error('row 5 is corrupt');
      },
    });
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    try {
      const job = await c.job.enqueue(queue, {});
      await expect(completion(worker, job.id!)).rejects.toThrow('row 5 is corrupt');
    } finally {
      await worker.close();
    }
    const [span] = otel.runSpans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes).toMatchObject({
      'bullmq.iteration.outcome': 'failed',
      'bullmq.iteration.items': 5,
    });
    const names = span!.events.map((e) => e.name);
    expect(names).toContain('iteration.failed');
    expect(names).toContain('exception');
    expect(
      valueWhere(await otel.points('bullmq.iteration.runs'), {
        'bullmq.queue.name': queueName,
        'bullmq.iteration.status': 'failed',
      }),
    ).toBe(1);
  });
});

describe('OpenTelemetry on redis: interruptions, pauses, throttles, lock loss', () => {
  const b = backendByName('redis');

  it('gives an interrupted run the reason, an event, and counts it by reason', async () => {
    const queueName = uniqueQueueName('otel-interrupted');
    const queue = b.queue(queueName);
    const c = counter({ total: 10_000, stepMs: 2 });
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    const started = nextEvent(worker, 'iteration.started');
    await c.job.enqueue(queue, {});
    await started;
    await sleep(50);
    await worker.close();
    const [span] = otel.runSpans();
    expect(span!.attributes).toMatchObject({
      'bullmq.iteration.outcome': 'interrupted',
      'bullmq.iteration.interrupt.reason': 'shutdown',
      'bullmq.iteration.items': c.seen.length,
    });
    const event = span!.events.find((e) => e.name === 'iteration.interrupted');
    expect(event?.attributes).toEqual({ 'bullmq.iteration.interrupt.reason': 'shutdown' });
    expect(
      valueWhere(await otel.points('bullmq.iteration.interruptions'), {
        'bullmq.queue.name': queueName,
        'bullmq.iteration.interrupt.reason': 'shutdown',
      }),
    ).toBe(1);
  });

  it('records a pause as an event with the operator reason', async () => {
    const queueName = uniqueQueueName('otel-paused');
    const queue = b.queue(queueName);
    const c = counter({ total: 10_000, stepMs: 2 });
    const worker = iterationWorker(b, queueName, [c.job], {
      ...telemetryOf(),
      controlPollIntervalMs: 50,
    });
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {});
      await started;
      const paused = nextEvent(worker, 'iteration.paused');
      await pauseRun(queue, job.id!, { reason: 'maintenance window' });
      await paused;
    } finally {
      await worker.close();
    }
    const [span] = otel.runSpans();
    expect(span!.attributes['bullmq.iteration.outcome']).toBe('paused');
    const event = span!.events.find((e) => e.name === 'iteration.paused');
    expect(event?.attributes).toEqual({ 'bullmq.iteration.control.reason': 'maintenance window' });
  });

  it('records a throttle with its condition, and adds the backoff to the throttled time', async () => {
    const queueName = uniqueQueueName('otel-throttled');
    const queue = b.queue(queueName);
    let busy = false;
    const c = counter({
      total: 10,
      throttle: { name: 'replica-lag', check: () => busy, backoffMs: 60_000 },
      onItem: (item) => {
        if (item === 3) busy = true;
      },
    });
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    try {
      await c.job.enqueue(queue, {});
      await nextEvent(worker, 'iteration.throttled');
      await sleep(20);
    } finally {
      await worker.close();
    }
    const [span] = otel.runSpans();
    expect(span!.attributes).toMatchObject({
      'bullmq.iteration.outcome': 'throttled',
      'bullmq.iteration.throttle.condition': 'replica-lag',
      'bullmq.iteration.items': 4,
    });
    expect(span!.events.map((e) => e.name)).toContain('iteration.throttled');
    const throttledMs = valueWhere(await otel.points('bullmq.iteration.throttled.time'), {
      'bullmq.queue.name': queueName,
      'bullmq.iteration.throttle.condition': 'replica-lag',
    });
    expect(throttledMs).toBeGreaterThanOrEqual(60_000);
  });

  it('records a lost lock as an event and the outcome lock-lost', async () => {
    const queueName = uniqueQueueName('otel-lock-lost');
    const queue = b.queue(queueName);
    const c = counter({ total: 10_000, stepMs: 2 });
    const worker = iterationWorker(b, queueName, [c.job], telemetryOf());
    try {
      const started = nextEvent(worker, 'iteration.started');
      const job = await c.job.enqueue(queue, {});
      await started;
      const lost = nextEvent(worker, 'iteration.lockLost');
      await b.redis().set(`bull:${queueName}:${job.id}:lock`, 'another-worker', 'PX', 60_000);
      await lost;
      await sleep(20);
    } finally {
      await worker.close();
    }
    const [span] = otel.runSpans();
    expect(span!.attributes['bullmq.iteration.outcome']).toBe('lock-lost');
    expect(span!.events.map((e) => e.name)).toContain('iteration.lockLost');
  });
});
