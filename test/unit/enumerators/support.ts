// Shared by the enumerator tests: the schedules of interruptions fast-check draws.
import fc from 'fast-check';

/**
 * Lists of stops for `runWithInterruptions`: how many items each run processes before it is
 * interrupted. Zeros (interrupted before the first item) and stops past the end are common on
 * purpose, as those are the places where off-by-one mistakes hide.
 */
export function stopSchedules(itemCount: number): fc.Arbitrary<number[]> {
  return fc.array(
    fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: itemCount + 2 })),
    { maxLength: 8 },
  );
}

/** Items of arbitrary JSON-ish shape, to show builders never look inside them. */
export const anyItem = fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.object());

/** What {@link readLikeTheLoop} saw: the pairs in order, and how each was obtained. */
export interface LoopRead {
  readonly pairs: (readonly [unknown, unknown])[];
  /** Calls of `next()`, the end included. */
  readonly nextCalls: number;
  /** Pairs handed out by `nextBuffered()`. */
  readonly buffered: number;
}

/**
 * Reads an enumerator the way the runtime's loop does: `nextBuffered()` first when the iterator
 * has it, `next()` when it answers undefined.
 */
export async function readLikeTheLoop(source: AsyncIterable<unknown>): Promise<LoopRead> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<readonly [unknown, unknown]> & {
    nextBuffered?: () => readonly [unknown, unknown] | undefined;
  };
  const pairs: (readonly [unknown, unknown])[] = [];
  let nextCalls = 0;
  let buffered = 0;
  for (;;) {
    const fromBuffer = it.nextBuffered?.();
    if (fromBuffer !== undefined) {
      buffered++;
      pairs.push(fromBuffer);
      continue;
    }
    nextCalls++;
    const next = await it.next();
    if (next.done === true) return { pairs, nextCalls, buffered };
    pairs.push(next.value);
  }
}
