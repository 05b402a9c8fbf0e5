// The step of a job made of steps in `bullmq-iteration status`: its name and place, counted from 1.
import { describe, expect, it } from 'vitest';

import { detailLines, plainLine } from '../../../src/cli/status/lines.js';
import { run } from './runs.js';

describe('status of a job made of steps', () => {
  const inStep = run({ step: { name: 'cleanup', index: 2, count: 3 } });

  it('plain detail lines have the step, then the version keys', () => {
    expect(plainLine(inStep, true)).toMatch(
      / step="cleanup \(3\/3\)" version=1 waiting_for_version=-$/,
    );
    expect(plainLine(run(), true)).toMatch(/ step=- version=1 /);
  });

  it('the detail view has a step line, only for jobs with steps', () => {
    expect(detailLines(inStep, 100, false)).toContain('  step         cleanup (3/3)');
    expect(detailLines(run(), 100, false).some((line) => line.includes('step '))).toBe(false);
  });
});
