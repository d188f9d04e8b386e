// Benchmark (plain tsx script, not a vitest test): the provider limiter (src/calls/limiter.ts, a sliding window in
// memory or in Redis) against rate-limiter-flexible's RateLimiterMemory and RateLimiterRedis (over the same ioredis),
// on a real redis-server: first what each lets through around a window's end, then the time of one take (median, p95).
// ARCHITECTURE.md ("Libraries and what we write ourselves") holds the figures and the decision.
// rate-limiter-flexible is not a dependency: its rows appear when it can be loaded (lib.ts, BENCH_LIBS_DIR).
// Run: npm run bench -- limiter   or   BENCH_LIBS_DIR=/tmp/libs-eval npx tsx test/bench/limiter.bench.ts
import { Redis } from 'ioredis';
import pino from 'pino';
import { MemoryLimiter, RedisLimiter, type RateLimiter } from '../../src/calls/limiter.js';
import { startRedis } from '../support/redis.js';
import { busyTag, optionalLibrary, quietMachine, option, sleep, summarise } from './lib.js';

interface FlexibleRes { msBeforeNext: number }
interface Flexible { consume(key: string): Promise<FlexibleRes> }
interface FlexibleLib {
  RateLimiterMemory: new (opts: { points: number; duration: number; keyPrefix?: string }) => Flexible;
  RateLimiterRedis: new (opts: { storeClient: Redis; points: number; duration: number; keyPrefix?: string }) => Flexible;
}

/** One interface for both: 0 when a slot was taken, else the ms until the limiter says to come back. */
type Take = (key: string) => Promise<number>;
const ours = (l: RateLimiter, limit: number, windowMs: number): Take => (key) => l.take(key, limit, windowMs);
const flexible = (l: Flexible): Take => (key) =>
  l.consume(key).then(() => 0, (res: unknown) => {
    if (res instanceof Error) throw res;
    return (res as FlexibleRes).msBeforeNext;
  });

const quiet = await quietMachine('limiter.bench');
const rlf = optionalLibrary<FlexibleLib>('rate-limiter-flexible');
const redis = await startRedis();
const log = pino({ level: 'silent' });
const client = new Redis(redis.url);
const ourRedis = new RedisLimiter(redis.url, log);
const ourMemory = new MemoryLimiter();
console.log(`limiter bench; rate-limiter-flexible ${rlf ? rlf.version : 'not installed (BENCH_LIBS_DIR)'}`);

try {
  // 1. Around a window's end. Limit 10 in 4 s: one call at 0, nine at 3 s, ten at 4.5 s. A sliding window takes one of
  // the last ten (the call of 0 has left), a fixed window begun at 0 takes all ten (its window started afresh at 4 s).
  // The margins (1 s, 0.5 s) are for a loaded machine, where a burst of Redis calls can take a few hundred ms.
  const LIMIT = 10;
  const WINDOW_S = 4;
  const shapes: [string, (run: string) => Take][] = [
    ['ours, memory', () => ours(ourMemory, LIMIT, WINDOW_S * 1000)],
    ['ours, Redis', () => ours(ourRedis, LIMIT, WINDOW_S * 1000)],
    ...(rlf ? [
      ['rate-limiter-flexible, memory', (run: string) => flexible(new rlf.lib.RateLimiterMemory({ points: LIMIT, duration: WINDOW_S, keyPrefix: run }))],
      ['rate-limiter-flexible, Redis', (run: string) => flexible(new rlf.lib.RateLimiterRedis({ storeClient: client, points: LIMIT, duration: WINDOW_S, keyPrefix: run }))],
    ] as [string, (run: string) => Take][] : []),
  ];
  console.log(`\naround a window's end: limit ${LIMIT} in ${WINDOW_S} s; 1 call at 0, 9 at 3 s, 10 at 4.5 s (all four at once)`);
  const start = Date.now();
  const takes = shapes.map(([name, make]) => ({ name, take: make(`edge-${start}-${name}`) }));
  const burst = (n: number) => Promise.all(takes.map(async ({ take, name }) => {
    const results: number[] = [];
    const from = Date.now() - start;
    for (let i = 0; i < n; i++) results.push(await take(`edge-${start}-${name}`));
    return Object.assign(results, { span: `${(from / 1000).toFixed(2)}-${((Date.now() - start) / 1000).toFixed(2)} s` });
  }));
  await burst(1);
  await sleep(start + 3000 - Date.now());
  const second = await burst(9);
  await sleep(start + 4500 - Date.now());
  const third = await burst(10);
  takes.forEach(({ name }, i) => {
    const taken = third[i]!.filter((r) => r === 0).length;
    const refusedWith = third[i]!.find((r) => r > 0);
    console.log(`${name.padEnd(30)} at ${second[i]!.span} took ${second[i]!.filter((r) => r === 0).length} of 9; at ${third[i]!.span} took ${taken} of 10`
      + ` (${9 + taken} calls within 1.5 s)${refusedWith === undefined ? '' : `; the next slot frees in ${refusedWith} ms`}`);
  });

  // 2. One take, within budget and refused, each implementation alternating call by call so outside load falls on all.
  const N = option('takes', 2000);
  const timed: [string, Take, Take][] = [
    ['ours, memory', ours(ourMemory, 1e9, 60_000), ours(ourMemory, 1, 60_000)],
    ['ours, Redis', ours(ourRedis, 1e9, 60_000), ours(ourRedis, 1, 60_000)],
    ...(rlf ? [
      ['rate-limiter-flexible, memory', flexible(new rlf.lib.RateLimiterMemory({ points: 1e9, duration: 60, keyPrefix: 'ok' })), flexible(new rlf.lib.RateLimiterMemory({ points: 1, duration: 60, keyPrefix: 'no' }))],
      ['rate-limiter-flexible, Redis', flexible(new rlf.lib.RateLimiterRedis({ storeClient: client, points: 1e9, duration: 60, keyPrefix: 'ok' })), flexible(new rlf.lib.RateLimiterRedis({ storeClient: client, points: 1, duration: 60, keyPrefix: 'no' }))],
    ] as [string, Take, Take][] : []),
  ];
  const samples = timed.map(() => ({ ok: [] as number[], refused: [] as number[] }));
  for (let i = 0; i < N + 200; i++) {
    for (const [j, [, ok, refused]] of timed.entries()) {
      // The refused key was spent by its first take; a sliding log also keeps every taken call, so the in-budget key
      // is a new one every 1000 takes, as provider budgets are small.
      const t0 = performance.now();
      await ok(`timed-${Math.floor(i / 1000)}`);
      const t1 = performance.now();
      await refused('timed-refused');
      const t2 = performance.now();
      if (i >= 200) { samples[j]!.ok.push((t1 - t0) * 1000); samples[j]!.refused.push((t2 - t1) * 1000); }
    }
  }
  console.log(`\none take, µs (${N} each after 200 warm-up, implementations alternating)`);
  const fmt = (xs: number[]) => { const s = summarise(xs); return `median ${s.median.toFixed(1).padStart(6)}  p95 ${s.p95.toFixed(1).padStart(6)}`; };
  timed.forEach(([name], j) => console.log(`${name.padEnd(30)} within budget: ${fmt(samples[j]!.ok)}   refused: ${fmt(samples[j]!.refused)}${busyTag()}`));
} finally {
  await ourRedis.close();
  await ourMemory.close();
  client.disconnect();
  await redis.stop();
}
quiet.end();
