/**
 * The `iteration.*` events of inline runs, captured in order with their payloads, as a listener on
 * a real worker would receive them.
 */
import type { EmitIterationEvent, IterationEventName, IterationWorkerEvents } from '../events.js';

/** One captured event: its name in `event`, then the payload the worker would emit. */
export type InlineEvent = {
  [E in IterationEventName]: { readonly event: E } & Parameters<IterationWorkerEvents[E]>[0];
}[IterationEventName];

/** An emitter for the run host that appends every event to `into`. */
export function captureEvents(into: InlineEvent[]): EmitIterationEvent {
  return (event, ...args) => {
    into.push({ event, ...args[0] } as InlineEvent);
  };
}
