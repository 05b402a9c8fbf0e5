// Setup file of the `integration` project: releases what each test tracked and fails a test that
// left a BullMQ Worker open. Its hooks are registered before any test file's, and vitest runs
// after-hooks in reverse, so a test's own afterEach has closed its workers before this looks.
import { afterAll, afterEach, beforeEach } from 'vitest';

import {
  setTestRunning,
  suiteResources,
  testResources,
  trackWorkersAutomatically,
} from '../support/lifecycle.js';

trackWorkersAutomatically();

beforeEach(() => {
  setTestRunning(true);
});

afterEach(async () => {
  setTestRunning(false);
  const problems = await testResources.release();
  if (problems.length > 0) throw new Error(problems.join('\n'));
});

afterAll(async () => {
  const problems = await suiteResources.release();
  if (problems.length > 0) throw new Error(problems.join('\n'));
});
