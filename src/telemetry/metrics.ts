/**
 * The worker's metrics. Nothing here runs per item: counts and lags are read from the runs'
 * ledgers and checkpoint writers when the SDK collects (a batch observable callback), events add
 * to counters as they happen (a handful per run), and item durations are sampled (item-sampler.ts).
 */
import type {
  Attributes,
  BatchObservableResult,
  Counter,
  Histogram,
  Meter,
  Observable,
  ObservableCounter,
  ObservableGauge,
} from '@opentelemetry/api';

import { coarseNow } from '../runtime/coarse-clock.js';
import { sampleItems } from './item-sampler.js';
import { ATTR, METRIC, type RunOutcome } from './names.js';
import type { ObservedRun } from './observed-run.js';
import type { RunEventPayload } from './run-span.js';

/** Buckets for item durations in milliseconds, from cache hits to slow remote calls. */
const ITEM_BUCKETS_MS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 50, 100, 500, 1_000, 5_000, 10_000];

/**
 * How long an ended run keeps being reported as inactive (`run.active` 0, no lag). The SDK keeps
 * reporting the last value of a series nobody observes any more, so an ended run must say so
 * itself; past this window its series are left to the SDK. Bounded in count as well.
 */
const ENDED_REPORT_MS = 10 * 60_000;
const ENDED_REPORT_MAX = 10_000;

/** One run being measured. */
export interface MeasuredRun {
  readonly run: ObservedRun;
  /** Queue and job name: the low-cardinality attributes of counters. */
  readonly attributes: Attributes;
  /** Plus the job id, for the per-run gauges. */
  readonly runAttributes: Attributes;
  readonly stopSampling: () => void;
}

export class IterationMetrics {
  readonly #meter: Meter;
  readonly #queueName: string;
  readonly #sampleIntervalMs: number;
  readonly #active = new Set<MeasuredRun>();
  /** Runs that ended, by job: their per-run attributes and when they ended (ENDED_REPORT_MS). */
  readonly #ended = new Map<string, { readonly attributes: Attributes; readonly at: number }>();
  /** Items finished by runs that ended, by job name: the base of the processed counter. */
  readonly #finished = new Map<string, number>();
  readonly #itemDuration: Histogram;
  readonly #throttledTime: Counter;
  readonly #interruptions: Counter;
  readonly #runs: Counter;
  readonly #processed: ObservableCounter;
  readonly #lagItems: ObservableGauge;
  readonly #lagTime: ObservableGauge;
  readonly #runProcessed: ObservableGauge;
  readonly #runTotal: ObservableGauge;
  readonly #runActive: ObservableGauge;
  readonly #observables: Observable[];
  readonly #observe = (result: BatchObservableResult) => this.#collect(result);

  constructor(meter: Meter, queueName: string, sampleIntervalMs: number) {
    this.#meter = meter;
    this.#queueName = queueName;
    this.#sampleIntervalMs = sampleIntervalMs;
    this.#itemDuration = meter.createHistogram(METRIC.itemDuration, {
      description: 'Duration of eachIteration for sampled items',
      unit: 'ms',
      advice: { explicitBucketBoundaries: ITEM_BUCKETS_MS },
    });
    this.#throttledTime = meter.createCounter(METRIC.throttledTime, {
      description: 'Backoff time of throttled runs',
      unit: 'ms',
    });
    this.#interruptions = meter.createCounter(METRIC.interruptions, {
      description: 'Runs interrupted and requeued, by reason',
      unit: '{interruption}',
    });
    this.#runs = meter.createCounter(METRIC.runs, {
      description: 'Runs that ended, by status',
      unit: '{run}',
    });
    this.#processed = meter.createObservableCounter(METRIC.itemsProcessed, {
      description: 'Items finished by iteration runs',
      unit: '{item}',
    });
    this.#lagItems = meter.createObservableGauge(METRIC.checkpointLagItems, {
      description: 'Items finished since the newest durable checkpoint of a running run',
      unit: '{item}',
    });
    this.#lagTime = meter.createObservableGauge(METRIC.checkpointLagTime, {
      description: 'Time between the newest finished item and the newest durable checkpoint',
      unit: 'ms',
    });
    this.#runProcessed = meter.createObservableGauge(METRIC.runProcessed, {
      description: 'Items finished over the life of a running job',
      unit: '{item}',
    });
    this.#runTotal = meter.createObservableGauge(METRIC.runTotal, {
      description: 'Items in the collection of a running job, when its enumerator can count them',
      unit: '{item}',
    });
    this.#runActive = meter.createObservableGauge(METRIC.runActive, {
      description: 'Whether a run of the job is in progress on this worker (1) or ended (0)',
      unit: '{run}',
    });
    this.#observables = [
      this.#runActive,
      this.#processed,
      this.#lagItems,
      this.#lagTime,
      this.#runProcessed,
      this.#runTotal,
    ];
    meter.addBatchObservableCallback(this.#observe, this.#observables);
  }

  begin(run: ObservedRun): MeasuredRun {
    const attributes = { [ATTR.queue]: this.#queueName, [ATTR.jobName]: run.definition.name };
    const histogram = this.#itemDuration;
    const measured: MeasuredRun = {
      run,
      attributes,
      runAttributes: { ...attributes, [ATTR.jobId]: String(run.job.id) },
      stopSampling: sampleItems(run, this.#sampleIntervalMs, (ms) =>
        histogram.record(ms, attributes),
      ),
    };
    // A new run of the same job reports as active again, not as ended.
    this.#ended.delete(endedKey(run));
    this.#active.add(measured);
    return measured;
  }

  event(measured: MeasuredRun, name: string, payload: RunEventPayload): void {
    if (name === 'iteration.interrupted') {
      this.#interruptions.add(1, {
        ...measured.attributes,
        [ATTR.interruptReason]: String(payload.reason),
      });
    } else if (name === 'iteration.throttled') {
      this.#throttledTime.add(Number(payload.delayMs), {
        ...measured.attributes,
        [ATTR.throttleCondition]: String(payload.condition),
      });
    }
  }

  end(measured: MeasuredRun, outcome: RunOutcome): void {
    measured.stopSampling();
    this.#active.delete(measured);
    const name = measured.run.definition.name;
    this.#finished.set(
      name,
      (this.#finished.get(name) ?? 0) + measured.run.ledger.processedThisRun,
    );
    this.#runs.add(1, { ...measured.attributes, [ATTR.status]: outcome });
    const now = Date.now();
    const key = endedKey(measured.run);
    this.#ended.delete(key);
    this.#ended.set(key, { attributes: measured.runAttributes, at: now });
    // Oldest first (insertion order): drop what is past the window or over the bound.
    for (const [oldKey, { at }] of this.#ended) {
      if (now - at < ENDED_REPORT_MS && this.#ended.size <= ENDED_REPORT_MAX) break;
      this.#ended.delete(oldKey);
    }
  }

  close(): void {
    for (const measured of this.#active) measured.stopSampling();
    this.#meter.removeBatchObservableCallback(this.#observe, this.#observables);
  }

  #collect(result: BatchObservableResult): void {
    const now = coarseNow();
    const processed = new Map(this.#finished);
    for (const { run, runAttributes } of this.#active) {
      const { ledger, writer } = run;
      const name = run.definition.name;
      processed.set(name, (processed.get(name) ?? 0) + ledger.processedThisRun);
      result.observe(this.#runActive, 1, runAttributes);
      result.observe(this.#lagItems, writer.lagItems, runAttributes);
      result.observe(this.#lagTime, writer.lagMs(now), runAttributes);
      result.observe(this.#runProcessed, ledger.state.processed, runAttributes);
      if (ledger.total !== undefined) result.observe(this.#runTotal, ledger.total, runAttributes);
    }
    for (const { attributes } of this.#ended.values()) {
      result.observe(this.#runActive, 0, attributes);
      result.observe(this.#lagItems, 0, attributes);
      result.observe(this.#lagTime, 0, attributes);
    }
    for (const [name, count] of processed) {
      result.observe(this.#processed, count, {
        [ATTR.queue]: this.#queueName,
        [ATTR.jobName]: name,
      });
    }
  }
}

function endedKey(run: ObservedRun): string {
  return `${run.definition.name}\u0000${String(run.job.id)}`;
}
