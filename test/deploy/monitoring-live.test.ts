// deploy/monitoring/ against the real thing: a Prometheus (Debian's) scrapes a running daemon every second and
// evaluates the shipped rules file. A webhook provider whose endpoint answers 500 opens its breaker, and
// Dns01ProviderCircuitOpen goes pending; after traffic through webhook providers (ok, failing, refusing, rate
// limited), calls without credentials and a Caddy sync (Debian's Caddy, which lacks the cloudflare module and so refuses that
// provider's policy), every query of the Grafana dashboard returns series.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardQueries } from '../../scripts/monitoring/dashboard.js';
import { JOB, alerts } from '../../scripts/monitoring/alerts.js';
import { RULES_FILE, monitoringDir } from '../../scripts/monitoring/generate.js';
import { startCaddy, type RunningCaddy } from '../support/caddy.js';
import { Cleanups } from '../support/cleanup.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { freePort } from '../support/ports.js';
import { startPrometheus, type PrometheusServer } from '../support/prometheus.js';

const ZONE = 'example.test';
/** Grafana's `$__rate_interval`, as the test's window: a minute holds every sample of this run. */
const RATE_INTERVAL = '1m';

const cleanups = new Cleanups();
let d: TestDaemon;
let prom: PrometheusServer;
let caddy: RunningCaddy;
let hooks: { url: string; server: Server };

/** A webhook endpoint by path: /fail answers 500 (the provider is down), /refuse 400 (this name refused), else a record id. */
async function startHookServer(): Promise<{ url: string; server: Server }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const [status, body] = req.url?.startsWith('/fail') ? [500, { success: false, message: 'down' }]
        : req.url?.startsWith('/refuse') ? [400, { success: false, message: 'not served here' }]
          : [200, { success: true, message: 'ok', record_id: `rec-${++n}` }];
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server };
}

const provider = (name: string, path: string, settings: Record<string, unknown> = {}) =>
  d.addProvider({ name, provider_type: 'webhook', credentials: { create_url: `${hooks.url}${path}`, max_retries: 0 }, settings: { rate_limit_per_minute: 1000, ...settings } });
const create = (pid: string, tag: string) => d.internal('/create', { body: { provider_id: pid, fqdn: `_acme-challenge.${tag}.${ZONE}`, value: txtValue(tag) } });

beforeAll(async () => {
  hooks = await startHookServer();
  cleanups.add(() => new Promise((resolve) => hooks.server.close(resolve)));
  // An HTTP server of the operator's that nothing connects to (port 0), and the TLS app the sync writes into.
  caddy = await startCaddy({ config: { apps: { http: { servers: { web: { listen: ['127.0.0.1:0'], routes: [] } } }, tls: { automation: { policies: [] } } } } });
  cleanups.add(() => caddy.stop());
  d = await startTestDaemon({
    jobs: true,
    env: {
      DNS01_CADDY_ADMIN_URL: caddy.adminUrl,
      DNS01_CADDY_SYNC_INTERVAL: '2s',
      DNS01_JANITOR_INTERVAL: '2s',
      DNS01_DNS_RESOLVERS: `127.0.0.1:${await freePort()}`,
    },
  });
  cleanups.add(() => d.stop());
  prom = await startPrometheus({ jobs: { [JOB]: [`127.0.0.1:${d.port}`] }, ruleFiles: [join(monitoringDir, RULES_FILE)] });
  cleanups.add(() => prom.stop());

  const ok = await provider('hook-ok', '/ok');
  for (let i = 0; i < 3; i++) expect((await create(ok, `ok-${i}`)).status).toBe(201);
  const refusing = await provider('hook-refusing', '/refuse');
  expect((await create(refusing, 'refused')).status).toBe(502);
  const limited = await provider('hook-limited', '/ok', { rate_limit_per_minute: 1 });
  expect((await create(limited, 'limited-0')).status).toBe(201);
  expect((await create(limited, 'limited-1')).status).toBe(429);
  // Calls without credentials: each is an audit event, and past 20 a minute from one address they are dropped.
  for (let i = 0; i < 25; i++) expect((await fetch(`${d.url}/internal/dns-challenge/present`, { method: 'POST' })).status).toBe(401);
  // A provider whose module Debian's Caddy lacks, with a site: Caddy refuses its policy.
  const cf = await d.addProvider({ name: 'cf-refused', provider_type: 'cloudflare', credentials: { api_token: 'cf-token-value' } });
  expect((await d.admin('/sites', { method: 'POST', body: { domain_names: ['cf.example.test'], dns_provider_id: cf } })).status).toBe(201);
}, 180_000);

afterAll(async () => {
  await cleanups.run();
});

describe('a real Prometheus scraping the daemon with the shipped rules', () => {
  it('scrapes the daemon as job "dns01-proxy" and loads every rule of the rules file', async () => {
    await expect.poll(async () => (await prom.query(`up{job="${JOB}"}`)).map((s) => s.value[1]), { timeout: 30_000 }).toEqual(['1']);
    const groups = (await (await fetch(`${prom.url}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    const rules = groups.data.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.name)).toEqual(alerts.map((a) => a.alert));
    expect(rules.filter((r) => r.health === 'err')).toEqual([]);
  });

  it('Dns01ProviderCircuitOpen goes pending for the provider whose webhook answers 500 once its breaker opens', async () => {
    const failing = await provider('hook-failing', '/fail');
    const circuitOpen = async () => (await prom.alerts()).filter((a) => a.labels.alertname === 'Dns01ProviderCircuitOpen');
    expect(await circuitOpen()).toEqual([]);
    // Five failed presents open the breaker; the next is refused before any call.
    for (let i = 0; i < 5; i++) expect((await create(failing, `failing-${i}`)).status).toBe(502);
    const refused = await create(failing, 'failing-open');
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('PROVIDER_CIRCUIT_OPEN');
    // Pending as soon as the expression holds; it would fire only after its `for` (1m), which this test does not wait for.
    await expect.poll(circuitOpen, { timeout: 30_000 }).toEqual([
      expect.objectContaining({
        state: 'pending',
        labels: { alertname: 'Dns01ProviderCircuitOpen', provider: 'hook-failing', severity: 'critical' },
        annotations: expect.objectContaining({ runbook_url: 'docs/operations.md#dns01providercircuitopen' }),
      }),
    ]);
  });

  it.each(dashboardQueries())('the dashboard panel "$panel" gets series for $expr', async ({ expr }) => {
    const query = expr.replaceAll('$__rate_interval', RATE_INTERVAL);
    await expect.poll(async () => (await prom.query(query)).length, { timeout: 30_000, message: query }).toBeGreaterThan(0);
  });
});
