// Benchmark: what the audit log costs one admin change and one challenge (create+delete), writer on against DNS01_AUDIT_ENABLED=false.
// Run: npx tsx test/bench/audit.bench.ts [--pairs=150]
import { startPostgres } from '../support/postgres.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { acmeproxyPair, line, option, quietMachine, sleep, startDaemonProcess, summarise, value, type DaemonProcess } from './lib.js';

const PAIRS = option('pairs', 150);
const WARMUP = 30;

/** One audited admin request: a site switched on or off (PUT /api/v1/sites/{id}). */
async function siteToggle(d: DaemonProcess, siteId: string, enabled: boolean): Promise<void> {
  const res = await d.pool.request({
    path: `/api/v1/sites/${siteId}`, method: 'PUT', body: JSON.stringify({ enabled }),
    headers: { authorization: `Bearer ${d.adminToken}`, 'content-type': 'application/json' },
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`PUT site: HTTP ${res.statusCode} ${text.slice(0, 300)}`);
}

async function main(): Promise<void> {
  const quiet = await quietMachine('audit.bench');
  console.log(`audit.bench: node ${process.version}, ${PAIRS} samples per kind and daemon, interleaved`);
  const pg = await startPostgres();
  let n = 0;
  const receiver = await startWebhookReceiver({
    handler: (body: { action?: string; record_id?: string }) => ({ success: true, record_id: body.action === 'create' ? `r${++n}` : body.record_id }),
  });
  // Both daemons on one database (as two replicas would be); only the writer differs.
  const daemons = {
    'writer on': await startDaemonProcess({ databaseUrl: pg.url, connections: 1 }),
    'writer off': await startDaemonProcess({ databaseUrl: pg.url, connections: 1, env: { DNS01_AUDIT_ENABLED: 'false' } }),
  };
  const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);
  try {
    await sleep(1000);
    const setup: Record<string, { providerId: string; siteId: string }> = {};
    for (const [label, d] of Object.entries(daemons)) {
      const tag = label.replace(/\W/g, '');
      const providerId = await d.addProvider({
        name: `bench-${tag}`, provider_type: 'webhook', settings: { rate_limit_per_minute: 10_000 },
        credentials: { create_url: receiver.url, timeout_seconds: 10, max_retries: 0 },
      });
      const res = await fetch(`${d.url}/api/v1/sites`, {
        method: 'POST', headers: { authorization: `Bearer ${d.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ domain_names: [`${tag}.bench.test`], dns_provider_id: providerId }),
      });
      setup[label] = { providerId, siteId: ((await res.json()) as { site: { id: string } }).site.id };
    }
    const admin: Record<string, number[]> = {};
    const pair: Record<string, number[]> = {};
    for (let i = 0; i < WARMUP + PAIRS; i++) {
      // Alternating, so drift in machine load falls on both alike.
      for (const [label, d] of Object.entries(daemons)) {
        const { providerId, siteId } = setup[label]!;
        let t0 = performance.now();
        await siteToggle(d, siteId, i % 2 === 0);
        if (i >= WARMUP) (admin[label] ??= []).push(performance.now() - t0);
        t0 = performance.now();
        await acmeproxyPair(d, providerId, `_acme-challenge.${label.endsWith('off') ? 'f' : 'n'}${i}.bench.test`, value(`${label}${i}`));
        if (i >= WARMUP) (pair[label] ??= []).push(performance.now() - t0);
      }
    }
    for (const label of Object.keys(daemons)) console.log(line(`admin PUT /sites/{id}, ${label}`, summarise(admin[label]!)));
    for (const label of Object.keys(daemons)) console.log(line(`challenge create+delete, ${label}`, summarise(pair[label]!)));
    await sleep(1500);
    const metrics = await (await fetch(`${daemons['writer on'].url}/metrics`)).text();
    console.log(metrics.split('\n').filter((l) => l.startsWith('dns01_audit_events_')).join('\n'));
  } finally {
    clearInterval(forget);
    for (const d of Object.values(daemons)) await d.stop();
    await receiver.stop();
    await pg.stop();
    quiet.end();
  }
}

await main();
