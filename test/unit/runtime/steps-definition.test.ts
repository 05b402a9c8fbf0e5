// Bad steps fail at definition time, naming the job, the step and the fix; a stored step is read
// back strictly (it says which step to run), and states without one stay readable.
import { describe, expect, it } from 'vitest';

import {
  CheckpointError,
  defineIterationJob,
  IterationDefinitionError,
} from '../../../src/index.js';
import { parseState } from '../../../src/runtime/state.js';

const each = () => {};
const build = () => [] as const;
const steps = [
  { name: 'export', buildEnumerator: build, eachIteration: each },
  { name: 'notify', run: each },
];

function define(definition: Record<string, unknown>) {
  return () => defineIterationJob({ name: 'export-accounts', ...definition } as never);
}

describe('defineIterationJob with steps', () => {
  it('accepts iterating and call steps, isolated or not, and keeps them in order', () => {
    const job = defineIterationJob({
      name: 'export-accounts',
      steps: [...steps, { name: 'cleanup', isolated: true, run: each }],
    });
    expect(job.definition.steps.map((s) => s.name)).toEqual(['export', 'notify', 'cleanup']);
  });

  it.each(['buildEnumerator', 'eachIteration'])('refuses steps beside a top-level %s', (key) => {
    const bad = define({ steps, [key]: each });
    expect(bad).toThrow(IterationDefinitionError);
    expect(bad).toThrow(
      `Iteration job "export-accounts": has both \`steps\` and a top-level \`${key}\`; a job has one or the other. ` +
        'Move the enumerator and its eachIteration into a step, or drop `steps`.',
    );
  });

  it.each([
    [[], 'an empty array'],
    ['export', 'export'],
  ])('refuses steps that are not a non-empty array (%j)', (value, shown) => {
    expect(define({ steps: value })).toThrow(
      `Iteration job "export-accounts": \`steps\` must be a non-empty array of steps, got ${shown}.`,
    );
  });

  it.each([
    [{ run: each }, 'step 0 needs a non-empty string `name`, got undefined.'],
    [{ name: ' ', run: each }, 'step 0 needs a non-empty string `name`, got " ".'],
    [
      { name: 'x' },
      'step "x" needs either `run` (one call) or `buildEnumerator` and `eachIteration`',
    ],
    [{ name: 'x', buildEnumerator: build }, 'step "x" is missing `eachIteration` (got undefined)'],
    [{ name: 'x', eachIteration: each }, 'step "x" is missing `buildEnumerator` (got undefined)'],
    [
      { name: 'x', run: each, buildEnumerator: build, eachIteration: each },
      'step "x" has both `run` and an enumerator; give it one or the other.',
    ],
    [
      { name: 'x', run: each, isolated: 'yes' },
      'step "x": `isolated` must be a boolean, got string.',
    ],
  ])('refuses a bad step %j', (step, message) => {
    const bad = define({ steps: [step] });
    expect(bad).toThrow(IterationDefinitionError);
    expect(bad).toThrow(`Iteration job "export-accounts": ${message}`);
    // Every message ends with a corrected example.
    expect(bad).toThrow(
      /Example:\n {2}defineIterationJob\(\{\n {4}name: 'export-accounts',\n {4}steps: \[/,
    );
  });

  it('refuses two steps of the same name', () => {
    expect(define({ steps: [...steps, { name: 'export', run: each }] })).toThrow(
      'step "export" appears twice; step names must be unique (they are stored with the cursor).',
    );
  });

  it('without steps, still asks for buildEnumerator and eachIteration, and mentions steps', () => {
    expect(define({ eachIteration: each })).toThrow(
      'is missing `buildEnumerator` (got undefined); a job needs both buildEnumerator and eachIteration (or `steps`).',
    );
  });
});

describe('the stored step', () => {
  const state = {
    v: 1,
    cursor: 3,
    processed: 4,
    timesInterrupted: 0,
    totalTimeMs: 0,
    startedAt: 0,
    phase: 'iterating',
  };

  it('is read with its name, index and count', () => {
    const text = JSON.stringify({ ...state, step: { name: 'cleanup', index: 2, count: 3 } });
    expect(parseState(text, 'export-accounts', '7').step).toEqual({
      name: 'cleanup',
      index: 2,
      count: 3,
    });
  });

  it('is absent in states written before steps existed, which stay readable', () => {
    expect(parseState(JSON.stringify(state), 'export-accounts', '7').step).toBeUndefined();
  });

  it('reads a damaged index or count as 0: the run finds its step by name', () => {
    const text = JSON.stringify({ ...state, step: { name: 'cleanup', index: -1, count: 'x' } });
    expect(parseState(text, 'export-accounts', '7').step).toEqual({
      name: 'cleanup',
      index: 0,
      count: 0,
    });
  });

  it.each([
    [{ index: 1 }, '"step.name" is undefined'],
    ['cleanup', '"step" is "cleanup", expected an object'],
  ])('refuses a step it cannot tell (%j), naming the job', (step, why) => {
    const read = () => parseState(JSON.stringify({ ...state, step }), 'export-accounts', '7');
    expect(read).toThrow(CheckpointError);
    expect(read).toThrow(`Iteration state of job "export-accounts" (id 7) cannot be read: ${why}.`);
  });
});
