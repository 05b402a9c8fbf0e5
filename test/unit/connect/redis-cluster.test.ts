// Redis Cluster rules without a server: which keys share a slot, the untagged-prefix error, and
// the comma-separated URL list that selects a cluster.
import { describe, expect, it } from 'vitest';

import {
  hashTag,
  requireClusterPrefix,
  requireOneSlot,
} from '../../../src/backends/redis-cluster.js';
import { RedisClusterError } from '../../../src/errors.js';
import {
  isRedisClusterUrl,
  redactUrl,
  redisClusterOptionsFromUrl,
} from '../../../src/redis-url.js';

describe('hashTag', () => {
  it('is the text between the first { and the next }, when not empty', () => {
    expect(hashTag('{bull}:maintenance:42')).toBe('bull');
    expect(hashTag('bull:{maintenance}:42:lock')).toBe('maintenance');
    expect(hashTag('bull:maintenance:42')).toBeUndefined();
    expect(hashTag('{}:maintenance:{42}')).toBeUndefined();
    expect(hashTag('bull:{maintenance')).toBeUndefined();
  });
});

describe('requireOneSlot', () => {
  it('accepts a tag in the prefix or in the queue name', () => {
    expect(() => requireOneSlot('{bull}', 'maintenance', 'w')).not.toThrow();
    expect(() => requireOneSlot('bull', '{maintenance}', 'w')).not.toThrow();
    expect(() => requireOneSlot('app:{jobs}', 'maintenance', 'w')).not.toThrow();
  });

  it('refuses an untagged prefix, naming the owner, the prefix and the fix', () => {
    let error: unknown;
    try {
      requireOneSlot('bull', 'maintenance', 'IterationWorker for queue "maintenance"');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RedisClusterError);
    expect(error).toMatchObject({ prefix: 'bull', queueName: 'maintenance' });
    const message = (error as Error).message;
    expect(message).toMatch(/^IterationWorker for queue "maintenance": on a Redis Cluster/);
    expect(message).toContain('prefix "bull"');
    expect(message).toContain("Pass { prefix: '{bull}' }");
  });

  it('refuses an empty tag and a tag that only closes in the job id', () => {
    expect(() => requireOneSlot('{}', 'maintenance', 'w')).toThrow(RedisClusterError);
    expect(() => requireOneSlot('bull{', 'maintenance', 'w')).toThrow("{ prefix: '{bull}' }");
  });

  it('only applies to a Cluster connection', () => {
    expect(() => requireClusterPrefix({ host: 'h', port: 1 }, 'bull', 'q', 'w')).not.toThrow();
    expect(() => requireClusterPrefix({ isCluster: false }, undefined, 'q', 'w')).not.toThrow();
    expect(() => requireClusterPrefix({ isCluster: true }, undefined, 'q', 'w')).toThrow(
      'prefix "bull"',
    );
    expect(() => requireClusterPrefix({ isCluster: true }, '{bull}', 'q', 'w')).not.toThrow();
  });
});

describe('Redis Cluster URL lists', () => {
  it('several comma-separated URLs name the startup nodes; one URL is a single server', () => {
    expect(isRedisClusterUrl('redis://a:7000')).toBe(false);
    expect(isRedisClusterUrl('redis://a:7000,redis://b:7001')).toBe(true);
    expect(redisClusterOptionsFromUrl('redis://u:s%40cret@a:7000, redis://b:7001,')).toEqual({
      nodes: [
        { host: 'a', port: 7000 },
        { host: 'b', port: 7001 },
      ],
      redisOptions: { username: 'u', password: 's@cret', maxRetriesPerRequest: null },
    });
    expect(redisClusterOptionsFromUrl('rediss://[::1]:7000,rediss://[::1]:7001')).toMatchObject({
      nodes: [
        { host: '::1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      redisOptions: { tls: {}, family: 6 },
    });
  });

  it('refuses a database other than 0 and a bad node, naming the setting', () => {
    expect(() => redisClusterOptionsFromUrl('redis://a:7000/2,redis://b:7001', 'X')).toThrow(
      'X selects database 2, but a Redis Cluster has only database 0',
    );
    expect(() => redisClusterOptionsFromUrl('redis://a:7000,http://b', 'X')).toThrow(
      'X (node "http://b/") must start with redis:// or rediss://',
    );
  });

  it('redacts the password of every node', () => {
    expect(redactUrl('redis://u:one@a:7000,redis://u:two@b:7001')).toBe(
      'redis://u:***@a:7000,redis://u:***@b:7001',
    );
  });
});
