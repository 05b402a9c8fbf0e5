// OpenTelemetry registered globally, as an application's SDK start() does: with bullmq-otel as
// BullMQ's `telemetry` option the run span is a child of BullMQ's job span; `auto` finds the SDK
// without it; `openTelemetry: false` creates nothing even then.
import { BullMQOtel } from 'bullmq-otel';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { backendByName } from '../../support/backends.js';
import { completion, iterationWorker } from '../../support/iteration.js';
import { counter } from '../../support/jobs.js';
import { uniqueQueueName } from '../../support/names.js';
import { type OtelHarness, otelHarness, registerGlobally } from '../../support/otel.js';

let otel: OtelHarness;
let unregister: () => void;
beforeAll(async () => {
  otel = otelHarness();
  unregister = await registerGlobally(otel);
});
afterAll(async () => {
  unregister();
  await otel.shutdown();
});
beforeEach(() => otel.exporter.reset());

describe('OpenTelemetry registered globally, on redis', () => {
  const b = backendByName('redis');

  async function runJob(options: Record<string, unknown>, total = 5): Promise<string> {
    const queueName = uniqueQueueName('otel-global');
    const queue = b.queue(queueName);
    const c = counter({ total });
    const worker = iterationWorker(b, queueName, [c.job], options);
    try {
      const job = await c.job.enqueue(queue, {});
      await completion(worker, job.id!);
    } finally {
      await worker.close();
    }
    return queueName;
  }

  it("makes the run span a child of BullMQ's job span under bullmq-otel", async () => {
    const queueName = await runJob({
      telemetry: new BullMQOtel({ tracerName: 'bullmq-iteration-test' }),
    });
    const spans = otel.exporter.getFinishedSpans();
    const process = spans.find((s) => s.name === `process ${queueName}`);
    const [run, ...others] = otel.runSpans();
    expect(others).toHaveLength(0);
    expect(process).toBeDefined();
    expect(run!.spanContext().traceId).toBe(process!.spanContext().traceId);
    expect(run!.parentSpanContext?.spanId).toBe(process!.spanContext().spanId);
    expect(run!.attributes['bullmq.iteration.items']).toBe(5);
  });

  it('traces and measures with the registered SDK without any option', async () => {
    const queueName = await runJob({});
    const [run] = otel.runSpans();
    expect(run!.attributes).toMatchObject({
      'bullmq.queue.name': queueName,
      'bullmq.iteration.outcome': 'completed',
    });
    const runs = await otel.points('bullmq.iteration.runs');
    expect(runs.some((p) => p.attributes['bullmq.queue.name'] === queueName)).toBe(true);
  });

  it('creates no span and no metric with openTelemetry: false, SDK registered or not', async () => {
    const queueName = await runJob({ openTelemetry: false }, 50);
    expect(otel.runSpans()).toHaveLength(0);
    for (const metric of [
      'bullmq.iteration.runs',
      'bullmq.iteration.items.processed',
      'bullmq.iteration.item.duration',
    ]) {
      const points = await otel.points(metric);
      expect(points.filter((p) => p.attributes['bullmq.queue.name'] === queueName)).toEqual([]);
    }
  });
});
