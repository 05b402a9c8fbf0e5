// The console's renderers without a server: the error cell's specific part, the "New run" form
// generated from a JSON Schema (constraints as browser attributes, everything escaped), the audit
// trail and tags, paging links that keep the filters.
import { describe, expect, it } from 'vitest';

import { parseTagFilter } from '../../../src/control/tags.js';
import { errorGist } from '../../../src/dashboard/error-gist.js';
import { auditTrail } from '../../../src/dashboard/pages/audit.js';
import { newRunForm } from '../../../src/dashboard/pages/new-run.js';
import { filterQuery } from '../../../src/dashboard/pages/pager.js';
import { tagChips } from '../../../src/dashboard/pages/widgets.js';

const SCRIPT = '<script>alert(1)</script>';
const BREAKOUT = '"><img src=x onerror=alert(2)>';

describe('errorGist', () => {
  it.each([
    [
      'The enumerator of iteration job "late-deliveries" (id 3) yielded 42, not an [item, cursor] pair.',
      'Yielded 42, not an [item, cursor] pair.',
    ],
    [
      'iteration job "import" (id 9): parseParams rejected the job\'s data: missing path.',
      "ParseParams rejected the job's data: missing path.",
    ],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432'],
  ])('%s', (message, gist) => {
    expect(errorGist(message)).toBe(gist);
  });
});

describe('the New run form', () => {
  const form = (schema: object) =>
    newRunForm({
      job: 'notify',
      schema: schema as never,
      queues: ['a', 'b'],
      defaultQueue: 'b',
      csvUpload: undefined,
      uploadsOn: false,
      tokenRequired: true,
    }).text;

  it('turns the schema’s constraints into attributes the browser enforces', () => {
    const text = form({
      type: 'object',
      required: ['segment', 'limit', 'code'],
      properties: {
        segment: { type: 'string', enum: ['trial', 'paid'] },
        limit: { type: 'integer', minimum: 1, maximum: 500 },
        code: { type: 'string', minLength: 2, maxLength: 8, pattern: '^[A-Z]+$' },
        dry: { type: 'boolean', default: true },
        ids: { type: 'array', items: { type: 'number' } },
        filter: { type: 'object' },
      },
    });
    expect(text).toMatch(/data-param="segment"\s+data-kind="enum"/);
    expect(text).toContain('<option value="&quot;paid&quot;"');
    expect(text).toMatch(/type="number"\s+name="param"\s+step="1"\s+min="1" max="500" required/);
    expect(text).toMatch(/minlength="2" maxlength="8" pattern="\^\[A-Z\]\+\$" required/);
    expect(text).toMatch(
      /data-kind="boolean"[\s\S]*?<input type="checkbox" name="param"\s+checked/,
    );
    expect(text).toMatch(/data-param="ids"\s+data-kind="lines-number"/);
    expect(text).toMatch(/data-param="filter"\s+data-kind="json"/);
    expect(text).toMatch(/value="b"\s+selected/);
    expect(text).toContain('id="new-run-token-field"');
  });

  it('is one JSON editor without a schema, and escapes whatever the schema says', () => {
    expect(form(undefined as never)).toContain('data-kind="json-all"');
    const hostile = form({
      type: 'object',
      properties: {
        [BREAKOUT]: { type: 'string', description: SCRIPT, default: BREAKOUT },
        pick: { enum: [SCRIPT] },
      },
    });
    expect(hostile).not.toContain('<img');
    expect(hostile).not.toContain('<script');
    expect(hostile).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('the audit trail and tags', () => {
  it('shows entries newest first, escaped', () => {
    const text = auditTrail([
      { at: 1, action: 'pause', actor: BREAKOUT, via: 'console', reason: SCRIPT },
      { at: 2, action: 'resume', actor: 'ada', via: 'cli' },
    ]).text;
    expect(text.indexOf('resume')).toBeLessThan(text.indexOf('pause'));
    expect(text).not.toContain('<img');
    expect(text).not.toContain('<script');
    expect(tagChips({ owner: BREAKOUT }).toString()).not.toContain('<img');
  });

  it('keeps the filters in paging links, tags included', () => {
    const tags = parseTagFilter('shard=db-3, region=eu');
    expect(tags).toEqual({ shard: 'db-3', region: 'eu' });
    expect(filterQuery({ status: 'paused', tags }, 3)).toBe(
      'status=paused&tags=shard%3Ddb-3%2Cregion%3Deu&page=3',
    );
    expect(() => parseTagFilter('shard')).toThrow(/not name=value/);
  });
});
