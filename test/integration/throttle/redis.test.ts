// The Redis health checks against the real server of the run, and the sharing of one probe among
// many jobs and items that ask at once.
import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';

import {
  evaluateThrottle,
  readRedisMemory,
  redisLatency,
  redisMemory,
  resolveThrottle,
} from '../../../src/throttle/index.js';
import { track } from '../../support/lifecycle.js';
import { redisUrl } from '../../support/servers.js';
import { recordingLogger, silentServer, tracked } from './helpers.js';

function client(url = redisUrl()): Redis {
  return track(new Redis(url, { maxRetriesPerRequest: null }));
}

describe('Redis health checks', () => {
  it('reads used_memory and maxmemory from the real INFO', async () => {
    const redis = client();
    const check = tracked(redisMemory({ redis }));
    const status = await check.status();
    const reading = readRedisMemory(await redis.info('memory'));
    expect(reading.usedMemory).toBeGreaterThan(0);
    expect(status.healthy).toBe(true);
    if (reading.maxMemory === 0)
      expect(status.detail).toMatch(/^memory [\d.]+ [kMG]?B, no maxmemory set$/);
    else expect(status.detail).toMatch(/^memory .* of .* \(\d+ %, limit 90 %\)$/);
  });

  it('times a real PING', async () => {
    const check = tracked(redisLatency({ redis: client() }));
    const status = await check.status();
    expect(status).toMatchObject({ healthy: true });
    expect(status.detail).toMatch(/^PING took \d+ ms \(limit 100 ms\)$/);
  });

  it('counts a Redis that never answers as unhealthy, without piling up probes', async () => {
    const { port } = await silentServer();
    const logger = recordingLogger();
    const hung = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: null });
    // QUIT would wait for a reply that never comes.
    track(hung, { close: async () => hung.disconnect() });
    const ping = vi.spyOn(hung, 'ping');
    const check = tracked(redisLatency({ redis: hung, timeoutMs: 200, intervalMs: 100, logger }));
    await expect(check.status()).resolves.toMatchObject({
      healthy: false,
      detail: 'probe timed out after 200 ms',
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(check.peek()).toMatchObject({
      healthy: false,
      detail: expect.stringMatching(/still running/),
    });
    expect(ping).toHaveBeenCalledOnce();
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('sends one PING per interval however many jobs and items ask', async () => {
    const redis = client();
    const ping = vi.spyOn(redis, 'ping');
    const check = tracked(redisLatency({ redis, intervalMs: 200 }));
    // Fifty "jobs" sharing the check, each evaluating before every item for about a second.
    const throttle = resolveThrottle(check, { jobName: 'many' });
    const ctx = { params: {}, cursor: null, job: {} as never };
    let evaluations = 0;
    const job = async () => {
      const until = Date.now() + 1_000;
      while (Date.now() < until) {
        let decision = evaluateThrottle(throttle, ctx, 0);
        if (decision instanceof Promise) decision = await decision;
        expect(decision).toBeUndefined();
        evaluations++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    await Promise.all(Array.from({ length: 50 }, job));
    expect(evaluations).toBeGreaterThan(1_000);
    // 1 s at one probe per 200 ms: about 5, never one per item.
    expect(ping.mock.calls.length).toBeGreaterThanOrEqual(3);
    expect(ping.mock.calls.length).toBeLessThanOrEqual(7);
  });
});
