// The metrics as Prometheus scrapes them through the OpenTelemetry Prometheus exporter: the names
// the observability guide lists, and the series its ETA query reads.
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';

import { backendByName } from '../../support/backends.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';

/** The metric names of a scrape (from its TYPE lines), sorted. */
function metricNames(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!).sort();
}

/** The value of the sample of `name` whose labels start with `labels`. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels},`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('the Prometheus exporter, on redis', () => {
  const b = backendByName('redis');

  it('exposes every metric under the names the guide lists', async () => {
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    const scrape = async () => {
      const { resourceMetrics } = await exporter.collect();
      return new PrometheusSerializer().serialize(resourceMetrics);
    };
    const queueName = uniqueQueueName('otel-prometheus');
    const queue = b.queue(queueName);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let reachedItem!: () => void;
    const reached = new Promise<void>((resolve) => (reachedItem = resolve));
    const c = counter({
      total: 40,
      size: 40,
      stepMs: 1,
      onItem: async (item) => {
        if (item !== 19) return;
        reachedItem();
        await held;
      },
    });
    const worker = iterationWorker(b, queueName, [c.job], {
      openTelemetry: { meterProvider, itemSampleIntervalMs: 5 },
    });
    let running: string;
    let finished: string;
    try {
      const job = await c.job.enqueue(queue, {});
      await reached;
      running = await scrape();
      release();
      await completion(worker, job.id!);
      finished = await scrape();
    } finally {
      release();
      await worker.close();
      await meterProvider.shutdown();
    }
    expect(metricNames(finished)).toEqual([
      'bullmq_iteration_checkpoint_lag_items',
      'bullmq_iteration_checkpoint_lag_time',
      'bullmq_iteration_item_duration',
      'bullmq_iteration_items_processed_total',
      'bullmq_iteration_run_active',
      'bullmq_iteration_run_processed',
      'bullmq_iteration_run_total',
      'bullmq_iteration_runs_total',
      'target_info',
    ]);
    const labels = `bullmq_queue_name="${queueName}",bullmq_job_name="counter"`;
    const run = `${labels},bullmq_job_id="1"`;
    // What the guide's ETA query reads: total, processed and active, by job id.
    expect(sample(running, 'bullmq_iteration_run_active', run)).toBe(1);
    expect(sample(running, 'bullmq_iteration_run_processed', run)).toBe(19);
    expect(sample(running, 'bullmq_iteration_run_total', run)).toBe(40);
    expect(sample(running, 'bullmq_iteration_items_processed_total', labels)).toBe(19);
    // An ended run says so: the SDK would otherwise keep reporting its last values.
    expect(sample(finished, 'bullmq_iteration_run_active', run)).toBe(0);
    expect(sample(finished, 'bullmq_iteration_checkpoint_lag_items', run)).toBe(0);
    expect(sample(finished, 'bullmq_iteration_items_processed_total', labels)).toBe(40);
    expect(
      sample(
        finished,
        'bullmq_iteration_runs_total',
        `${labels},bullmq_iteration_status="completed"`,
      ),
    ).toBe(1);
    expect(sample(finished, 'bullmq_iteration_item_duration_count', labels)).toBeGreaterThan(0);
  });
});
