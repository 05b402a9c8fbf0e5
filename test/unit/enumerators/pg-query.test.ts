// pgQuery keeps a pool's idle-connection errors from killing the process when the application
// does not listen for them itself (a database restart would otherwise take the worker down).
import { EventEmitter } from 'node:events';

import { afterEach, describe, expect, it, vi } from 'vitest';

import { pgQuery } from '../../../src/enumerators/sql/query.js';

class FakePool extends EventEmitter {
  query = async () => ({ rows: [], fields: [] });
}

describe('pgQuery and pool errors', () => {
  afterEach(() => vi.restoreAllMocks());

  it('an idle error on a pool nobody listens to is reported once, not thrown', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const pool = new FakePool();
    pgQuery(pool);
    pgQuery(pool);
    expect(pool.listenerCount('error')).toBe(1);
    const terminated = new Error('terminating connection due to administrator command');
    expect(() => pool.emit('error', terminated)).not.toThrow();
    expect(() => pool.emit('error', terminated)).not.toThrow();
    expect(warn).toHaveBeenCalledOnce();
    expect(String(warn.mock.calls[0]![0])).toMatch(/idle connection .* failed \(terminating/);
  });

  it('leaves a pool the application listens to alone', () => {
    const pool = new FakePool();
    const mine = vi.fn();
    pool.on('error', mine);
    pgQuery(pool);
    expect(pool.listenerCount('error')).toBe(1);
    pool.emit('error', new Error('x'));
    expect(mine).toHaveBeenCalledOnce();
  });

  it('an EventEmitter without the guard still throws: the guard is what keeps the process alive', () => {
    expect(() => new FakePool().emit('error', new Error('x'))).toThrow('x');
  });
});
