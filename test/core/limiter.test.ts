// The provider limiter is a sliding window (src/calls/limiter.ts): `limit` calls in ANY span of `windowMs`, not per
// fixed window. A fixed-window limiter (rate-limiter-flexible's RateLimiterMemory and RateLimiterRedis, for one) lets
// up to twice the limit through around a window's end; these cases are where the two differ.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import pino from 'pino';
import { MemoryLimiter, RedisLimiter } from '../../src/calls/limiter.js';
import { startRedis } from '../support/redis.js';

const WINDOW = 1000;
let limiter: MemoryLimiter;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(0);
  limiter = new MemoryLimiter();
});
afterEach(async () => {
  await limiter.close();
  vi.useRealTimers();
});

const at = (ms: number) => vi.setSystemTime(ms);

describe('MemoryLimiter', () => {
  it('refuses a burst across the end of a window that a fixed window would let through, saying when a slot frees', async () => {
    at(0);
    expect(await limiter.take('p', 3, WINDOW)).toBe(0);
    at(900);
    expect(await limiter.take('p', 3, WINDOW)).toBe(0);
    expect(await limiter.take('p', 3, WINDOW)).toBe(0);
    // A fixed window begun at 0 starts afresh at 1000 and would take three more here: six calls within 150 ms.
    at(1050);
    expect(await limiter.take('p', 3, WINDOW)).toBe(0); // the call of t=0 has left the window
    expect(await limiter.take('p', 3, WINDOW)).toBe(850); // the next slot frees when the calls of t=900 leave, at 1900
    at(1899);
    expect(await limiter.take('p', 3, WINDOW)).toBe(1);
    at(1900);
    expect(await limiter.take('p', 3, WINDOW)).toBe(0);
  });

  it('after the limit is lowered, waits until enough calls have left the window', async () => {
    for (let t = 0; t < 5; t++) {
      at(t * 100);
      expect(await limiter.take('p', 10, WINDOW)).toBe(0);
    }
    at(450);
    // Five calls in the window, two allowed: the 4th oldest (t=300) must leave, at 1300.
    expect(await limiter.take('p', 2, WINDOW)).toBe(850);
  });

  it('keeps one budget per key', async () => {
    expect(await limiter.take('a', 1, WINDOW)).toBe(0);
    expect(await limiter.take('a', 1, WINDOW)).toBe(WINDOW);
    expect(await limiter.take('b', 1, WINDOW)).toBe(0);
  });
});

describe('used(): the slots taken in the window, taking none (the console\'s headroom)', () => {
  it('MemoryLimiter: counts only the window\'s calls, per key, and takes nothing', async () => {
    expect(await limiter.used('p', WINDOW)).toBe(0);
    at(0);
    await limiter.take('p', 3, WINDOW);
    at(600);
    await limiter.take('p', 3, WINDOW);
    await limiter.take('q', 3, WINDOW);
    expect(await limiter.used('p', WINDOW)).toBe(2);
    expect(await limiter.used('p', WINDOW)).toBe(2);
    at(1000); // the call of t=0 has left the window
    expect(await limiter.used('p', WINDOW)).toBe(1);
    expect(await limiter.used('q', WINDOW)).toBe(1);
    expect(await limiter.take('p', 2, WINDOW)).toBe(0);
    expect(await limiter.take('p', 2, WINDOW)).toBe(600);
  });
});

describe('RedisLimiter.used against a real redis-server', () => {
  it('counts the window\'s calls by Redis\' clock, takes nothing, and two limiters see one count', async () => {
    vi.useRealTimers();
    const redis = await startRedis();
    const log = pino({ level: 'silent' });
    const a = new RedisLimiter(redis.url, log);
    const b = new RedisLimiter(redis.url, log);
    try {
      const key = `used-${Date.now()}`;
      expect(await a.used(key, 60_000)).toBe(0);
      for (let i = 0; i < 3; i++) expect(await a.take(key, 5, 60_000)).toBe(0);
      expect(await b.take(key, 5, 60_000)).toBe(0);
      expect(await a.used(key, 60_000)).toBe(4);
      expect(await b.used(key, 60_000)).toBe(4);
      // A short window: the calls leave it and are no longer counted.
      await new Promise((r) => setTimeout(r, 300));
      expect(await a.used(key, 200)).toBe(0);
    } finally {
      await a.close();
      await b.close();
      await redis.stop();
    }
  });
});
