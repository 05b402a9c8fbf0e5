// Flow control on the pages: a held, shed or retry-after run shows why (the hold's id and reason,
// the time it goes on), a run's rate limit and its source, a parallel run's concurrency, the rate
// buttons while it is not finished; the holds list and its form. Hostile reasons, hold ids and
// tags render as text.
import { describe, expect, it } from 'vitest';

import { holdForm, holdsList } from '../../../src/dashboard/pages/holds.js';
import { runView } from '../../../src/dashboard/pages/run.js';
import { runsTable } from '../../../src/dashboard/pages/runs.js';
import type { IterationRunInfo } from '../../../src/index.js';
import { run } from '../cli/runs.js';
import { runDetail, runList } from './list.js';

const SCRIPT = '<script>alert(1)</script>';
const BREAKOUT = '"><img src=x onerror=alert(2)>';

function expectInert(markup: string): void {
  expect(markup).not.toContain('<script>alert');
  expect(markup).not.toContain('<img');
}

const held = run({
  status: 'held',
  bullState: 'delayed',
  hold: `hold-${BREAKOUT}`,
  statusReason: `moving db-3 ${SCRIPT}`,
  rate: { itemsPerSecond: 250, source: 'set' },
  tags: { shard: 'db-3' },
});

describe('dashboard: flow control', () => {
  it('shows a held run with its hold and reason, and its rate limit, escaped', () => {
    const table = runsTable('', runList([held]), {}, false).text;
    expect(table).toContain('data-status="held"');
    expect(table).toContain('class="badge tone-held"');
    expect(table).toContain('hold-&quot;&gt;&lt;img');
    expect(table).toContain('moving db-3 &lt;script&gt;');
    expect(table).toContain('≤ 250/s');
    expectInert(table);

    const page = runView({
      detail: runDetail(held),
      samples: [],
      changes: [],
      readOnly: false,
    }).text;
    expect(page).toContain('data-note="held"');
    expect(page).toContain('data-rate-limit="250"');
    expect(page).toContain('(set live)');
    expect(page).toContain('data-rate="set"');
    expect(page).toContain('data-rate="remove"');
    expect(page).toContain('data-current="250"');
    // Laid out by the flow figures, not again as generic extras.
    expect(page).not.toContain('<dt>status reason</dt>');
    expectInert(page);
  });

  it('shows retry-after with its time, shed with its reason, concurrency of a parallel run', () => {
    const waiting = run({
      status: 'retry-after',
      bullState: 'delayed',
      waitUntil: Date.UTC(2030, 0, 1, 12, 0, 3),
      statusReason: '429 from the API',
    });
    const table = runsTable('', runList([waiting]), {}, false).text;
    expect(table).toContain('data-note="retry-after"');
    expect(table).toContain('2030-01-01 12:00:03 UTC');
    expect(table).toContain('429 from the API');

    const parallel = run({
      status: 'running',
      concurrency: { active: 3, target: 4, max: 8, reason: `replica lag ${SCRIPT}` },
    });
    const page = runView({
      detail: runDetail(parallel),
      samples: [],
      changes: [],
      readOnly: false,
    });
    expect(page.text).toContain('3 active · target 4 · max 8');
    expect(page.text).toContain('replica lag &lt;script&gt;');
    // No limit: a button to set one, none to remove it.
    expect(page.text).toContain('Limit rate…');
    expect(page.text).not.toContain('data-rate="remove"');
    expectInert(page.text);

    const shed = run({ status: 'shed', statusReason: 'health degraded: 2 of 8 may run' });
    expect(runsTable('', runList([shed]), {}, false).text).toContain('2 of 8 may run');
  });

  it('offers no rate buttons on a finished run nor in read-only mode', () => {
    const done = run({ status: 'completed', bullState: 'completed' });
    const view = (info: IterationRunInfo, readOnly: boolean) =>
      runView({ detail: runDetail(info), samples: [], changes: [], readOnly }).text;
    expect(view(done, false)).not.toContain('data-rate=');
    expect(view(held, true)).not.toContain('data-rate=');
  });

  it('lists holds escaped, with links to their runs, a release button and the form', () => {
    const hold = {
      id: `hold-${BREAKOUT}`,
      queueName: 'maintenance',
      tags: { shard: `db-3${SCRIPT}` },
      reason: `moving ${SCRIPT}`,
      createdAt: Date.UTC(2030, 0, 1),
    };
    const list = holdsList('/ops', [hold], false, false).text;
    expect(list).toContain('data-release="hold-&quot;&gt;&lt;img');
    expect(list).toContain('moving &lt;script&gt;');
    expect(list).toContain('href="/ops/?tags=shard%3Ddb-3%3Cscript%3E');
    expect(list).toContain('status=held');
    expectInert(list);
    expect(holdsList('', [hold], false, true).text).not.toContain('data-release');
    expect(holdsList('', [], false, false).text).toContain('No holds');

    const form = holdForm(['a', `b${SCRIPT}`], 'a', false, true);
    expect(String(form)).toContain('id="hold-form"');
    expect(String(form)).toContain('id="hold-token-field"');
    expectInert(String(form));
    expect(holdForm(['a'], 'a', true, true)).toBe('');
  });
});
