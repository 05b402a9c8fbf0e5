// What `status` prints: the terminal table (fitted to its width), the stable plain lines, the
// detail of one run, and the watch frame cut to the terminal's height.
import { describe, expect, it } from 'vitest';

import {
  formatPercent,
  formatProcessed,
  formatRate,
  paint,
  progressBar,
  truncate,
} from '../../../src/cli/status/format.js';
import { detailLines, plainLine } from '../../../src/cli/status/lines.js';
import { clip, renderTable } from '../../../src/cli/status/table.js';
import { watchFrame } from '../../../src/cli/status/view.js';
import { run } from './runs.js';

// Colour codes take no room on screen.
const visible = (line: string) =>
  [
    ...line
      .split('\x1b[')
      .map((part, i) => (i === 0 ? part : part.slice(part.indexOf('m') + 1)))
      .join(''),
  ].length;

describe('small renderings', () => {
  it('bars, rates, percentages and counts', () => {
    expect(progressBar(0.5, 10)).toBe('█████░░░░░');
    expect(progressBar(1.2, 4)).toBe('████');
    expect(progressBar(undefined, 4)).toBe('░░░░');
    expect(progressBar(0.5, 0)).toBe('');
    expect(formatRate(3_120.46)).toBe('3,120/s');
    expect(formatRate(12.345)).toBe('12.3/s');
    expect(formatRate(0.254)).toBe('0.25/s');
    expect(formatRate(undefined)).toBe('-');
    expect(formatPercent(52.3)).toBe('52.3%');
    expect(formatPercent(undefined)).toBe('-');
    expect(formatProcessed(26_150, 50_000)).toBe('26,150/50,000');
    expect(formatProcessed(7, undefined)).toBe('7');
    expect(truncate('backfill-subscriptions', 10)).toBe('backfill-…');
    expect(paint('failed', 'bad', false)).toBe('failed');
    expect(paint('failed', 'bad', true)).toBe('\x1b[31mfailed\x1b[0m');
  });

  it('clips by visible width and closes a colour it cuts', () => {
    expect(clip('abcdef', 4)).toBe('abcd');
    expect(clip('\x1b[31mabcdef\x1b[0m', 3)).toBe('\x1b[31mabc\x1b[0m');
    expect(clip('ab\x1b[31mcd\x1b[0mef', 10)).toBe('ab\x1b[31mcd\x1b[0mef');
  });
});

describe('renderTable', () => {
  const runs = [
    run(),
    run({
      jobId: '7',
      jobName: 'send-welcome',
      status: 'paused',
      total: undefined,
      percentage: undefined,
      itemsPerSecond: undefined,
      etaMs: undefined,
      processed: 12,
      timesThrottled: 3,
    }),
  ];

  it('lays out a header and one row per run, the bar taking the spare width', () => {
    const lines = renderTable(runs, 120, false);
    expect(lines[0]).toMatch(
      /^ID\s+JOB\s+STATUS\s+PROGRESS\s+PROCESSED\s+RATE\s+ETA\s+INT\s+THR\s+TRN$/,
    );
    expect(lines[1]).toMatch(
      /^42\s+score-accounts\s+running\s+█{15}░{15}\s+52\.3%\s+26,150\/50,000\s+3,120\/s\s+7\.7 s\s+1\s+0\s+0$/,
    );
    expect(lines[2]).toMatch(/^7\s+send-welcome\s+paused\s+░{30}\s+-\s+12\s+-\s+-\s+1\s+3\s+0$/);
    // Columns line up: the header's titles start where the rows' cells do.
    expect(lines[1]!.indexOf('26,150')).toBeLessThan(
      lines[0]!.indexOf('PROCESSED') + 'PROCESSED'.length,
    );
  });

  it('never exceeds the width: the bar shrinks, then goes, then lines are cut', () => {
    for (const width of [200, 100, 80, 70, 40, 10]) {
      const lines = renderTable(runs, width, true);
      for (const line of lines) expect(visible(line)).toBeLessThanOrEqual(width);
    }
    const bar = (width: number) =>
      /[█░]+/.exec(renderTable(runs, width, false)[1]!)?.[0].length ?? 0;
    expect(bar(200)).toBe(30);
    expect(bar(100)).toBeLessThan(30);
    expect(bar(100)).toBeGreaterThanOrEqual(5);
    expect(bar(70)).toBe(0);
  });

  it('colours the status only, after padding', () => {
    const [, row] = renderTable([run()], 120, true);
    expect(row).toContain('\x1b[36mrunning\x1b[0m');
  });
});

describe('plain lines', () => {
  it('have fixed keys in a fixed order, "-" for the unknown', () => {
    expect(plainLine(run())).toBe(
      'id=42 job=score-accounts status=running processed=26150 total=50000 percent=52.3 rate=3120.5 eta_ms=7650 interrupted=1 throttled=0 transient=0',
    );
    expect(
      plainLine(
        run({
          total: undefined,
          percentage: undefined,
          itemsPerSecond: undefined,
          etaMs: undefined,
        }),
      ),
    ).toBe(
      'id=42 job=score-accounts status=running processed=26150 total=- percent=- rate=- eta_ms=- interrupted=1 throttled=0 transient=0',
    );
  });

  it('quote values with spaces or quotes; the detail adds cursor, control and error', () => {
    const line = plainLine(
      run({
        jobName: 'nightly cleanup',
        control: { action: 'pause', requestedAt: 0, reason: 'db "maintenance"' },
        lastError: 'boom',
      }),
      true,
    );
    expect(line).toContain('job="nightly cleanup"');
    expect(line).toContain(
      `cursor="{\\"id\\":\\"26150\\"}" control=pause reason="db \\"maintenance\\"" attempts=0 skipped=0 error=boom`,
    );
  });
});

describe('the detail of one run', () => {
  it('shows each figure on a labelled line', () => {
    const lines = detailLines(
      run({
        control: { action: 'pause', requestedAt: 0, reason: 'db' },
        throttledMs: 65_000,
        timesThrottled: 2,
      }),
      100,
      false,
      1_700_000_002_000,
    );
    expect(lines[0]).toBe('score-accounts  #42  running');
    expect(lines).toContain('  interrupted  1 time');
    expect(lines).toContain('  throttled    2 times (1 min waiting)');
    expect(lines).toContain('  cursor       {"id":"26150"}');
    expect(lines).toContain('  requested    pause at 1970-01-01T00:00:00.000Z (db)');
    expect(lines).toContain('  updated      2 s ago');
    expect(lines.find((l) => l.startsWith('  progress'))).toMatch(
      /█{20}░{20} 52\.3% {2}26,150\/50,000$/,
    );
  });
});

describe('the watch frame', () => {
  it('keeps title and footer and says how many runs do not fit', () => {
    const runs = Array.from({ length: 30 }, (_, i) => run({ jobId: String(i) }));
    const frame = watchFrame(
      { runs, single: false },
      { title: 'title', footer: 'footer', warning: 'Redis is gone' },
      { width: 100, height: 12 },
      false,
    );
    expect(frame).toHaveLength(12);
    expect(frame[0]).toBe('title');
    expect(frame.at(-1)).toBe('footer');
    expect(frame.at(-2)).toBe('! Redis is gone');
    expect(frame).toContain('… 25 more not shown (resize the terminal, or --limit)');
  });

  it('says so when there is nothing to show', () => {
    const frame = watchFrame(
      { runs: [], single: false, where: 'queue "nightly" on redis://cache:6379' },
      { title: 't', footer: 'f' },
      { width: 200, height: 24 },
      false,
    );
    expect(frame[2]).toBe(
      'No runs in queue "nightly" on redis://cache:6379. Check the queue name (-q) and the backend (--verbose says which setting chose it).',
    );
  });

  it('shows stale, unknown-job and recovering runs with their figures', () => {
    const now = 1_700_000_060_000;
    const stale = detailLines(
      run({ status: 'stale', staleReason: 'lock gone: its worker stopped renewing it' }),
      100,
      false,
      now,
    );
    expect(stale).toContain(
      '  stale        lock gone: its worker stopped renewing it; another worker resumes it from its checkpoint',
    );
    const unknown = detailLines(
      run({ status: 'unknown-job', unknownSince: now - 120_000 }),
      100,
      false,
      now,
    );
    expect(unknown.at(-2)).toContain(
      'unknown job  no worker knew "score-accounts" for 2 min; deploy a worker',
    );
    const recovering = run({ status: 'recovering', transientFailures: 2, transientMs: 31_000 });
    expect(detailLines(recovering, 100, false, now)).toContain(
      '  transient    2 times (31 s waiting for the resource)',
    );
    expect(plainLine(recovering)).toMatch(/status=recovering .* transient=2$/);
    expect(renderTable([recovering], 120, false)[1]).toMatch(/recovering.*\s2$/);
  });

  it('shows what a job restarted from a cursor restarts, and where that one stood', () => {
    const restarted = run({
      restart: {
        of: '41',
        from: { id: '4822' },
        oldCursor: { id: '4821' },
        oldProcessed: 4821,
        at: 0,
      },
    });
    expect(detailLines(restarted, 100, false)).toContain(
      '  restart of   job 41 from cursor {"id":"4822"}; it stood at cursor {"id":"4821"} after 4821 items',
    );
    expect(detailLines(run(), 100, false).some((l) => l.includes('restart of'))).toBe(false);
  });
});
