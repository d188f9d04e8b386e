// Benchmark: create+delete pair latency and sustained throughput through the daemon (HTTP, real PostgreSQL, webhook provider), with its RSS.
// Run: npx tsx test/bench/core.bench.ts [--pairs=300] [--clients=8] [--seconds=10]
import { loadavg } from 'node:os';
import { startPostgres } from '../support/postgres.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { acmeproxyPair, line, option, printLoad, sleep, startDaemonProcess, summarise, sustained, value } from './lib.js';

const PAIRS = option('pairs', 300);
const CLIENTS = option('clients', 8);
const SECONDS = option('seconds', 10);
const WARMUP = 30;

async function main(): Promise<void> {
  console.log(`core.bench: node ${process.version}, ${PAIRS} sequential pairs, then ${CLIENTS} clients for ${SECONDS} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const pg = await startPostgres();
  // The operator's endpoint: answers at once, so what is measured is the daemon (HTTP, Postgres, lock, plugin).
  let n = 0;
  const receiver = await startWebhookReceiver({
    handler: (body: { action?: string; record_id?: string }) => ({ success: true, record_id: body.action === 'create' ? `r${++n}` : body.record_id }),
  });
  const daemon = await startDaemonProcess({ databaseUrl: pg.url, connections: CLIENTS });
  // The receiver keeps every call it saw; the bench has no use for them.
  const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);
  console.log(`daemon: ${daemon.runner}, pid ${daemon.pid}, PostgreSQL 15 on 127.0.0.1:${pg.port}`);
  try {
    await sleep(1000);
    const rssIdleStart = daemon.rssMiB();
    const webhook = (name: string) => ({
      name,
      provider_type: 'webhook',
      credentials: { create_url: receiver.url, timeout_seconds: 10, max_retries: 0 },
      // The default of 10 calls a minute would refuse almost all of this; 10 000 is the highest allowed.
      settings: { rate_limit_per_minute: 10_000 },
    });

    // 1. Sequential pairs, one client: latency as Caddy sees it for one certificate.
    const seqProvider = await daemon.addProvider(webhook('bench-sequential'));
    for (let i = 0; i < WARMUP; i++) await acmeproxyPair(daemon, seqProvider, `_acme-challenge.w${i}.warm.bench.test`, value(`w${i}`));
    const samples: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const t0 = performance.now();
      await acmeproxyPair(daemon, seqProvider, `_acme-challenge.s${i}.seq.bench.test`, value(`s${i}`));
      samples.push(performance.now() - t0);
    }
    console.log(line('sequential create+delete pair', summarise(samples)));
    await sleep(2000);
    const rssIdleWarm = daemon.rssMiB();

    // 2. Sustained load: C clients, distinct names (no lock contention), one provider each (10 000 calls/min budget each).
    const providers: string[] = [];
    for (let c = 0; c < CLIENTS; c++) providers.push(await daemon.addProvider(webhook(`bench-load-${c}`)));
    const load = await sustained(daemon, CLIENTS, SECONDS, (c, i) =>
      acmeproxyPair(daemon, providers[c]!, `_acme-challenge.c${c}-${i}.load.bench.test`, value(`c${c}-${i}`)));
    printLoad('sustained', CLIENTS, load);
    await sleep(3000);
    const rssAfter = daemon.rssMiB();

    console.log(`daemon RSS: idle after start ${rssIdleStart.toFixed(1)} MiB, idle after ${WARMUP + PAIRS} pairs ${rssIdleWarm.toFixed(1)} MiB,`
      + ` peak under load ${load.rssPeakMiB.toFixed(1)} MiB, idle 3 s after load ${rssAfter.toFixed(1)} MiB`);
    console.log(`webhook creates answered: ${n}; load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } catch (err) {
    console.error(`core.bench failed: ${(err as Error).message}\ndaemon log tail:\n${daemon.logTail()}`);
    process.exitCode = 1;
  } finally {
    clearInterval(forget);
    await daemon.stop();
    await receiver.stop();
    await pg.stop();
  }
}

await main();
