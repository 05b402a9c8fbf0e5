/**
 * Where a multi-step job is, as stored in its iteration state beside the cursor (which is the
 * cursor of that step): one fenced document, so a checkpoint moves the step and its cursor
 * together. Absent in jobs without steps and in states written before steps existed.
 */

/** The step a job is in; `index` counts from 0, `count` is the number of steps the job has. */
export interface StepState {
  readonly name: string;
  readonly index: number;
  readonly count: number;
}

/** The stored step, or a reason it cannot be read (the caller names the job). */
export function readStepState(value: unknown): StepState | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `"step" is ${JSON.stringify(value)}, expected an object`;
  }
  const { name, index, count } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') return `"step.name" is ${JSON.stringify(name)}`;
  // The index and count are for people; the run finds the step by its name.
  const whole = (n: unknown) =>
    typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : 0;
  return { name, index: whole(index), count: whole(count) };
}
