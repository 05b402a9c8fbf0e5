// Giving a job back (unknown names and version skew share it): the progress keeps the figures and
// the time the first worker gave it back, the delay grows with the wait, and the error is thrown
// once the grace time is over; status reads the note as `waiting-for-version` with its reason.
import type { Job } from 'bullmq';
import { DelayedError } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import { statusOf, statusReason } from '../../../src/control/run-status.js';
import { versionInfo } from '../../../src/control/version-info.js';
import { VersionSkewError } from '../../../src/index.js';
import type { GiveBack } from '../../../src/runtime/give-back.js';
import { giveBack } from '../../../src/runtime/give-back.js';
import { versionSkewGiveBack } from '../../../src/runtime/run-version.js';

const logger = pino({ level: 'silent' });

function fakeJob(progress: object | number) {
  const job = { id: '7', name: 'rows', progress } as unknown as Job;
  const moves = {
    published: [] as Record<string, unknown>[],
    delays: [] as number[],
    async publishProgress(_job: Job, p: object) {
      this.published.push(p as Record<string, unknown>);
      (job as { progress: object }).progress = p;
    },
    async requeue(_job: Job, _token: string, delayMs: number) {
      this.delays.push(delayMs);
    },
  };
  return { job, moves };
}

const skew = (graceMs: number): GiveBack =>
  versionSkewGiveBack('iteration job "rows" (id 7)', { id: '7' }, 'rows', 3, 2, {
    versionSkewGraceMs: graceMs,
  });

describe('giveBack', () => {
  it('publishes the note beside the figures, keeps the first time, and moves the job without an attempt', async () => {
    const { job, moves } = fakeJob({ status: 'interrupted', processed: 40, updatedAt: 1 });
    await expect(giveBack(moves, job, 'token', skew(60_000), logger)).rejects.toThrow(DelayedError);
    const first = moves.published[0]!;
    expect(first).toMatchObject({
      status: 'waiting-for-version',
      processed: 40,
      waitingForVersion: 3,
      reason: 'waiting for version 3 (this worker runs version 2)',
    });
    const since = first.waitingSince as number;
    expect(moves.delays[0]).toBe(250);
    (job as { progress: object }).progress = { ...first, waitingSince: since - 20_000 };
    await expect(giveBack(moves, job, 'token', skew(60_000), logger)).rejects.toThrow(DelayedError);
    expect(moves.published[1]!.waitingSince).toBe(since - 20_000);
    // A quarter of the wait so far (20 s), within the grace time left.
    expect(moves.delays[1]).toBeGreaterThanOrEqual(5_000);
  });

  it('throws the error once the grace time is over, or without a token', async () => {
    const { job, moves } = fakeJob({
      status: 'waiting-for-version',
      waitingSince: Date.now() - 2_000,
    });
    const back = skew(1_000);
    await expect(giveBack(moves, job, 'token', back, logger)).rejects.toBe(back.error);
    expect(back.error).toBeInstanceOf(VersionSkewError);
    expect(back.error.message).toContain('was last run by version 3 of its job');
    expect(back.error.message).toContain('Deploy version 3 or later, then retry the job');
    const fresh = fakeJob(0);
    await expect(giveBack(fresh.moves, fresh.job, undefined, back, logger)).rejects.toBe(
      back.error,
    );
    expect(moves.published).toEqual([]);
  });

  it('an unknown name keeps its own `unknownSince`, apart from a version wait', async () => {
    const { job, moves } = fakeJob({ status: 'waiting-for-version', waitingSince: 5 });
    const error = new Error('no such job');
    const back = { status: 'unknown-job', error, reason: error.message, graceMs: 60_000 } as const;
    await expect(giveBack(moves, job, 't', back, logger)).rejects.toThrow(DelayedError);
    expect(moves.published[0]).toMatchObject({ status: 'unknown-job', reason: 'no such job' });
    expect(moves.published[0]!.unknownSince).toBeGreaterThan(5);
  });
});

describe('the status of a run waiting for a version', () => {
  const note = {
    status: 'waiting-for-version',
    waitingForVersion: 3,
    reason: 'waiting for version 3 (this worker runs version 2)',
  };
  const job = { attemptsMade: 0, failedReason: '' } as unknown as Job;

  it('is waiting-for-version, delayed or waiting, with the reason and the version', () => {
    expect(statusOf('delayed', job, undefined, note, undefined)).toBe('waiting-for-version');
    expect(statusOf('waiting', job, undefined, note, undefined)).toBe('waiting-for-version');
    expect(statusReason('waiting-for-version', note, undefined, undefined)).toBe(note.reason);
    expect(versionInfo({ version: 3 }, note)).toEqual({
      version: 3,
      migrated: undefined,
      waitingForVersion: 3,
    });
    // A state written before versions existed is of version 1.
    expect(versionInfo({}, undefined).version).toBe(1);
    expect(versionInfo(undefined, undefined).version).toBeUndefined();
  });
});
