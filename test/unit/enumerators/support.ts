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
