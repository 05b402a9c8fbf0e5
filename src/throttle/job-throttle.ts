/**
 * The resolved `throttle` of each job definition, kept off the frozen definition so its public
 * shape stays what the user wrote. `defineIterationJob` resolves it once; a definition made
 * otherwise is resolved (and so validated) on its first use, which the worker does in its
 * constructor. Typed for any params and cursor: the runtime handles every job through `unknown`.
 */
import type { ThrottleOption } from './condition.js';
import type { ResolvedThrottle } from './resolve.js';
import { resolveThrottle } from './resolve.js';

const resolvedThrottles = new WeakMap<object, ResolvedThrottle>();

/** Records the throttle `defineIterationJob` resolved for `definition`. */
export function setJobThrottle(definition: object, throttle: ResolvedThrottle): void {
  resolvedThrottles.set(definition, throttle);
}

/** A job definition's own throttle, resolved once. */
export function jobThrottle(definition: {
  readonly name: string;
  readonly throttle?: unknown;
}): ResolvedThrottle {
  let resolved = resolvedThrottles.get(definition);
  if (resolved === undefined) {
    resolved = resolveThrottle(definition.throttle as ThrottleOption | undefined, {
      jobName: definition.name,
    });
    resolvedThrottles.set(definition, resolved);
  }
  return resolved;
}
