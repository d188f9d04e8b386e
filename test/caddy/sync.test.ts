// CaddySync against a real Debian Caddy 2.6.2: pushes, no-op runs, a refused policy and recovery, Caddy down and back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CaddyAdminClient } from '../../src/caddy/admin-client.js';
import { buildTlsPolicies } from '../../src/caddy/builder.js';
import { CaddySync } from '../../src/caddy/sync.js';
import type { CaddyPolicy } from '../../src/caddy/types.js';
import { startCaddy, type RunningCaddy } from '../support/caddy.js';
import { cloudflareInput } from './fixtures.js';
import { OPERATOR_POLICY, caddyGet, countingClient, eventually, internalPolicy, operatorConfig, recordingLog } from './helpers.js';

let caddy: RunningCaddy;
let initialHttp: unknown;

beforeAll(async () => {
  caddy = await startCaddy({ config: operatorConfig() });
  initialHttp = await caddyGet(caddy.adminUrl, 'apps/http');
});
afterAll(async () => {
  await caddy?.stop();
});

/** A sync whose desired policies the test sets through `want`. */
function setup(opts: { intervalMs?: number } = {}) {
  const log = recordingLog();
  const client = countingClient(new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000 }));
  const box: { want: CaddyPolicy[] } = { want: [] };
  const runs: string[] = [];
  const sync = new CaddySync({
    client,
    build: async () => ({ policies: box.want, skipped: [] }),
    intervalMs: opts.intervalMs ?? 60_000,
    log,
    backoffMs: 20,
    metrics: { onRun: (outcome) => { runs.push(outcome); } },
  });
  return { log, client, box, sync, runs };
}

let current: ReturnType<typeof setup> | null = null;
afterEach(async () => {
  await current?.sync.stop();
  current = null;
  // Every test starts from the operator's config as Caddy loaded it from its file.
  await caddy.restart();
});

const policies = async () => (await caddyGet(caddy.adminUrl, 'apps/tls/automation/policies')) as CaddyPolicy[];

describe('CaddySync with a real Caddy', () => {
  it('first push lands, keeps the operator policy and HTTP server, and unchanged runs push nothing', async () => {
    current = setup();
    const { sync, client, box, runs } = current;
    box.want = [internalPolicy('p1', ['a.example.com', 'b.example.com'])];

    const st = await sync.syncNow();
    expect(st).toMatchObject({ inSync: true, consecutiveFailures: 0, lastError: null, pushCount: 1 });
    expect(await policies()).toEqual([box.want[0], OPERATOR_POLICY]);
    expect(await caddyGet(caddy.adminUrl, 'apps/http')).toEqual(initialHttp);

    await sync.syncNow({ verify: false });
    await sync.syncNow({ verify: true });
    expect(client.pushes).toBe(1);
    expect(runs).toEqual(['pushed', 'unchanged', 'unchanged']);
    expect(sync.state().lastHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('pushes a change, and trigger() coalesces a burst into one push', async () => {
    current = setup();
    const { sync, client, box } = current;
    box.want = [internalPolicy('p1', ['a.example.com'])];
    await sync.syncNow();

    box.want = [internalPolicy('p1', ['a.example.com', 'c.example.com']), internalPolicy('p2', ['d.example.com'])];
    for (let i = 0; i < 5; i++) sync.trigger();
    await eventually('the triggered push', () => client.pushes === 2);
    await sync.syncNow({ verify: false });
    expect(client.pushes).toBe(2);
    expect(await policies()).toEqual([...box.want, OPERATOR_POLICY]);

    box.want = [];
    await sync.syncNow();
    expect(await policies()).toEqual([OPERATOR_POLICY]);
  });

  it('a policy Caddy refuses is left out and reported with Caddy\'s text; the rest land, and it clears once fixed', async () => {
    current = setup();
    const { sync, box, log, client } = current;
    const good = [internalPolicy('p1', ['good.example.com'])];
    box.want = good;
    await sync.syncNow();

    // Stock Caddy has no dns.providers.cloudflare: a real refusal from Caddy, not a stand-in.
    const cf = buildTlsPolicies(cloudflareInput(['cf.example.com'])).policies;
    box.want = [...cf, internalPolicy('p1', ['good.example.com', 'more.example.com'])];
    const st = await sync.syncNow();
    expect(st).toMatchObject({ inSync: false, consecutiveFailures: 0, lastError: null });
    expect(st.refused).toEqual([expect.objectContaining({ policyId: 'dns01-proxy-p-cf', providerId: 'p-cf' })]);
    // Caddy 2.6 answers 500 when a change under /config/ fails to load (POST /load says 400).
    expect(st.refused[0]!.reason).toMatch(/unknown module: dns\.providers\.cloudflare/);
    expect(JSON.stringify([st, log.lines])).not.toContain('cf-secret-token-value');
    expect(await policies()).toEqual([box.want[1], OPERATOR_POLICY]);

    // Unchanged and not yet due for a retry: nothing is offered to Caddy again.
    const pushes = client.pushes;
    await sync.syncNow();
    expect(client.pushes).toBe(pushes);
    expect(sync.state().refused).toHaveLength(1);

    box.want = [internalPolicy('p1', ['fixed.example.com'])];
    const ok = await sync.syncNow();
    expect(ok).toMatchObject({ inSync: true, consecutiveFailures: 0, lastError: null, refused: [] });
    expect(await policies()).toEqual([...box.want, OPERATOR_POLICY]);
  });

  it('re-pushes after Caddy restarted and lost our policies (checked on the periodic run)', async () => {
    current = setup();
    const { sync, client, box } = current;
    box.want = [internalPolicy('p1', ['a.example.com'])];
    await sync.syncNow();
    await caddy.restart();
    expect(await policies()).toEqual([OPERATOR_POLICY]);

    await sync.syncNow({ verify: false }); // a change notification alone trusts the hash
    expect(client.pushes).toBe(1);
    await sync.syncNow({ verify: true }); // the periodic run compares with what Caddy holds
    expect(client.pushes).toBe(2);
    expect(await policies()).toEqual([...box.want, OPERATOR_POLICY]);
  });

  it('a restarted daemon finds its policies already in Caddy and pushes nothing', async () => {
    current = setup();
    current.box.want = [internalPolicy('p1', ['a.example.com'])];
    await current.sync.syncNow();
    await current.sync.stop();

    const again = setup();
    current = again;
    again.box.want = [internalPolicy('p1', ['a.example.com'])];
    const st = await again.sync.syncNow();
    expect(st).toMatchObject({ inSync: true, pushCount: 0 });
    expect(again.client.pushes).toBe(0);
    expect(st.lastHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('survives Caddy being down, backs off, and resumes when it is back', async () => {
    current = setup({ intervalMs: 50 });
    const { sync, box, log } = current;
    box.want = [internalPolicy('p1', ['a.example.com'])];
    await caddy.kill();

    sync.start();
    await eventually('two failed runs', () => sync.state().consecutiveFailures >= 2);
    const down = sync.state();
    expect(down.inSync).toBe(false);
    expect(down.lastError).toMatch(/unreachable/);
    expect(log.lines.some((l) => l.level === 'warn')).toBe(true);

    await caddy.restart();
    await eventually('the loop to catch up', () => sync.state().inSync);
    expect(await policies()).toEqual([...box.want, OPERATOR_POLICY]);
    expect(sync.state().consecutiveFailures).toBe(0);
  });

  it('a build that throws is a failed run, not a crash', async () => {
    const log = recordingLog();
    const sync = new CaddySync({
      client: countingClient(new CaddyAdminClient(caddy.adminUrl)),
      build: async () => { throw new Error('database unavailable'); },
      intervalMs: 60_000,
      log,
    });
    const st = await sync.syncNow();
    expect(st).toMatchObject({ inSync: false, consecutiveFailures: 1, lastError: 'database unavailable' });
    await sync.stop();
  });
});
