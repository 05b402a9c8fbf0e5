// The console's pages show the versions of a job (see the changing-jobs guide): a run's page its
// version, the migration it went through with the state before it, and the version it waits for;
// a job's settings its version and migration chain.
import { describe, expect, it } from 'vitest';

import { jobSettings } from '../../../src/dashboard/pages/job-settings.js';
import { runView } from '../../../src/dashboard/pages/run.js';
import type { IterationRunInfo } from '../../../src/index.js';
import { defineIterationJob, times } from '../../../src/index.js';
import { run } from '../cli/runs.js';
import { runDetail } from './list.js';

function page(info: IterationRunInfo): string {
  return runView({ detail: runDetail(info), samples: [], changes: [], readOnly: true }).text;
}

function figure(markup: string, label: string): string | undefined {
  const match = new RegExp(`<dt>${label}</dt>\\s*<dd>([\\s\\S]*?)</dd>`).exec(markup);
  return match?.[1]
    ?.replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

describe('console: versions of a job', () => {
  it("shows a migrated run's version, where it came from, and its cursor before the migration", () => {
    const markup = page(
      run({
        version: 2,
        cursor: { batch: 0, id: 12 },
        migrated: {
          fromVersion: 1,
          toVersion: 2,
          previous: { cursor: { id: 12 }, params: { table: 'rows' }, step: null },
          at: 1_700_000_000_000,
        },
      }),
    );
    expect(figure(markup, 'job version')).toMatch(/^2 \(migrated from 1 /);
    expect(markup).toContain('Before the migration from version 1');
    expect(markup).toContain('&quot;table&quot;: &quot;rows&quot;');
    // Shown once, by its own figure, not again among the generic extras.
    expect(figure(markup, 'migrated')).toBeUndefined();
    expect(figure(markup, 'waiting for version')).toBeUndefined();
  });

  it('shows the version a run waits for, and a plain version without a migration', () => {
    const waiting = page(run({ status: 'waiting-for-version', version: 3, waitingForVersion: 3 }));
    expect(figure(waiting, 'waiting for version')).toBe('3');
    expect(figure(waiting, 'job version')).toBe('3');
    expect(waiting).toContain('data-status="waiting-for-version"');
    expect(waiting).not.toContain('Before the migration');
    expect(figure(page(run({ version: undefined })), 'job version')).toBeUndefined();
  });

  it("lists a job's version and its migration chain among its settings", () => {
    const base = {
      buildEnumerator: ({ cursor }: { cursor: number | null }) => times(3, { cursor }),
      eachIteration: () => {},
    };
    const v3 = defineIterationJob({
      ...base,
      name: 'v3',
      version: 3,
      migrate: { 2: ({ cursor }) => ({ cursor }), 1: ({ cursor }) => ({ cursor }) },
    });
    const settings = Object.fromEntries(jobSettings(v3).all);
    expect(settings.version).toBe('3 (migrates 1→2 2→3)');
    const plain = Object.fromEntries(jobSettings(defineIterationJob({ ...base, name: 'p' })).all);
    expect(plain).not.toHaveProperty('version');
  });
});
