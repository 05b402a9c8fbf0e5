/**
 * The span of one run: started when the worker hands the job to the run, as a child of the active
 * span (BullMQ's `process <queue>` span under bullmq-otel), made the active span while the run
 * works (so spans of the job's own database calls nest under it), given an event per lifecycle
 * event of the run, and ended with the run's outcome and the items it finished.
 */
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';

import type { IterationEventName } from '../events.js';
import { partitionOf } from '../parallel/partition-data.js';
import { ATTR, RUN_SPAN_PREFIX, type RunOutcome } from './names.js';
import type { ObservedRun } from './observed-run.js';
import type { OtelApi } from './otel-api.js';

/** The event payload fields a span reads; every `iteration.*` event carries a subset. */
export interface RunEventPayload {
  readonly reason?: unknown;
  readonly condition?: unknown;
  readonly delayMs?: unknown;
  readonly error?: unknown;
  readonly callback?: unknown;
}

export class RunSpan {
  readonly #api: OtelApi;
  readonly #span: Span;
  /** The active context with this span in it, for the run's own work. */
  readonly context: Context;

  constructor(api: OtelApi, tracer: Tracer, run: ObservedRun, queueName: string) {
    this.#api = api;
    const parent = api.context.active();
    const partition = partitionOf(run.job.data);
    this.#span = tracer.startSpan(
      `${RUN_SPAN_PREFIX} ${run.definition.name}`,
      {
        kind: api.SpanKind.INTERNAL,
        attributes: {
          [ATTR.queue]: queueName,
          [ATTR.jobName]: run.definition.name,
          [ATTR.jobId]: String(run.job.id),
          // A partition of a parallel run: which one, and the run (its parent job) it belongs to.
          ...(partition === undefined
            ? {}
            : { [ATTR.partition]: partition.index, [ATTR.parallelRun]: partition.run }),
        },
      },
      parent,
    );
    this.context = api.trace.setSpan(parent, this.#span);
  }

  /** One event of the run, as a span event (and attributes for the reasons it ended). */
  event(name: IterationEventName, payload: RunEventPayload): void {
    const span = this.#span;
    const attributes: Attributes = {};
    if (name === 'iteration.interrupted') {
      attributes[ATTR.interruptReason] = String(payload.reason);
      span.setAttribute(ATTR.interruptReason, String(payload.reason));
    } else if (name === 'iteration.throttled') {
      attributes[ATTR.throttleCondition] = String(payload.condition);
      attributes[ATTR.throttleReason] = String(payload.reason);
      attributes[ATTR.throttleDelayMs] = Number(payload.delayMs);
      span.setAttributes(attributes);
    } else if (name === 'iteration.paused' || name === 'iteration.cancelled') {
      if (typeof payload.reason === 'string') attributes[ATTR.controlReason] = payload.reason;
    } else if (name === 'iteration.recovering') {
      attributes[ATTR.throttleDelayMs] = Number(payload.delayMs);
      attributes['exception.message'] = messageOf(payload.error);
    } else if (name === 'iteration.itemSkipped' || name === 'iteration.callbackFailed') {
      attributes['exception.message'] = messageOf(payload.error);
      if (typeof payload.callback === 'string')
        attributes['bullmq.iteration.callback'] = payload.callback;
    } else if (name === 'iteration.failed') {
      const error = payload.error;
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: messageOf(error) });
      attributes['exception.message'] = messageOf(error);
    }
    span.addEvent(name, attributes);
  }

  /** Ends the span with the outcome and the figures of the run. */
  end(run: ObservedRun, outcome: RunOutcome, error: unknown): void {
    const span = this.#span;
    span.setAttributes({
      [ATTR.outcome]: outcome,
      [ATTR.items]: run.ledger.processedThisRun,
      [ATTR.processed]: run.ledger.state.processed,
    });
    if (outcome === 'failed' && error !== undefined) {
      span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: messageOf(error) });
    }
    span.end();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
