/**
 * Which lifecycle callbacks of a job ran, in order. The inline run hands the runtime a copy of the
 * definition whose callbacks note their name and then call the job's own, with the same `this` and
 * context; callbacks the job does not define stay undefined, so the runtime takes the same paths.
 */
import type { IterationJobDefinition } from '../define-job.js';

/** The callbacks an inline run records, by their name on the definition. */
export type CallbackName = 'onStart' | 'onResume' | 'onShutdown' | 'onComplete';

const CALLBACKS: readonly CallbackName[] = ['onStart', 'onResume', 'onShutdown', 'onComplete'];

type Definition = IterationJobDefinition<unknown, unknown, unknown>;

export function observeCallbacks(
  definition: Definition,
  record: (name: CallbackName) => void,
): Definition {
  const observed: Record<string, unknown> = { ...definition };
  for (const name of CALLBACKS) {
    const callback = definition[name];
    if (callback === undefined) continue;
    observed[name] = (ctx: unknown) => {
      // Noted before the call: a callback that throws was still called.
      record(name);
      return callback.call(definition, ctx as never);
    };
  }
  return Object.freeze(observed) as unknown as Definition;
}
