import { describe, expect, it } from 'vitest';

import { idempotencyKey } from '../../../src/runtime/idempotency.js';
import { TransactionMisuseError } from '../../../src/transactional/errors.js';
import { TxGuard } from '../../../src/transactional/tx-guard.js';

const guard = () => new TxGuard('job', 'iteration job "job" (id 1)');

describe('TxGuard', () => {
  it.each([
    'BEGIN',
    'begin;',
    'START TRANSACTION READ ONLY',
    'COMMIT',
    'commit and chain',
    'END',
    'ABORT',
    'ROLLBACK',
    'rollback work',
    "PREPARE TRANSACTION 'x'",
    '-- note\nCOMMIT',
    '/* a */ /* b */ begin',
    'UPDATE t SET a = 1; COMMIT',
  ])('refuses %j', (text) => {
    const g = guard();
    expect(() => g.statement(text)).toThrow(TransactionMisuseError);
    // Recorded, so the transaction is rolled back even if the step caught the error.
    expect(() => g.finish()).toThrow(TransactionMisuseError);
  });

  it.each([
    'SELECT 1',
    'SAVEPOINT a',
    'ROLLBACK TO SAVEPOINT a',
    'rollback to a',
    'RELEASE SAVEPOINT a',
    "INSERT INTO t (note) VALUES ('begin')",
    'UPDATE commits SET ended = true',
    'SELECT 1 FROM beginnings',
  ])('lets %j through', (text) => {
    const g = guard();
    expect(() => g.statement(text)).not.toThrow();
    expect(() => g.finish()).not.toThrow();
  });

  it('refuses a query still running when the step returns, and any use after close', async () => {
    const g = guard();
    let resolve!: () => void;
    g.track(new Promise<void>((r) => (resolve = r)));
    expect(() => g.finish()).toThrow(/still running/);
    resolve();
    g.close();
    expect(() => g.statement('SELECT 1')).toThrow(/used after the step/);
    expect(() => g.refuse('release')).toThrow(/used after the step/);
  });
});

describe('idempotencyKey', () => {
  it('is the job id and the cursor, with object keys sorted at every depth', () => {
    expect(idempotencyKey('7', 3)).toBe('7:3');
    expect(idempotencyKey('7', null)).toBe('7:null');
    expect(idempotencyKey('7', { b: 1, a: [{ d: 1, c: 2 }] })).toBe(
      idempotencyKey('7', { a: [{ c: 2, d: 1 }], b: 1 }),
    );
    expect(idempotencyKey('7', { id: 'x', at: 't' })).toBe('7:{"at":"t","id":"x"}');
  });
});
