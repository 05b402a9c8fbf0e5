// The real OpenTelemetry SDK with in-memory exporters, for telemetry tests: spans land in an
// InMemorySpanExporter as they end, metrics are collected on demand by a pull reader.
import type { Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** A metric reader that collects only when asked, like a Prometheus scrape. */
class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface OtelHarness {
  readonly exporter: InMemorySpanExporter;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Ended spans of runs (`iteration.run ...`). */
  runSpans(): ReadableSpan[];
  /** Ended spans of parallel runs' parent jobs (`iteration.parent ...`), oldest first. */
  parentSpans(): ReadableSpan[];
  /** Collects now; one data point per attribute set of `metric`. */
  points(metric: string): Promise<MetricPoint[]>;
  shutdown(): Promise<void>;
}

export interface MetricPoint {
  readonly attributes: Attributes;
  /** The sum, gauge value, or histogram count. */
  readonly value: number;
}

export function otelHarness(): OtelHarness {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    exporter,
    tracerProvider,
    meterProvider,
    runSpans: () => exporter.getFinishedSpans().filter((s) => s.name.startsWith('iteration.run')),
    parentSpans: () =>
      exporter.getFinishedSpans().filter((s) => s.name.startsWith('iteration.parent ')),
    async points(metric) {
      const { resourceMetrics } = await reader.collect();
      return pointsOf(resourceMetrics, metric);
    },
    async shutdown() {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}

function pointsOf(resourceMetrics: ResourceMetrics, name: string): MetricPoint[] {
  const found: MetricPoint[] = [];
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        const value =
          metric.dataPointType === DataPointType.HISTOGRAM
            ? (point.value as { count: number }).count
            : (point.value as number);
        found.push({ attributes: point.attributes, value });
      }
    }
  }
  return found;
}

/** The value of the single point of `metric` whose attributes include `match`. */
export function valueWhere(points: MetricPoint[], match: Attributes): number | undefined {
  const hits = points.filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v));
  return hits.length === 0 ? undefined : hits.reduce((sum, p) => sum + p.value, 0);
}

/**
 * Registers the harness's providers and an AsyncLocalStorage context manager as the process's
 * global OpenTelemetry, as an SDK's start() does; returns the function that unregisters them.
 */
export async function registerGlobally(otel: OtelHarness): Promise<() => void> {
  const { context, metrics, trace } = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(otel.tracerProvider);
  metrics.setGlobalMeterProvider(otel.meterProvider);
  return () => {
    context.disable();
    trace.disable();
    metrics.disable();
  };
}
