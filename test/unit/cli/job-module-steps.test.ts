// The CLI finds jobs made of steps in a job module as it finds the others.
import { describe, expect, it } from 'vitest';

import { isIterationJob } from '../../../src/cli/job-module.js';
import { stepsJob } from '../../support/steps-jobs.js';

describe('job modules with steps jobs', () => {
  it('recognises a job made of steps', () => {
    expect(isIterationJob(stepsJob().job)).toBe(true);
    expect(isIterationJob({ name: 'x', definition: { name: 'x', steps: 'no' } })).toBe(false);
  });
});
