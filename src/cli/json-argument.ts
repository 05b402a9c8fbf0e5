/**
 * JSON given on the command line (`--params '{"segment":"trial"}'`). A shell quoting slip is the
 * usual cause of bad JSON there, so the error shows where the text went wrong, with a caret under
 * the offending character, rather than only V8's message (which gives no position for some errors).
 */
import { usageError } from './exit-codes.js';

/** Parses `text` as JSON or throws a usage error naming `flag`, the position and an excerpt. */
export function parseJsonArgument(flag: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const position = locateJsonError(text);
    const { line, column } = lineAndColumn(text, position);
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/ in JSON at position \d+.*$/s, '')
      .replace(/, ".*" is not valid JSON$/s, '');
    throw usageError(
      `${flag} is not valid JSON: ${reason} at position ${position} (line ${line}, column ${column}).\n` +
        `${excerpt(text, position)}\n` +
        `Quote the whole value for your shell, e.g. ${flag} '{"segment":"trial"}'.`,
    );
  }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** The line holding `position` (clipped to 60 characters around it) and a caret below it. */
function excerpt(text: string, position: number): string {
  const start = text.lastIndexOf('\n', position - 1) + 1;
  const endOfLine = text.indexOf('\n', position);
  const lineText = text.slice(start, endOfLine === -1 ? undefined : endOfLine);
  const column = position - start;
  const from = Math.max(0, column - 40);
  const shown = lineText.slice(from, from + 60);
  return `  ${shown}\n  ${' '.repeat(column - from)}^`;
}

/**
 * Index of the first character where `text` stops being valid JSON (its length when it ends too
 * early). Only called after JSON.parse failed, so it only needs to find where, not to build values.
 */
export function locateJsonError(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail();
      const ch = text[i]!;
      if (ch === '"') return void i++;
      if (ch < ' ') fail();
      if (ch === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) {
              i += k;
              fail();
            }
          }
          i += 5;
        } else if (text[i] !== undefined && '"\\/bfnrt'.includes(text[i]!)) i++;
        else fail();
      } else i++;
    }
  };
  const digit = () => text[i] !== undefined && text[i]! >= '0' && text[i]! <= '9';
  const digits = () => {
    if (!digit()) fail();
    while (digit()) i++;
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const sequence = (close: string, item: () => void) => {
    i++;
    space();
    if (text[i] === close) return void i++;
    for (;;) {
      item();
      space();
      if (text[i] === close) return void i++;
      if (text[i] !== ',') fail();
      i++;
      space();
    }
  };
  const value = (): void => {
    space();
    const ch = text[i];
    if (ch === '{') {
      sequence('}', () => {
        if (text[i] !== '"') fail();
        string();
        space();
        if (text[i] !== ':') fail();
        i++;
        value();
      });
    } else if (ch === '[') sequence(']', value);
    else if (ch === '"') string();
    else if (ch === 't') literal('true');
    else if (ch === 'f') literal('false');
    else if (ch === 'n') literal('null');
    else if (ch !== undefined && /[-0-9]/.test(ch)) number();
    else fail();
  };
  try {
    value();
    space();
    return i < text.length ? i : text.length;
  } catch (position) {
    return Math.min(position as number, text.length);
  }
}
