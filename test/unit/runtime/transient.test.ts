// Which errors are a resume and which are a failed attempt.
import { describe, expect, it } from 'vitest';

import { TransientError } from '../../../src/errors.js';
import {
  describeError,
  isMarkedTransient,
  isTransientError,
} from '../../../src/runtime/transient.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isTransientError', () => {
  it.each([
    [
      'a server shutdown (57P01)',
      withCode('terminating connection due to administrator command', '57P01'),
    ],
    ['the server starting up (57P03)', withCode('the database system is starting up', '57P03')],
    ['a connection exception (class 08)', withCode('connection failure', '08006')],
    ['a serialization failure', withCode('could not serialize access', '40001')],
    ['a deadlock', withCode('deadlock detected', '40P01')],
    ['too many connections', withCode('sorry, too many clients already', '53300')],
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
    ['pg: connection terminated', new Error('Connection terminated unexpectedly')],
    ['pg: pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['ioredis: closed connection', new Error('Connection is closed.')],
    [
      'ioredis: retries exhausted',
      new Error('Reached the max retries per request limit (which is 20).'),
    ],
    ['Redis loading its dataset', new Error('LOADING Redis is loading the dataset in memory')],
    ['Redis replica read-only', new Error("READONLY You can't write against a read only replica.")],
    ['Redis Cluster failing over', new Error('CLUSTERDOWN The cluster is down')],
    ['ioredis Cluster: no slots', new Error('Failed to refresh slots cache.')],
    ['ioredis Cluster: no node', new Error('None of startup nodes is available')],
    [
      'ioredis Cluster: redirections',
      new Error('Too many Cluster redirections. Last error: Error: Connection is closed.'),
    ],
    ['a call that did not settle', new Error('requeue did not finish within 10000 ms')],
    ['a marked error', new TransientError('billing answered 503')],
    ['a cause chain', new Error('page read failed', { cause: withCode('x', 'ECONNREFUSED') })],
    ['an AggregateError', new AggregateError([withCode('a', 'ECONNREFUSED')], 'connect failed')],
  ])('%s is transient', (_, error) => {
    expect(isTransientError(error)).toBe(true);
  });

  it.each([
    ['a syntax error', withCode('syntax error at or near "SELEC"', '42601')],
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a type error', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a string', 'boom'],
    ['undefined', undefined],
    ['a message that only mentions a connection', new Error('connection string is missing')],
  ])('%s is not transient', (_, error) => {
    expect(isTransientError(error)).toBe(false);
  });

  it('only TransientError counts as marked: the job judges its own errors', () => {
    expect(isMarkedTransient(new TransientError('later'))).toBe(true);
    expect(isMarkedTransient(withCode('connect ECONNREFUSED', 'ECONNREFUSED'))).toBe(false);
  });

  it('describes an error with its code', () => {
    expect(describeError(withCode('terminating connection', '57P01'))).toBe(
      'terminating connection (57P01)',
    );
    expect(describeError(new Error('x'.repeat(300)))).toHaveLength(201);
  });
});
