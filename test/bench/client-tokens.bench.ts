// Benchmark: what a client token costs per create+delete pair against the shared internal token (one indexed lookup and the scope checks).
// Run: npx tsx test/bench/client-tokens.bench.ts [--pairs=150]
import { startPostgres } from '../support/postgres.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { acmeproxyPair, line, option, quietMachine, sleep, startDaemonProcess, summarise, value } from './lib.js';

const PAIRS = option('pairs', 150);
const WARMUP = 30;

async function main(): Promise<void> {
  const quiet = await quietMachine('client-tokens.bench');
  console.log(`client-tokens.bench: node ${process.version}, ${PAIRS} pairs per token kind, interleaved`);
  const pg = await startPostgres();
  let n = 0;
  const receiver = await startWebhookReceiver({
    handler: (body: { action?: string; record_id?: string }) => ({ success: true, record_id: body.action === 'create' ? `r${++n}` : body.record_id }),
  });
  const daemon = await startDaemonProcess({ databaseUrl: pg.url, connections: 1 });
  const forget = setInterval(() => { receiver.calls.length = 0; }, 1000);
  try {
    await sleep(1000);
    const providerId = await daemon.addProvider({
      name: 'bench', provider_type: 'webhook', settings: { rate_limit_per_minute: 10_000 },
      credentials: { create_url: receiver.url, timeout_seconds: 10, max_retries: 0 },
    });
    const res = await fetch(`${daemon.url}/api/v1/client-tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${daemon.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench', allowed_domains: ['*.bench.test'], allowed_cidrs: ['127.0.0.0/8'], providers: [providerId] }),
    });
    const { token } = (await res.json()) as { token: string };
    const kinds = { 'shared internal token': daemon.internalToken, 'client token (scoped)': token };
    const samples: Record<string, number[]> = { 'shared internal token': [], 'client token (scoped)': [] };
    for (let i = 0; i < WARMUP + PAIRS; i++) {
      // Alternating, so drift in machine load falls on both alike.
      for (const [kind, password] of Object.entries(kinds)) {
        const t0 = performance.now();
        await acmeproxyPair(daemon, providerId, `_acme-challenge.${kind[0]}${i}.bench.test`, value(`${kind}${i}`), password);
        if (i >= WARMUP) samples[kind]!.push(performance.now() - t0);
      }
    }
    for (const [kind, s] of Object.entries(samples)) console.log(line(kind, summarise(s)));
  } finally {
    clearInterval(forget);
    await daemon.stop();
    await receiver.stop();
    await pg.stop();
    quiet.end();
  }
}

await main();
