/**
 * An operator's request to a run, stored beside the job (see src/backends/store.ts) by any process
 * and read by the worker that runs the job: pause it (it parks without holding a worker slot until
 * resumed) or cancel it (it ends with a `cancelled` outcome).
 */
export type ControlAction = 'pause' | 'cancel';

export interface ControlRequest {
  readonly action: ControlAction;
  /** When it was asked (epoch ms). */
  readonly requestedAt: number;
  /** Free text from the operator, shown in status and logs. */
  readonly reason?: string;
  /**
   * A pause that ends by itself at this time (epoch ms): the run is parked until then, and the
   * request counts as withdrawn afterwards. Set by a step's `RetryAfter` with `scope: 'run'`.
   */
  readonly until?: number;
  /** Who asked, when not an operator: `retry-after` (a step's `RetryAfter`). */
  readonly source?: 'retry-after';
}

/**
 * What a running job obeys: an operator's request, or a parallel run's request that one of its
 * partitions split for rebalancing. The latter is never stored as a control request (operators'
 * requests would overwrite it): a partition's host makes it up from its job (see
 * src/parallel/rebalance.ts), so status and the control commands never see it.
 */
export type RunRequest = ControlRequest | SplitRequest;

/** A parallel run asks one of its running partitions to give up the tail of its items. */
export interface SplitRequest {
  readonly action: 'split';
  /** When it was asked (epoch ms). */
  readonly requestedAt: number;
}

export function serializeControl(request: ControlRequest): string {
  return JSON.stringify(request);
}

/** {@link parseControl}, plus the split requests a partition's host hands its run. */
export function parseRunRequest(text: string | undefined): RunRequest | undefined {
  const control = parseControl(text);
  if (control !== undefined || text === undefined) return control;
  try {
    const value = JSON.parse(text) as Partial<SplitRequest> | null;
    if (value?.action !== 'split') return undefined;
    return { action: 'split', requestedAt: Number(value.requestedAt) || 0 };
  } catch {
    return undefined;
  }
}

/** Reads a stored request; anything unreadable counts as no request (it is logged by callers). */
export function parseControl(text: string | undefined): ControlRequest | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ControlRequest> | null;
    if (value === null || (value.action !== 'pause' && value.action !== 'cancel')) return undefined;
    const until = typeof value.until === 'number' ? value.until : undefined;
    // A timed pause is over once its time has come: as if it had been withdrawn.
    if (until !== undefined && until <= Date.now()) return undefined;
    return {
      action: value.action,
      requestedAt: typeof value.requestedAt === 'number' ? value.requestedAt : 0,
      ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
      ...(until === undefined ? {} : { until }),
      ...(value.source === 'retry-after' ? { source: value.source } : {}),
    };
  } catch {
    return undefined;
  }
}
