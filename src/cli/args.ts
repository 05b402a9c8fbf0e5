/**
 * Argument parsing on top of `node:util` parseArgs: strict (an unknown flag is an error, not
 * silently ignored), positionals counted per command, numbers checked with the bad value in the
 * message. Every failure is a usage error (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

import { usageError } from './exit-codes.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

type Parsed<O extends OptionSpecs> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>
>;

export interface ParsedArgs<O extends OptionSpecs> {
  readonly values: Parsed<O>['values'];
  readonly positionals: string[];
}

export interface PositionalSpec {
  /** Names for messages, in order: `['job']`; a trailing `?` marks an optional one. */
  readonly names: readonly string[];
}

/**
 * Parses `argv` for `command`; throws a usage error that names the command on any problem.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseCommandArgs('cancel', argv, { reason: { type: 'string' } }, { names: ['id'] });
 * ```
 */
export function parseCommandArgs<const O extends OptionSpecs>(
  command: string,
  argv: readonly string[],
  options: O,
  positionals: PositionalSpec,
): ParsedArgs<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    throw usageError(`${command}: ${(error as Error).message.replace(/\n/g, ' ')}`);
  }
  const required = positionals.names.filter((name) => !name.endsWith('?'));
  if (parsed.positionals.length < required.length) {
    const missing = required.slice(parsed.positionals.length).map((n) => `<${n}>`);
    throw usageError(`${command}: missing ${missing.join(' ')}.`);
  }
  if (parsed.positionals.length > positionals.names.length) {
    const extra = parsed.positionals.slice(positionals.names.length);
    throw usageError(
      `${command}: unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(' ')}` +
        (positionals.names.length === 0
          ? ' (it takes none).'
          : ` (it takes ${positionals.names.map((n) => `<${n.replace('?', '')}>`).join(' ')}).`),
    );
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

export interface IntegerBounds {
  readonly min?: number;
  readonly max?: number;
  /** What the number counts, for the message: `milliseconds`. */
  readonly unit?: string;
}

/** A whole number from a flag's text, or a usage error with the value and the accepted range. */
export function parseInteger(flag: string, text: string, bounds: IntegerBounds = {}): number {
  const min = bounds.min ?? Number.MIN_SAFE_INTEGER;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const value = /^-?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const n = (x: number) => x.toLocaleString('en-US');
    const range =
      bounds.max === undefined ? `≥ ${n(min)}` : `between ${n(min)} and ${n(bounds.max)}`;
    throw usageError(
      `${flag} expects a whole number${bounds.unit ? ` of ${bounds.unit}` : ''} ${range}, got "${text}".`,
    );
  }
  return value;
}

/** `parseInteger` for an optional flag. */
export function optionalInteger(
  flag: string,
  text: string | undefined,
  bounds: IntegerBounds = {},
): number | undefined {
  return text === undefined ? undefined : parseInteger(flag, text, bounds);
}

/** Whether `--help`/`-h` appears among the options (before a `--` terminator). */
export function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}
