// What OpenTelemetry costs the coalesced no-op loop, side by side in one run: telemetry off
// (`openTelemetry: false`), the default with @opentelemetry/api installed and no SDK registered
// (what every user without an SDK gets), and, for information, a real SDK receiving the run's
// span and metrics (in-memory exporter, a reader that collects once at the end).
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

import type { BackendTarget } from './runtime.js';
import { iterationRun } from './runtime.js';

export interface TelemetryResult {
  readonly name: string;
  readonly items: number;
  readonly perSecond: number;
  /** Median over rounds of this variant's rate over the off variant's rate in the same round. */
  readonly ratio: number;
}

class PullReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The no-op job with a real SDK receiving its run span and metrics (item durations sampled). */
export async function withSdk(target: BackendTarget, items: number): Promise<number> {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const reader = new PullReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  try {
    const seconds = await iterationRun(target, items, 'coalesced', {
      openTelemetry: { tracerProvider, meterProvider },
    });
    await reader.collect();
    if (exporter.getFinishedSpans().length !== 1) throw new Error('expected one run span');
    return seconds;
  } finally {
    await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
  }
}

/** Runs the three variants `rounds` times in alternating order; best rate, median paired ratio. */
export async function benchmarkTelemetry(
  target: BackendTarget,
  items: number,
  rounds: number,
  onProgress: (line: string) => void,
): Promise<TelemetryResult[]> {
  const variants: [string, () => Promise<number>][] = [
    [
      'telemetry off (openTelemetry: false)',
      () => iterationRun(target, items, 'coalesced', { openTelemetry: false }),
    ],
    [
      'default, @opentelemetry/api installed, no SDK',
      () => iterationRun(target, items, 'coalesced'),
    ],
    ['OpenTelemetry SDK registered (span + metrics)', () => withSdk(target, items)],
  ];
  const seconds = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const [name, run] of order) {
      onProgress(`${target.name} telemetry: round ${round + 1}/${rounds}, ${name}`);
      seconds.get(name)!.push(await run());
    }
  }
  const off = seconds.get(variants[0]![0])!;
  return variants.map(([name]) => {
    const own = seconds.get(name)!;
    const ratios = own.map((s, i) => off[i]! / s).sort((a, b) => a - b);
    return {
      name,
      items,
      perSecond: items / Math.min(...own),
      ratio: ratios[Math.floor(ratios.length / 2)]!,
    };
  });
}
