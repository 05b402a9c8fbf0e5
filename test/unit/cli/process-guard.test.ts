// Which uncaught errors a CLI worker survives, and when it warns that npm started it.
import { describe, expect, it } from 'vitest';

import { isConnectionError, signalForwardingWarning } from '../../../src/cli/process-guard.js';

describe('isConnectionError', () => {
  it('recognises lost connections by code and by pg message', () => {
    const withCode = (code: string) => Object.assign(new Error('x'), { code });
    expect(isConnectionError(withCode('ECONNRESET'))).toBe(true);
    expect(isConnectionError(withCode('57P01'))).toBe(true); // admin shutdown / terminate
    expect(isConnectionError(withCode('08006'))).toBe(true);
    expect(isConnectionError(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('leaves bugs alone', () => {
    expect(isConnectionError(new TypeError('x is not a function'))).toBe(false);
    expect(isConnectionError(Object.assign(new Error('dup'), { code: '23505' }))).toBe(false);
    expect(isConnectionError('a string')).toBe(false);
  });
});

describe('signalForwardingWarning', () => {
  it('warns under npx or npm run, and not when node runs it', () => {
    expect(signalForwardingWarning({ npm_command: 'exec' })).toContain(
      'started by npm (npm_command=exec), which does not pass SIGTERM on',
    );
    expect(signalForwardingWarning({ npm_command: 'run-script' })).toContain('exec node');
    expect(signalForwardingWarning({})).toBeUndefined();
  });
});
