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
}

export function serializeControl(request: ControlRequest): string {
  return JSON.stringify(request);
}

/** Reads a stored request; anything unreadable counts as no request (it is logged by callers). */
export function parseControl(text: string | undefined): ControlRequest | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ControlRequest> | null;
    if (value === null || (value.action !== 'pause' && value.action !== 'cancel')) return undefined;
    return {
      action: value.action,
      requestedAt: typeof value.requestedAt === 'number' ? value.requestedAt : 0,
      ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
    };
  } catch {
    return undefined;
  }
}
