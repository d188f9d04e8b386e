// Benchmark: what the number of sites costs a challenge whose client names no provider (the daemon picks by site, as
// the shipped Caddyfile has it), and the Caddy config build, at 0, 1,000 and 10,000 sites.
// Run: npx tsx test/bench/sites.bench.ts [--runs=3] [--pairs=150] [--sites=0,1000,10000]
import postgres from 'postgres';
import { CONFIG_CHANNEL } from '../../src/compose/services.js';
import { createTestDatabase, startPostgres } from '../support/postgres.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { PairError, busyTag, line, ms, option, quietMachine, startDaemonProcess, summarise, value, type DaemonProcess, type Summary } from './lib.js';

const RUNS = option('runs', 3);
const PAIRS = option('pairs', 150);
const WARMUP = 20;
/** Pairs a fresh daemon is given before the first level, so the first level does not pay its warm-up (JIT, pools). */
const DAEMON_WARMUP = 300;
/** Config builds timed per level (after one untimed). */
const BUILDS = 5;
const LEVELS = (process.argv.find((a) => a.startsWith('--sites='))?.slice(8) ?? process.env.BENCH_SITES ?? '0,1000,10000')
  .split(',').map(Number).filter((n) => Number.isInteger(n) && n >= 0).sort((a, b) => a - b);

/** present + cleanup on the endpoints without a provider id: the daemon chooses by site, else the default. */
async function unpinnedPair(d: DaemonProcess, fqdn: string, v: string): Promise<void> {
  const headers = { authorization: `Basic ${Buffer.from(`caddy:${d.internalToken}`).toString('base64')}`, 'content-type': 'application/json' };
  for (const step of ['present', 'cleanup']) {
    const res = await d.pool.request({ path: `/internal/dns-challenge/${step}`, method: 'POST', headers, body: JSON.stringify({ fqdn, value: v }) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new PairError(res.statusCode, `${step} ${fqdn}: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
  }
}

/** `GET /api/v1/caddy/config`, the policies built from every enabled site: ms per build. */
async function configBuilds(d: DaemonProcess): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i <= BUILDS; i++) {
    const t0 = performance.now();
    const res = await fetch(`${d.url}/api/v1/caddy/config`, { headers: { authorization: `Bearer ${d.adminToken}` }, signal: AbortSignal.timeout(60_000) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET /api/v1/caddy/config: HTTP ${res.status}`);
    if (i > 0) samples.push(performance.now() - t0);
  }
  return summarise(samples);
}

interface Level { sites: number; pair: Summary; config: Summary; rssMiB: number }

async function main(): Promise<void> {
  const quiet = await quietMachine('sites.bench');
  console.log(`sites.bench: node ${process.version}, ${RUNS} runs, sites ${LEVELS.join(' / ')}, ${PAIRS} unpinned pairs per level after ${DAEMON_WARMUP} warm-up pairs per daemon`);
  const pg = await startPostgres();
  let n = 0;
  const receiver = await startWebhookReceiver({
    handler: (body: { action?: string; record_id?: string }) => ({ success: true, record_id: body.action === 'create' ? `r${++n}` : body.record_id }),
  });
  const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);
  const webhook = (name: string, isDefault: boolean) => ({
    name, provider_type: 'webhook', is_default: isDefault,
    credentials: { create_url: receiver.url, timeout_seconds: 10, max_retries: 0 }, settings: { rate_limit_per_minute: 10_000 },
  });
  const results: Level[][] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const db = await createTestDatabase(pg.url);
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      const daemon = await startDaemonProcess({ databaseUrl: db.url, connections: 1 });
      if (run === 0) console.log(`daemon: ${daemon.runner}`);
      console.log(`\nrun ${run + 1}: /ready after ${(daemon.readyMs / 1000).toFixed(2)} s`);
      const levels: Level[] = [];
      try {
        await daemon.addProvider(webhook('bench-default', true));
        const siteProvider = await daemon.addProvider(webhook('bench-sites', false));
        for (let i = 0; i < DAEMON_WARMUP; i++) await unpinnedPair(daemon, `_acme-challenge.w${i}.warm.bench.test`, value(`r${run}w${i}`));
        let have = 0;
        for (const target of LEVELS) {
          // Site i: `s<i>.sites.bench.test` and `*.s<i>.sites.bench.test`, as an operator's certificate for a name and its subdomains.
          if (target > have) {
            await sql`insert into sites (domain_names, dns_provider_id)
              select jsonb_build_array('*.s' || g || '.sites.bench.test', 's' || g || '.sites.bench.test'), ${siteProvider}::uuid
              from generate_series(${have}::int, ${target - 1}::int) g`;
            // Written behind the API's back: the notice the site store sends, so every replica's index is rebuilt.
            await sql`select pg_notify(${CONFIG_CHANNEL}, 'sites')`;
            have = target;
          }
          // Names under a site when there are sites (spread over all of them), else under none: the default provider's.
          const fqdn = (i: number) => `_acme-challenge.p${i}.s${target ? (i * 7919) % target : i}.sites.bench.test`;
          for (let i = 0; i < WARMUP; i++) await unpinnedPair(daemon, fqdn(i), value(`r${run}l${target}w${i}`));
          const samples: number[] = [];
          for (let i = WARMUP; i < WARMUP + PAIRS; i++) {
            const t0 = performance.now();
            await unpinnedPair(daemon, fqdn(i), value(`r${run}l${target}p${i}`));
            samples.push(performance.now() - t0);
          }
          const level = { sites: target, pair: summarise(samples), config: await configBuilds(daemon), rssMiB: daemon.rssMiB() };
          levels.push(level);
          console.log(line(`  ${target} sites: unpinned pair`, level.pair));
          console.log(`  ${target} sites: GET /api/v1/caddy/config median ${ms(level.config.median)}  p95 ${ms(level.config.p95)};  RSS ${level.rssMiB.toFixed(0)} MiB${busyTag()}`);
        }
        results.push(levels);
      } catch (err) {
        throw new Error(`${(err as Error).message}\ndaemon log tail:\n${daemon.logTail()}`);
      } finally {
        await daemon.stop();
        await sql.end({ timeout: 5 });
        await db.drop();
      }
    }
    printTable(results);
  } catch (err) {
    console.error(`sites.bench failed: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    clearInterval(forget);
    await receiver.stop();
    await pg.stop();
    quiet.end();
  }
}

/** Per level: each figure's median over the runs [min-max]; the pair median's ratio to the lowest level's (goal: <= 1.2x at 10,000). */
function printTable(results: Level[][]): void {
  const over = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return { median: s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2, min: s[0]!, max: s.at(-1)! };
  };
  const fmt = (xs: number[], digits = 2) => { const o = over(xs); return `${o.median.toFixed(digits)} [${o.min.toFixed(digits)}-${o.max.toFixed(digits)}]`; };
  console.log(`\nsites.bench summary (${results.length} runs; median [min-max] over the runs)${busyTag()}`);
  console.log('| sites | pair median ms | pair p95 ms | pair median / lowest level | caddy config ms | RSS MiB |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  LEVELS.forEach((sites, l) => {
    const at = results.map((r) => r[l]!);
    const ratio = results.map((r) => r[l]!.pair.median / r[0]!.pair.median);
    console.log(`| ${sites} | ${fmt(at.map((x) => x.pair.median))} | ${fmt(at.map((x) => x.pair.p95))} | ${fmt(ratio)}x | ${fmt(at.map((x) => x.config.median))} | ${fmt(at.map((x) => x.rssMiB), 0)} |`);
  });
}

await main();
