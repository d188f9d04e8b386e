// The provider limiter is a sliding window (src/calls/limiter.ts): `limit` calls in ANY span of `windowMs`, not per
// fixed window. A fixed-window limiter (rate-limiter-flexible's RateLimiterMemory and RateLimiterRedis, for one) lets
// up to twice the limit through around a window's end; these cases are where the two differ.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryLimiter } from '../../src/calls/limiter.js';

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
