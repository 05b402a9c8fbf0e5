// What `bullmq-iteration failures` prints without --json: a summary, then one logfmt line per item.
import { describe, expect, it } from 'vitest';

import { failureLines } from '../../../src/cli/commands/failures.js';
import { detailLines } from '../../../src/cli/status/lines.js';
import { run } from './runs.js';

describe('failures output', () => {
  it('prints the count, what was not recorded, and each record quoted as logfmt', () => {
    const lines = failureLines({
      queueName: 'maintenance',
      jobId: '42',
      jobName: 'backfill',
      skipped: 3,
      dropped: 1,
      items: [
        {
          cursor: { id: 7 },
          after: { id: 8 },
          item: '{"id":8}',
          error: { name: 'TypeError', message: 'row 8 has no "email"', stack: 'TypeError…' },
          at: Date.UTC(2026, 0, 2, 3, 4, 5),
          attempt: 1,
          tries: 3,
        },
        {
          cursor: null,
          after: 1,
          item: '1',
          error: { name: 'Error', message: 'boom' },
          at: Date.UTC(2026, 0, 2, 3, 4, 6),
          attempt: 2,
          tries: 1,
        },
      ],
    });
    expect(lines).toEqual([
      'job 42 (backfill): 3 items skipped, 1 not recorded',
      'cursor="{\\"id\\":7}" item="{\\"id\\":8}" error="TypeError: row 8 has no \\"email\\"" at=2026-01-02T03:04:05.000Z attempt=1 tries=3',
      'cursor=null item=1 error="Error: boom" at=2026-01-02T03:04:06.000Z attempt=2 tries=1',
    ]);
  });

  it('status detail shows skipped items only when there are some', () => {
    expect(detailLines(run({ skipped: 0 }), 80, false).join('\n')).not.toContain('skipped');
    expect(detailLines(run({ skipped: 2 }), 80, false)).toContain(
      '  skipped      2 failed items (see `failures 42`)',
    );
  });
});
