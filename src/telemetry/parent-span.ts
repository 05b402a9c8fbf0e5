/**
 * The span of one execution of a parallel run's parent job. A parent runs several times over a
 * run (it plans and adds partitions, sleeps in BullMQ's `waiting-children`, wakes when they
 * finish), each time its own span, named `iteration.parent <job name>`, a child of the active
 * span (BullMQ's `process <queue>` span under bullmq-otel) and the active span while the parent
 * works. It carries the run's id as its partitions' run spans do, so one query joins them.
 */
import type { Context, Span, Tracer } from '@opentelemetry/api';
import type { Job } from 'bullmq';
import { DelayedError, WaitingChildrenError } from 'bullmq';

import { ATTR, PARENT_SPAN_PREFIX, type ParentOutcome } from './names.js';
import type { OtelApi } from './otel-api.js';
import type { ParentWatch } from './parent-watch.js';

export class ParentSpan {
  readonly #api: OtelApi;
  readonly #span: Span;
  /** The active context with this span in it, for the parent's own work. */
  readonly context: Context;

  constructor(api: OtelApi, tracer: Tracer, job: Job, jobName: string, queueName: string) {
    this.#api = api;
    const parent = api.context.active();
    const id = String(job.id);
    this.#span = tracer.startSpan(
      `${PARENT_SPAN_PREFIX} ${jobName}`,
      {
        kind: api.SpanKind.INTERNAL,
        attributes: {
          [ATTR.queue]: queueName,
          [ATTR.jobName]: jobName,
          [ATTR.jobId]: id,
          [ATTR.parallelRun]: id,
        },
      },
      parent,
    );
    this.context = api.trace.setSpan(parent, this.#span);
  }

  /** Ends the span with the phase reached, the run's figures and the outcome. */
  end(watch: ParentWatch, outcome: ParentOutcome, error: unknown): void {
    const span = this.#span;
    span.setAttributes({
      [ATTR.phase]: watch.phase,
      [ATTR.outcome]: outcome,
      ...(watch.partitions === undefined ? {} : { [ATTR.partitions]: watch.partitions }),
      ...(watch.processed === undefined ? {} : { [ATTR.processed]: watch.processed }),
      ...(watch.total === undefined ? {} : { [ATTR.total]: watch.total }),
    });
    if (outcome === 'failed') {
      const message = error instanceof Error ? error.message : String(error);
      span.recordException(error instanceof Error ? error : message);
      span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message });
    }
    span.end();
  }
}

/** How an execution of a parent ended, from what it returned or threw. */
export function parentOutcome(
  watch: ParentWatch,
  ended: { result: unknown } | { error: unknown },
): ParentOutcome {
  if ('result' in ended) {
    const outcome = (ended.result as { outcome?: unknown } | undefined)?.outcome;
    return outcome === 'cancelled' ? 'cancelled' : 'completed';
  }
  if (ended.error instanceof WaitingChildrenError) return 'waiting-children';
  if (ended.error instanceof DelayedError) return watch.lockLost ? 'lock-lost' : 'paused';
  return 'failed';
}
