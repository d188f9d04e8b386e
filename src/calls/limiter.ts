// Per-provider sliding-window rate limit, in memory or shared through Redis, that knows when the next slot frees.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** One budget per key: `limit` calls in any `windowMs`. */
export interface RateLimiter {
  /** Takes a slot and returns 0, or takes nothing and returns the ms until a slot frees. */
  take(key: string, limit: number, windowMs: number): Promise<number>;
  /** The slots taken within the last `windowMs`, taking none: what the console shows as used. */
  used(key: string, windowMs: number): Promise<number>;
  close(): Promise<void>;
}

/** One replica's budget: the times of the calls still inside the window, per key, oldest first. */
export class MemoryLimiter implements RateLimiter {
  private readonly taken = new Map<string, { times: number[]; head: number }>();

  async take(key: string, limit: number, windowMs: number): Promise<number> {
    const now = Date.now();
    let log = this.taken.get(key);
    if (!log) this.taken.set(key, (log = { times: [], head: 0 }));
    // Expired times are skipped by moving `head`, and dropped in one go once they are half the array: a take
    // within budget costs no allocation and no scan of the window.
    while (log.head < log.times.length && log.times[log.head]! <= now - windowMs) log.head++;
    if (log.head > 64 && log.head * 2 > log.times.length) {
      log.times = log.times.slice(log.head);
      log.head = 0;
    }
    const inWindow = log.times.length - log.head;
    if (inWindow < limit) {
      log.times.push(now);
      return 0;
    }
    // With more calls inside the window than the limit (it was lowered), enough of them must age out.
    return Math.max(1, log.times[log.times.length - limit]! + windowMs - now);
  }

  async used(key: string, windowMs: number): Promise<number> {
    const log = this.taken.get(key);
    if (!log) return 0;
    const since = Date.now() - windowMs;
    let n = 0;
    for (let i = log.times.length - 1; i >= log.head && log.times[i]! > since; i--) n++;
    return n;
  }

  async close(): Promise<void> {
    this.taken.clear();
  }
}

// The same sliding log as MemoryLimiter, atomic in Redis and timed by Redis' clock, so replicas with skewed
// clocks share one honest budget.
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
if n < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

const USED_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[1])), '+inf')
`;

/** All replicas' budget in one Redis; take() rejects when Redis does not answer within 2 s. */
export class RedisLimiter implements RateLimiter {
  /** ioredis is loaded only when a Redis is configured: most daemons never need it. */
  private readonly redis: Promise<Redis>;

  constructor(url: string, log: Logger) {
    this.redis = import('ioredis').then(({ Redis: Client }) => {
      const redis = new Client(url, { maxRetriesPerRequest: 1, commandTimeout: 2000, connectTimeout: 5000 });
      redis.on('error', (err: Error) => log.warn({ err: err.message }, 'rate limiter redis error'));
      redis.defineCommand('dns01Take', { numberOfKeys: 1, lua: TAKE_SCRIPT });
      redis.defineCommand('dns01Used', { numberOfKeys: 1, lua: USED_SCRIPT });
      return redis;
    });
  }

  async take(key: string, limit: number, windowMs: number): Promise<number> {
    const redis = await this.redis;
    const take = (redis as unknown as { dns01Take(...args: (string | number)[]): Promise<number> }).dns01Take;
    return Number(await take.call(redis, `dns01-proxy:rate:${key}`, limit, windowMs, randomUUID()));
  }

  async used(key: string, windowMs: number): Promise<number> {
    const redis = await this.redis;
    const used = (redis as unknown as { dns01Used(...args: (string | number)[]): Promise<number> }).dns01Used;
    return Number(await used.call(redis, `dns01-proxy:rate:${key}`, windowMs));
  }

  async close(): Promise<void> {
    (await this.redis).disconnect();
  }
}

/**
 * Takes a slot, waiting for one up to `maxWaitMs` (or until `signal` aborts). Returns 0 when a slot was taken,
 * else the ms until the next slot frees; a slot known to free only after the deadline is not waited for.
 */
export async function takeWithin(limiter: RateLimiter, key: string, limit: number, windowMs: number, maxWaitMs: number, signal?: AbortSignal): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  for (;;) {
    const retryIn = await limiter.take(key, limit, windowMs);
    if (retryIn === 0 || Date.now() + retryIn > deadline || signal?.aborted) return retryIn;
    // An abort ends the wait early; the loop then returns without a slot.
    await sleep(retryIn, undefined, signal ? { signal } : {}).catch(() => undefined);
  }
}
