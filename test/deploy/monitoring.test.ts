// deploy/monitoring/ and deploy/components/monitoring offline: the files are what scripts/monitoring/generate.ts
// writes (one source for the rules file, the PrometheusRule, the promtool tests and the dashboard); promtool checks
// the rules and fires every alert from synthetic series; every runbook_url lands on a section of
// docs/operations.md; every expression names metrics src/metrics.ts has; the component renders with kubectl and
// its ServiceMonitor and PrometheusRule are valid by the prometheus-operator CRDs (test/fixtures/prometheus-operator).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alerts } from '../../scripts/monitoring/alerts.js';
import { dashboardQueries } from '../../scripts/monitoring/dashboard.js';
import { RULES_FILE, headingAnchor, monitoringDir, monitoringFiles } from '../../scripts/monitoring/generate.js';
import { createMetrics } from '../../src/metrics.js';
import { crdValidator, parseYamlDocuments, repoRoot, requireTool, run, validateK8sObject } from './support.js';

const PROMTOOL = requireTool('/usr/bin/promtool', 'install the Debian package \'prometheus\' (test/install-servers.sh does this)');
const KUBECTL = requireTool(process.env.KUBECTL ?? '/usr/bin/kubectl', 'install kubectl (Debian: kubernetes-client), or set KUBECTL');
const fixtures = join(repoRoot, 'test/fixtures/prometheus-operator');
const read = (name: string) => readFileSync(join(monitoringDir, name), 'utf8');

const scratch = mkdtempSync(join(tmpdir(), 'dns01-monitoring-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('deploy/monitoring: one source', () => {
  it.each(Object.keys(monitoringFiles()))('%s is what scripts/monitoring/generate.ts writes', (name) => {
    expect(read(name), `run: bash scripts/node24.sh npx tsx scripts/monitoring/generate.ts`).toBe(monitoringFiles()[name]);
  });

  it('the PrometheusRule carries exactly the rules of the plain rules file', async () => {
    const [plain] = await parseYamlDocuments(read(RULES_FILE));
    const [crd] = await parseYamlDocuments(read('prometheusrule.yaml'));
    expect(crd.spec.groups).toEqual(plain.groups);
    expect(plain.groups.flatMap((g: { rules: Array<{ alert: string }> }) => g.rules.map((r) => r.alert))).toEqual(alerts.map((a) => a.alert));
  });

  it('every rule has a severity label, a summary, a description and a runbook_url', async () => {
    const [plain] = await parseYamlDocuments(read(RULES_FILE));
    for (const r of plain.groups[0].rules) {
      expect(['critical', 'warning', 'info'], r.alert).toContain(r.labels.severity);
      expect(Object.keys(r.annotations).sort(), r.alert).toEqual(['description', 'runbook_url', 'summary']);
      for (const v of Object.values(r.annotations)) expect((v as string).length, r.alert).toBeGreaterThan(10);
    }
  });
});

describe('promtool', () => {
  it('check rules passes on the rules file', () => {
    const res = run(PROMTOOL, ['check', 'rules', join(monitoringDir, RULES_FILE)]);
    expect(res.status, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain(`SUCCESS: ${alerts.length} rules found`);
  });

  it('test rules fires every alert from its synthetic series', async () => {
    const [tests] = await parseYamlDocuments(read('rules.test.yaml'));
    // One test per alert, each expecting it to fire with its labels.
    expect(tests.tests.map((t: { alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }) => {
      const [only] = t.alert_rule_test;
      return only!.exp_alerts.length > 0 ? only!.alertname : null;
    })).toEqual(alerts.map((a) => a.alert));
    const res = run(PROMTOOL, ['test', 'rules', 'rules.test.yaml'], { cwd: monitoringDir });
    expect(res.status, res.stdout + res.stderr).toBe(0);
  });

  it('test rules fails an alert whose series do not hold (the unit tests have teeth)', async () => {
    cpSync(join(monitoringDir, RULES_FILE), join(scratch, RULES_FILE));
    const [tests] = await parseYamlDocuments(read('rules.test.yaml'));
    // Every series of the breaker test stays closed (0): the alert must not fire, and promtool must say so.
    const breaker = tests.tests.find((t: { name: string }) => t.name === 'Dns01ProviderCircuitOpen');
    breaker.input_series = breaker.input_series.map((s: { series: string }) => ({ ...s, values: '0x10' }));
    writeFileSync(join(scratch, 'rules.test.yaml'), JSON.stringify(tests));
    const res = run(PROMTOOL, ['test', 'rules', 'rules.test.yaml'], { cwd: scratch });
    expect(res.status).not.toBe(0);
    expect(res.stdout + res.stderr).toMatch(/Dns01ProviderCircuitOpen[\s\S]*got:\[\]/);
  });
});

describe('docs/operations.md', () => {
  const doc = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
  const runbooks = doc.slice(doc.indexOf('\n## Alert runbooks\n'), doc.indexOf('\n## ', doc.indexOf('\n## Alert runbooks\n') + 1));
  const sections = [...runbooks.matchAll(/^#### (\S+)\n([\s\S]*?)(?=^#### |$(?![\s\S]))/gm)].map((m) => ({ heading: m[1]!, body: m[2]! }));

  it('every runbook_url lands on a heading of the page, and each alert has its own runbook section in the same order', async () => {
    const anchors = new Set([...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => headingAnchor(m[1]!)));
    const [plain] = await parseYamlDocuments(read(RULES_FILE));
    for (const r of plain.groups[0].rules) {
      const [page, anchor] = (r.annotations.runbook_url as string).split('#');
      expect(page, r.alert).toBe('docs/operations.md');
      expect(anchors, r.alert).toContain(anchor);
    }
    expect(sections.map((s) => s.heading)).toEqual(alerts.map((a) => a.alert));
  });

  it('each runbook gives the severity the rule has, what it means, what to check and what to do', () => {
    for (const a of alerts) {
      const body = sections.find((s) => s.heading === a.alert)!.body;
      expect(body, a.alert).toContain(`Severity \`${a.severity}\`.`);
      for (const part of ['**Means:**', '**Check:**', '**Do:**']) expect(body, `${a.alert} ${part}`).toContain(part);
    }
  });

  it('points at the files instead of carrying rules to copy', () => {
    expect(doc).not.toMatch(/^```ya?ml\n(groups:|- alert:)/m);
    for (const name of Object.keys(monitoringFiles())) expect(doc).toContain(`\`${name}\``);
    expect(doc).toContain('deploy/components/monitoring');
  });
});

describe('every expression names metrics the daemon has', () => {
  const known = new Set<string>(['up']);
  for (const m of createMetrics().registry.getMetricsAsArray()) {
    known.add(m.name);
    if ((m as unknown as { type: string }).type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) known.add(m.name + suffix);
  }
  const names = (expr: string) => [...expr.replace(/\{[^}]*\}/g, '').matchAll(/\b(dns01_[a-z0-9_]+|up)\b/g)].map((m) => m[1]!);

  it.each(alerts.map((a) => [a.alert, a.expr]))('alert %s', (_name, expr) => {
    expect(names(expr).length).toBeGreaterThan(0);
    expect(names(expr).filter((n) => !known.has(n))).toEqual([]);
  });

  it.each(dashboardQueries().map((q) => [q.panel, q.expr]))('panel %s: %s', (_panel, expr) => {
    expect(names(expr).length).toBeGreaterThan(0);
    expect(names(expr).filter((n) => !known.has(n))).toEqual([]);
  });

  it('the dashboard has the panels the issue asks for, each with a unique id, on the data source variable', () => {
    const board = JSON.parse(read('grafana-dashboard.json')) as { panels: Array<{ id: number; type: string; title: string; datasource?: { uid: string } }> };
    const ids = board.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = board.panels.filter((p) => p.type !== 'row').map((p) => p.title);
    for (const t of ['Challenges by state', 'Challenges by provider and state', 'Call latency (p50, p95)', 'Circuit breakers', 'Rate-limit refusals', 'Caddy sync runs', 'Audit events', 'Database health']) expect(titles).toContain(t);
    for (const p of board.panels.filter((x) => x.type !== 'row')) expect(p.datasource?.uid, p.title).toBe('${datasource}');
  });
});

describe('deploy/components/monitoring', () => {
  /** An overlay of the base with the component, as an operator writes it; kustomize takes only relative paths. */
  async function render(): Promise<any[]> {
    const overlay = join(scratch, 'overlay');
    mkdirSync(overlay);
    const rel = (p: string) => relative(overlay, join(repoRoot, p));
    writeFileSync(join(overlay, 'kustomization.yaml'), [
      'apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization',
      'resources:', `  - ${rel('deploy/base')}`, 'components:', `  - ${rel('deploy/components/monitoring')}`, '',
    ].join('\n'));
    const res = run(KUBECTL, ['kustomize', overlay]);
    expect(res.status, res.stderr).toBe(0);
    return parseYamlDocuments(res.stdout);
  }

  it('renders with the base; the ServiceMonitor scrapes the metrics Service\'s port, as job dns01-proxy, and both validate by the operator\'s CRDs', async () => {
    const docs = await render();
    const [monitor, ...moreMonitors] = docs.filter((d) => d.kind === 'ServiceMonitor');
    const [rule, ...moreRules] = docs.filter((d) => d.kind === 'PrometheusRule');
    expect(moreMonitors).toEqual([]);
    expect(moreRules).toEqual([]);

    const validMonitor = await crdValidator(join(fixtures, 'monitoring.coreos.com_servicemonitors.yaml'), 'ServiceMonitor', 'v1');
    const validRule = await crdValidator(join(fixtures, 'monitoring.coreos.com_prometheusrules.yaml'), 'PrometheusRule', 'v1');
    expect(validMonitor(monitor)).toEqual([]);
    expect(validRule(rule)).toEqual([]);
    // The checks have teeth: a misspelt field and a rule without its expression are reported.
    const misspelt = structuredClone(monitor);
    misspelt.spec.endpoints[0].intervall = '30s';
    expect(validMonitor(misspelt).join('\n')).toContain('intervall');
    const exprless = structuredClone(rule);
    delete exprless.spec.groups[0].rules[0].expr;
    expect(validRule(exprless).join('\n')).toContain('expr');

    const service = docs.find((d) => d.kind === 'Service' && d.metadata.name === 'dns01-proxy-metrics');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    for (const e of monitor.spec.endpoints) expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain(e.port);
    const daemon = monitor.spec.endpoints.find((e: { path: string }) => e.path === '/metrics');
    expect(daemon.relabelings).toEqual([{ action: 'replace', targetLabel: 'job', replacement: 'dns01-proxy' }]);
    // The Caddyfile's ops listener forwards exactly these paths.
    const caddyfile = readFileSync(join(repoRoot, 'deploy/base/Caddyfile'), 'utf8');
    for (const e of monitor.spec.endpoints) expect(caddyfile).toMatch(new RegExp(`path ${e.path.replace(/\//g, '\\/')}\\n`));

    const dashboard = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'dns01-proxy-grafana-dashboard');
    expect(dashboard.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(dashboard.data['dns01-proxy.json']).toBe(read('grafana-dashboard.json'));
    expect(await validateK8sObject(dashboard)).toEqual([]);
  });
});
