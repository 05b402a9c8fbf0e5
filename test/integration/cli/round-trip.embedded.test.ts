// The CLI round trip (worker, enqueue, status, pause, resume, cancel) on embedded; see round-trip.ts.
import { afterEach, it } from 'vitest';

import { roundTrip } from './round-trip.js';
import { killAllCli } from './support.js';

afterEach(() => killAllCli());

it('worker, enqueue, status, pause, resume and cancel across processes', () =>
  roundTrip('embedded'));
