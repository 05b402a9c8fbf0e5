// The run a loop test hands the loop: a step, a writer, and the cursors the loop advanced to.
import type { CheckpointWriter } from '../../../src/runtime/checkpoint-writer.js';
import type { LoopRun } from '../../../src/runtime/loop.js';

/** A run of `step` over number items; `plainItems` false makes the loop take its full variant. */
export function loopRun(
  writer: CheckpointWriter,
  step: (item: number) => unknown,
  plainItems = true,
): { run: LoopRun<number>; done: unknown[] } {
  const done: unknown[] = [];
  const run: LoopRun<number> = {
    label: 'iteration job "j" (id 1)',
    signal: new AbortController().signal,
    strict: false,
    writer,
    progress: { due: false, tick() {} },
    stopRequested: false,
    halted: false,
    plainItems,
    throttling: false,
    checkThrottle: () => false,
    step,
    advance: (cursor) => void done.push(cursor),
  };
  return { run, done };
}
