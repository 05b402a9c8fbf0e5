// Fields and statuses a newer runtime may add (recovering, unknown-job, transient failures,
// skipped items, partitions) show up on the run page without any change to the dashboard; the
// chart and the remembered history stay bounded.
import { describe, expect, it } from 'vitest';

import { RunHistory } from '../../../src/dashboard/history.js';
import { processedChart } from '../../../src/dashboard/pages/chart.js';
import { extraFigures, extraSections } from '../../../src/dashboard/pages/extras.js';
import { runView } from '../../../src/dashboard/pages/run.js';
import { runsTable } from '../../../src/dashboard/pages/runs.js';
import { run } from '../cli/runs.js';
import { runList } from './list.js';

const later = run({
  status: 'recovering' as never,
  ...({
    transientFailures: 3,
    transientMs: 4_500,
    skipped: [{ cursor: 17, error: 'row locked', at: 1_700_000_000_000 }],
    partitions: [
      { partition: 0, status: 'running', processed: 50, total: 100, cursor: 49 },
      { partition: 1, status: 'unknown-job', processed: 0, total: 100, cursor: null },
    ],
    shard: { region: 'eu' },
  } as object),
});

describe('dashboard: fields it does not know yet', () => {
  it('lists extra scalar fields as figures with readable labels and units', () => {
    const figures = Object.fromEntries(extraFigures(later).map(([k, v]) => [k, String(v)]));
    expect(figures).toMatchObject({ 'transient failures': '3', transient: '4.5 s' });
    expect(figures.shard).toContain('region');
    expect(figures).not.toHaveProperty('skipped');
    expect(figures).not.toHaveProperty('partitions');
  });

  it('draws skipped items and partitions as tables, with a bar per partition', () => {
    const markup = extraSections(later).text;
    expect(markup).toContain('<section class="card" id="skipped">');
    expect(markup).toContain('row locked');
    expect(markup).toContain('<section class="card" id="partitions">');
    expect(markup).toContain('aria-valuenow="50"');
    expect(markup).toContain('data-status="unknown-job"');
    expect(extraSections(run()).text.trim()).toBe('');
  });

  it('renders any status string, with controls, in the table and on the run page', () => {
    const table = runsTable('', runList([later]), {}, false).text;
    expect(table).toContain('data-status="recovering"');
    // Known to the status formatter now: a run waiting for a resource, like a throttled one.
    expect(table).toContain('class="badge tone-held"');
    const unknown = runsTable(
      '',
      runList([run({ status: 'warming-up' as never })]),
      {},
      false,
    ).text;
    expect(unknown).toContain('data-status="warming-up"');
    expect(unknown).toContain('class="badge tone-quiet"');
    expect(table).toContain('data-action="pause"');
    expect(table).toContain('data-action="cancel"');
    const detail = {
      run: later,
      params: undefined,
      enqueuedAt: undefined,
      startedAt: undefined,
      finishedAt: undefined,
      logs: [],
      logCount: 0,
      skippedItems: [],
      recordedFailures: 0,
    };
    const page = runView({ detail, samples: [], changes: [], readOnly: true }).text;
    expect(page).toContain('transient failures');
    expect(page).not.toContain('data-action');
  });

  it('offers resume for a paused run and nothing for a finished one', () => {
    const rows = runsTable(
      '',
      runList([run({ status: 'paused', jobId: '1' }), run({ status: 'completed', jobId: '2' })]),
      {},
      false,
    ).text;
    expect(rows.match(/data-action="resume"/g)).toHaveLength(1);
    expect(rows.match(/data-action="pause"/g)).toBeNull();
    expect(rows.match(/data-action="cancel"/g)).toHaveLength(1);
  });
});

describe('dashboard: chart and history', () => {
  it('draws a line through the samples scaled to the total, or a note before two samples', () => {
    expect(processedChart([{ at: 0, processed: 0 }], 100).text).toContain('chart fills in');
    const svg = processedChart(
      [
        { at: 0, processed: 0 },
        { at: 30_000, processed: 50 },
        { at: 60_000, processed: 100 },
      ],
      100,
    ).text;
    // viewBox 960x220, plot from x=64 to 944 and from y=192 (0 items) to 12 (100 items).
    expect(svg).toContain('points="64.0,192.0 504.0,102.0 944.0,12.0"');
    expect(svg).toContain('1 min ago');
  });

  it('remembers samples and status changes per run, thinned when there are too many', () => {
    const history = new RunHistory();
    for (let i = 0; i < 1_000; i++) {
      history.observe(run({ processed: i, status: i < 500 ? 'running' : 'paused' }), i * 1_000);
    }
    const samples = history.samples('maintenance', '42');
    expect(samples.length).toBeLessThanOrEqual(600);
    expect(samples[0]).toEqual({ at: 0, processed: 0 });
    expect(samples.at(-1)).toEqual({ at: 999_000, processed: 999 });
    expect(history.changes('maintenance', '42').map((c) => c.status)).toEqual([
      'running',
      'paused',
    ]);
    // An unchanged read adds no sample until a while has passed.
    history.observe(run({ processed: 999, status: 'paused' }), 1_000_000);
    expect(history.samples('maintenance', '42').at(-1)).toEqual({ at: 999_000, processed: 999 });
  });
});
