// Every value that comes from job data reaches the dashboard's markup escaped: hostile job names,
// ids, params, cursors, errors, reasons, statuses and log lines cannot open a tag, break out of an
// attribute or end the page's JSON block.
import { describe, expect, it } from 'vitest';

import type { IterationRunInfo } from '../../../src/control/status.js';
import { escapeHtml, html, jsonForScript } from '../../../src/dashboard/html.js';
import { page } from '../../../src/dashboard/pages/layout.js';
import { runView } from '../../../src/dashboard/pages/run.js';
import { runFilters, runsTable } from '../../../src/dashboard/pages/runs.js';
import type { RunDetail } from '../../../src/dashboard/runs.js';
import { run } from '../cli/runs.js';
import { runList } from './list.js';

const SCRIPT = '<script>alert(1)</script>';
const BREAKOUT = '"><img src=x onerror=alert(2)>';
const SINGLE = "' onmouseover='alert(3)";
const END_JSON = '</script><script>alert(4)</script><!--';

function hostile(fields: Partial<IterationRunInfo> = {}): IterationRunInfo {
  return run({
    jobId: `${BREAKOUT}/${SINGLE}`,
    jobName: SCRIPT,
    status: `<b>${SCRIPT}</b>` as never,
    cursor: { after: END_JSON, quote: BREAKOUT },
    lastError: `TypeError: ${SCRIPT} ${BREAKOUT}`,
    control: { action: 'pause', requestedAt: 1_700_000_000_000, reason: SCRIPT + SINGLE },
    ...fields,
  });
}

const frame = {
  title: `Run ${BREAKOUT}`,
  base: '',
  queueNames: [SCRIPT],
  backendLabel: 'Redis',
  nav: 'run' as const,
  hasJobs: false,
  readOnly: false,
  tokenRequired: true,
  csrfToken: 'csrf-token-value',
  fragmentUrl: `/fragments/runs/${encodeURIComponent(BREAKOUT)}${END_JSON}`,
  refreshMs: 1000,
};

/** Markup with no tag or attribute that the hostile values could have produced. */
function expectInert(markup: string): void {
  expect(markup).not.toContain('<script>alert');
  expect(markup).not.toContain('<img');
  expect(markup).not.toContain('<b>');
  // A quote that closed an attribute would be followed by the injected handler.
  expect(markup).not.toMatch(/["']\s*on(error|mouseover)=/i);
  expect(markup).not.toMatch(/["']><img/);
  expect(markup).not.toContain('<!--');
}

describe('dashboard escaping', () => {
  it('escapes text and attribute values, and keeps markup made by the tag', () => {
    expect(escapeHtml(`${SCRIPT}${BREAKOUT}${SINGLE}&\``)).toBe(
      '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;' +
        '&#39; onmouseover=&#39;alert(3)&amp;&#96;',
    );
    const inner = html`<em>${SCRIPT}</em>`;
    expect(html`<p title="${BREAKOUT}">${inner}${[SINGLE, null, false, undefined]}</p>`.text).toBe(
      '<p title="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"><em>&lt;script&gt;alert(1)&lt;/script&gt;</em>' +
        '&#39; onmouseover=&#39;alert(3)</p>',
    );
  });

  it('writes JSON for a script block that cannot end it, and that parses back to the value', () => {
    const value = { id: END_JSON, line: '\u2028\u2029', amp: '&' };
    const text = jsonForScript(value).text;
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('renders a hostile run inertly in the runs table and its filters', () => {
    const list = runList([hostile()], { statuses: [`<b>${SCRIPT}</b>`], names: [SCRIPT] });
    const markup =
      runsTable('', list, {}, false).text +
      runFilters('', list, { status: BREAKOUT, name: SINGLE }).text;
    expectInert(markup);
    expect(markup).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The id is a path segment in links and an escaped attribute on the buttons.
    expect(markup).toContain(
      `href="/runs/${escapeHtml(encodeURIComponent(`${BREAKOUT}/${SINGLE}`))}"`,
    );
    expect(markup).toContain(
      'data-job="&quot;&gt;&lt;img src=x onerror=alert(2)&gt;/&#39; onmouseover=&#39;alert(3)"',
    );
    // An unknown status gets the neutral look, never a class made from its text.
    expect(markup).toMatch(/class="badge tone-quiet" data-status="&lt;b&gt;/);
  });

  it("renders a hostile run's page inertly: params, cursor, error, logs, history", () => {
    const detail: RunDetail = {
      run: hostile(),
      params: { segment: SCRIPT, [BREAKOUT]: END_JSON },
      enqueuedAt: 1_700_000_000_000,
      startedAt: 1_700_000_001_000,
      finishedAt: undefined,
      logs: [SCRIPT, BREAKOUT],
      logCount: 2,
      skippedItems: [
        {
          cursor: { id: BREAKOUT },
          item: SCRIPT,
          error: `TypeError: ${BREAKOUT}`,
          at: 1,
          attempt: 1,
        },
      ],
      recordedFailures: 1,
    };
    const changes = [{ at: 1_700_000_002_000, status: SCRIPT, detail: BREAKOUT }];
    const samples = [
      { at: 1_700_000_000_000, processed: 0 },
      { at: 1_700_000_005_000, processed: 10 },
    ];
    const markup = page(frame, runView({ detail, samples, changes, readOnly: false })).text;
    const withoutOwnScripts = markup
      .replace(/<script type="application\/json" id="dashboard-config">[^<]*<\/script>/, '')
      .replace('<script src="/assets/dashboard.js" defer></script>', '');
    expect(withoutOwnScripts).not.toContain('<script');
    expectInert(withoutOwnScripts);
    // The settings block holds the hostile fragment URL, and nothing in it can end the block.
    const config = /<script type="application\/json" id="dashboard-config">([^<]*)<\/script>/.exec(
      markup,
    );
    expect(JSON.parse(config![1]!)).toMatchObject({ fragmentUrl: frame.fragmentUrl });
    expect(markup).toContain('&lt;/script&gt;&lt;script&gt;alert(4)&lt;/script&gt;&lt;!--');
    // The skipped items section is there, its hostile item and error as text.
    expect(markup).toContain('id="skipped"');
    expect(markup).toContain('TypeError: &quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
  });
});
