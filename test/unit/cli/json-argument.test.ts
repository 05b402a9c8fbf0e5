// JSON from the command line: the error names the flag, the position (also where V8 gives none)
// and shows a caret under the offending character.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { CliError } from '../../../src/cli/exit-codes.js';
import { locateJsonError, parseJsonArgument } from '../../../src/cli/json-argument.js';

function failure(text: string): CliError {
  try {
    parseJsonArgument('--params', text);
  } catch (error) {
    return error as CliError;
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('parseJsonArgument', () => {
  it('parses any JSON value', () => {
    expect(parseJsonArgument('--params', '{"total": 10, "ids": [1, 2]}')).toEqual({
      total: 10,
      ids: [1, 2],
    });
    expect(parseJsonArgument('--params', ' "text" ')).toBe('text');
  });

  it('refuses invalid JSON as a usage error with position, line, column and a caret', () => {
    const error = failure('{"total": 10,}');
    expect(error).toBeInstanceOf(CliError);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('--params is not valid JSON: ');
    expect(error.message).toContain('at position 13 (line 1, column 14)');
    expect(error.message).toContain('  {"total": 10,}\n               ^');
    expect(error.message).toContain(`--params '{"segment":"trial"}'`);
  });

  it('finds positions V8 does not report, on later lines too', () => {
    expect(failure('{"a":\n tru}').message).toContain('at position 10 (line 2, column 5)');
    expect(failure('').message).toContain('at position 0');
    expect(failure('{segment: "trial"}').message).toContain('at position 1');
  });
});

describe('locateJsonError', () => {
  it.each([
    ['[1, 2', 5],
    ['[1,]', 3],
    ['{"a" 1}', 5],
    ['"tab\there"', 4],
    ['"\\x"', 2],
    ['"\\u12G4"', 5],
    ['01', 1],
    ['-', 1],
    ['5e,', 2],
    ['1.x', 2],
    ['nul', 3],
    ['{} x', 3],
  ])('%j fails at %i', (text, position) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(locateJsonError(text)).toBe(position);
  });

  it('agrees with V8 wherever V8 reports a position', () => {
    // Break valid JSON by deleting or inserting one character; compare the positions both find.
    const broken = fc
      .tuple(fc.json(), fc.nat(), fc.constantFrom('', ',', '}', ']', '"', ':', 'x', '\n'))
      .map(([json, at, ch]) => {
        const i = at % (json.length + 1);
        return ch === ''
          ? json.slice(0, i) + json.slice(i + 1)
          : json.slice(0, i) + ch + json.slice(i);
      });
    fc.assert(
      fc.property(broken, (text) => {
        let reported: number | undefined;
        try {
          JSON.parse(text);
          return;
        } catch (error) {
          const match = / at position (\d+)/.exec((error as Error).message);
          reported = match ? Number(match[1]) : undefined;
        }
        if (reported !== undefined) expect(locateJsonError(text)).toBe(reported);
      }),
      { numRuns: 2_000 },
    );
  });
});
