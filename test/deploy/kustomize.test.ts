// Renders every kustomization under deploy/ with kubectl, and each with deploy/components/dns-update added, and checks
// the manifests offline: Kubernetes schema (strict), pod hardening, probes, resources, images, secrets, the door.
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { PluginCatalogue } from '../../src/calls/catalogue.js';
import { readDeclared } from '../../src/declared/file.js';
import { shippedPlugins } from '../../src/plugins/index.js';
import { parseYamlDocuments, repoRoot, requireTool, run, validateK8sObject } from './support.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const overlaysDir = join(repoRoot, 'deploy/overlays');
const targets = [
  'deploy/base',
  ...readdirSync(overlaysDir).filter((d) => statSync(join(overlaysDir, d)).isDirectory()).map((d) => `deploy/overlays/${d}`),
];

const rendered = new Map<string, any[]>();

/** Highest MiB figure per mode ('PostgreSQL', 'PGlite') in docs/deployment.md's "Memory" table, and the PGlite idle after a first start. */
function documentedMemory(): { peak: Record<'PostgreSQL' | 'PGlite', number>; pgliteIdleAfterFirstStart: number } {
  const doc = readFileSync(join(repoRoot, 'docs/deployment.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## Memory\n'), doc.indexOf('\n## ', doc.indexOf('\n## Memory\n') + 1));
  const rows = section.split('\n').filter((l) => /^\| (PostgreSQL|PGlite)/.test(l));
  const mib = (cell: string) => Number(/([\d,]+) MiB/.exec(cell)![1]!.replace(/,/g, ''));
  const peak = { PostgreSQL: 0, PGlite: 0 };
  let pgliteIdleAfterFirstStart = 0;
  for (const row of rows) {
    const cells = row.split('|').slice(1, -1).map((c) => c.trim());
    const mode = cells[0]!.startsWith('PGlite') ? 'PGlite' : 'PostgreSQL';
    peak[mode] = Math.max(peak[mode], ...cells.slice(1).map(mib));
    if (/first start/.test(cells[0]!)) pgliteIdleAfterFirstStart = mib(cells[2]!);
  }
  if (!peak.PostgreSQL || !peak.PGlite || !pgliteIdleAfterFirstStart) throw new Error('docs/deployment.md: "## Memory" table rows for PostgreSQL and PGlite not found');
  return { peak, pgliteIdleAfterFirstStart };
}

/** A Kubernetes memory quantity in MiB (Mi, Gi, M, G, plain bytes). */
function quantityMiB(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(q);
  if (!m) throw new Error(`unexpected memory quantity ${q}`);
  const factor = { Ki: 1 / 1024, Mi: 1, Gi: 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576 }[m[2] ?? ''] ?? 1 / 1048576;
  return Number(m[1]) * factor;
}

async function render(target: string): Promise<any[]> {
  const cached = rendered.get(target);
  if (cached) return cached;
  const kubectl = requireTool(KUBECTL, 'install kubectl >= 1.27 (Debian: the "kubectl" package from the Google Cloud SDK apt repository), or set KUBECTL');
  const res = run(kubectl, ['kustomize', target]);
  if (res.status !== 0) throw new Error(`kubectl kustomize ${target} failed:\n${res.stderr}`);
  const docs = await parseYamlDocuments(res.stdout);
  rendered.set(target, docs);
  return docs;
}

const componentDir = 'deploy/components/dns-update';

/** `target` with deploy/components/dns-update added, as an operator's overlay adds it (kustomize takes relative paths only). */
async function renderWithDoor(target: string): Promise<any[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kustomize-door-'));
  const rel = (p: string) => relative(dir, join(repoRoot, p));
  writeFileSync(join(dir, 'kustomization.yaml'), [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    `resources: [${JSON.stringify(rel(target))}]`,
    `components: [${JSON.stringify(rel(componentDir))}]`,
    '',
  ].join('\n'));
  try {
    return await render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ingress rules of the NetworkPolicy that mention port 5353. */
function doorRules(docs: any[]): any[] {
  return byKind(docs, 'NetworkPolicy').flatMap((np) => np.spec.ingress ?? []).filter((r: any) => (r.ports ?? []).some((p: any) => p.port === 5353));
}

function podSpecs(docs: any[]): Array<{ where: string; spec: any }> {
  return docs
    .filter((d) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(d.kind))
    .map((d) => ({ where: `${d.kind}/${d.metadata.name}`, spec: d.spec.template.spec }));
}

function byKind(docs: any[], kind: string): any[] {
  return docs.filter((d) => d.kind === kind);
}

it('finds the base and both overlays', () => {
  expect(targets).toEqual(expect.arrayContaining(['deploy/base', 'deploy/overlays/external-postgres', 'deploy/overlays/embedded', 'deploy/overlays/declarative']));
});

describe.each(targets)('%s', (target) => {
  let docs: any[] = [];
  beforeAll(async () => {
    docs = await render(target);
  });

  it('renders with kubectl kustomize', () => {
    expect(docs.length).toBeGreaterThan(0);
  });

  it('passes the Kubernetes schema check, with no unknown fields', async () => {
    const problems = (await Promise.all(docs.map((d) => validateK8sObject(d)))).flat();
    expect(problems).toEqual([]);
  });

  it('runs every container non-root, read-only, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    const problems: string[] = [];
    for (const { where, spec } of podSpecs(docs)) {
      const pod = spec.securityContext ?? {};
      if (pod.runAsNonRoot !== true) problems.push(`${where}: pod runAsNonRoot`);
      if (pod.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${where}: pod seccompProfile`);
      if (spec.automountServiceAccountToken !== false) problems.push(`${where}: automountServiceAccountToken`);
      if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${where}: host namespaces`);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        const sc = c.securityContext ?? {};
        const w = `${where}/${c.name}`;
        if (sc.runAsNonRoot !== true && pod.runAsNonRoot !== true) problems.push(`${w}: runAsNonRoot`);
        if ((sc.runAsUser ?? pod.runAsUser) !== 10001) problems.push(`${w}: runAsUser 10001`);
        if (sc.readOnlyRootFilesystem !== true) problems.push(`${w}: readOnlyRootFilesystem`);
        if (sc.allowPrivilegeEscalation !== false) problems.push(`${w}: allowPrivilegeEscalation`);
        if (sc.privileged) problems.push(`${w}: privileged`);
        if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${w}: capabilities.drop ALL`);
        if ((sc.capabilities?.add ?? []).length > 0) problems.push(`${w}: capabilities.add`);
        if ((sc.seccompProfile?.type ?? pod.seccompProfile?.type) !== 'RuntimeDefault') problems.push(`${w}: seccompProfile`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every container startup, liveness and readiness probes and resources', () => {
    const problems: string[] = [];
    for (const { where, spec } of podSpecs(docs)) {
      for (const c of spec.containers) {
        const w = `${where}/${c.name}`;
        for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) if (!c[p]) problems.push(`${w}: ${p}`);
        if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) problems.push(`${w}: requests cpu+memory`);
        if (!c.resources?.limits?.memory) problems.push(`${w}: limits.memory`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('pins every image (a tag or a digest, never latest)', () => {
    const images = podSpecs(docs).flatMap(({ spec }) => [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.image as string));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) {
      const digest = /@sha256:[0-9a-f]{64}$/.test(image);
      const tag = /:([\w][\w.-]{0,127})$/.exec(image.replace(/^[^/]+:\d+\//, ''))?.[1];
      expect(digest || (tag !== undefined && tag !== 'latest'), `image ${image}`).toBe(true);
    }
  });

  it('names both images under a registry that is plainly a placeholder (deploy/base/kustomization.yaml says how to build and push them)', () => {
    const images = podSpecs(docs).flatMap(({ spec }) => [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.image as string));
    expect([...new Set(images.map((i) => i.replace(/:[^/:]+$/, '')))].sort()).toEqual(['REPLACE-ME.example/dns01-proxy', 'REPLACE-ME.example/dns01-proxy-caddy']);
  });

  it('keeps the daemon on loopback, secrets in read-only files, Caddy admin on loopback', () => {
    const { spec } = podSpecs(docs)[0]!;
    const daemon = spec.containers.find((c: any) => c.name === 'dns01-proxy');
    const caddy = spec.containers.find((c: any) => c.name === 'caddy');
    expect(daemon && caddy).toBeTruthy();
    const env = Object.fromEntries(daemon.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env.DNS01_HOST).toBe('127.0.0.1');
    expect(env.DNS01_CADDY_ADMIN_URL).toBe('http://127.0.0.1:2019');
    // The DNS UPDATE door on loopback, above 1024 (no capability); nothing exposes it without the component.
    expect(env.DNS01_DNS_UPDATE_LISTEN).toBe('127.0.0.1:5353');
    expect(daemon.ports ?? []).toEqual([]);
    expect(byKind(docs, 'Service').flatMap((s) => s.spec.ports.map((p: any) => p.port))).not.toContain(5353);
    expect(doorRules(docs)).toEqual([]);
    for (const name of ['DNS01_INTERNAL_TOKEN', 'DNS01_ADMIN_TOKEN', 'DNS01_ENCRYPTION_KEY']) {
      expect(env[`${name}_FILE`], name).toMatch(/^\/run\/secrets\/dns01\//);
      expect(env[name], `${name} must come from a file`).toBeUndefined();
    }
    const secretMount = daemon.volumeMounts.find((m: any) => m.mountPath === '/run/secrets/dns01');
    expect(secretMount?.readOnly).toBe(true);
    // httpGet through Caddy's ops listener (the kubelet cannot reach a loopback bind); no exec probe
    // that starts a node process inside the daemon's memory limit.
    for (const p of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      expect(daemon[p].exec, p).toBeUndefined();
      expect(daemon[p].httpGet?.port, p).toBe(9153);
    }
    expect(daemon.startupProbe.httpGet.path).toBe('/daemon/health');
    expect(daemon.livenessProbe.httpGet.path).toBe('/daemon/health');
    expect(daemon.readinessProbe.httpGet.path).toBe('/daemon/ready');
    // Caddy gives up on itself sooner than the daemon's probe (which goes through Caddy) does.
    const giveUp = (p: any) => p.periodSeconds * p.failureThreshold;
    expect(giveUp(caddy.livenessProbe)).toBeLessThan(giveUp(daemon.livenessProbe));
    // No provider id pinned by default: the daemon chooses by site, then the default provider.
    expect(caddy.env.map((e: any) => e.name)).not.toContain('DNS01_PROVIDER_ID');
    expect(caddy.env.map((e: any) => e.name)).not.toContain('ACMEPROXY_PROVIDER_PATH');
    expect(caddy.ports.map((p: any) => p.containerPort).sort()).toEqual([443, 80, 9153].sort());
    expect(spec.securityContext.sysctls).toContainEqual({ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' });
  });

  it('has the Services, NetworkPolicy, PodDisruptionBudget and a token-less ServiceAccount', () => {
    const svcPorts = byKind(docs, 'Service').flatMap((s) => s.spec.ports.map((p: any) => `${p.name}:${p.port}`));
    expect(svcPorts).toEqual(expect.arrayContaining(['http:80', 'https:443', 'metrics:9153']));
    const [np] = byKind(docs, 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    const metricsRule = np.spec.ingress.find((r: any) => r.ports.some((p: any) => p.port === 9153));
    expect(metricsRule.from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
    expect(byKind(docs, 'PodDisruptionBudget')).toHaveLength(1);
    expect(byKind(docs, 'ServiceAccount')[0].automountServiceAccountToken).toBe(false);
    const cm = byKind(docs, 'ConfigMap').find((c) => c.metadata.name.startsWith('dns01-proxy-caddyfile'));
    expect(cm.data.Caddyfile).toContain('acme_dns acmeproxy');
  });
});

describe.each(targets)(`%s with ${componentDir}`, (target) => {
  let docs: any[] = [];
  let plain: any[] = [];
  beforeAll(async () => {
    docs = await renderWithDoor(target);
    plain = await render(target);
  });
  const daemonOf = (d: any[]) => byKind(d, 'Deployment')[0].spec.template.spec.containers.find((c: any) => c.name === 'dns01-proxy');

  it('renders and passes the Kubernetes schema check, with no unknown fields', async () => {
    const problems = (await Promise.all(docs.map((d) => validateK8sObject(d)))).flat();
    expect(problems).toEqual([]);
  });

  it('puts the door on the pod IP, port 5353 UDP and TCP, and leaves the HTTP API on loopback', () => {
    // Caddy first, as in the base: kubectl logs and exec default to the first container.
    expect(byKind(docs, 'Deployment')[0].spec.template.spec.containers.map((c: any) => c.name)).toEqual(['caddy', 'dns01-proxy']);
    const daemon = daemonOf(docs);
    const names = daemon.env.map((e: any) => e.name);
    const podIp = daemon.env.find((e: any) => e.name === 'POD_IP');
    expect(podIp.valueFrom).toEqual({ fieldRef: { fieldPath: 'status.podIP' } });
    // Kubernetes expands $(POD_IP) only from a variable earlier in the list.
    expect(names.indexOf('POD_IP')).toBeLessThan(names.indexOf('DNS01_DNS_UPDATE_LISTEN'));
    expect(names.filter((n: string) => n === 'DNS01_DNS_UPDATE_LISTEN')).toHaveLength(1);
    expect(daemon.env.find((e: any) => e.name === 'DNS01_DNS_UPDATE_LISTEN').value).toBe('$(POD_IP):5353');
    expect(daemon.env.find((e: any) => e.name === 'DNS01_HOST').value).toBe('127.0.0.1');
    expect(daemon.ports).toEqual([
      { name: 'dns-update-udp', containerPort: 5353, protocol: 'UDP' },
      { name: 'dns-update-tcp', containerPort: 5353, protocol: 'TCP' },
    ]);
  });

  it('adds the Service dns01-proxy-dns-update on those ports, selecting the pod', () => {
    const svc = byKind(docs, 'Service').find((s) => s.metadata.name === 'dns01-proxy-dns-update');
    expect(svc.spec.type).toBe('ClusterIP');
    const podLabels = byKind(docs, 'Deployment')[0].spec.template.metadata.labels;
    expect(podLabels).toMatchObject(svc.spec.selector);
    const containerPorts = daemonOf(docs).ports;
    const ports = svc.spec.ports.map((p: any) => ({ port: p.port, protocol: p.protocol, to: containerPorts.find((c: any) => c.name === p.targetPort) }));
    expect(ports).toEqual([
      { port: 5353, protocol: 'UDP', to: expect.objectContaining({ containerPort: 5353, protocol: 'UDP' }) },
      { port: 5353, protocol: 'TCP', to: expect.objectContaining({ containerPort: 5353, protocol: 'TCP' }) },
    ]);
  });

  it('admits 5353 UDP and TCP from cert-manager\'s controller pods only', () => {
    expect(doorRules(docs)).toEqual([{
      from: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'cert-manager' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'cert-manager', 'app.kubernetes.io/component': 'controller' } },
      }],
      ports: [{ port: 5353, protocol: 'UDP' }, { port: 5353, protocol: 'TCP' }],
    }]);
  });

  it('changes nothing else: same objects but the Service, same pod but the daemon\'s env and ports, same policy but the rule', () => {
    const ids = (d: any[]) => d.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    expect(ids(docs)).toEqual([...ids(plain), 'Service/dns01-proxy-dns-update'].sort());
    const strip = (d: any[]) => {
      const dep = structuredClone(byKind(d, 'Deployment')[0]);
      const daemon = dep.spec.template.spec.containers.find((c: any) => c.name === 'dns01-proxy');
      daemon.env = daemon.env.filter((e: any) => !['POD_IP', 'DNS01_DNS_UPDATE_LISTEN'].includes(e.name));
      delete daemon.ports;
      // The shipped overlays' own patches already put the daemon first; the component puts Caddy first again.
      dep.spec.template.spec.containers.sort((a: any, b: any) => a.name.localeCompare(b.name));
      const np = structuredClone(byKind(d, 'NetworkPolicy')[0]);
      np.spec.ingress = np.spec.ingress.filter((r: any) => !(r.ports ?? []).some((p: any) => p.port === 5353));
      return { dep, np };
    };
    expect(strip(docs)).toEqual(strip(plain));
  });
});

describe('overlays', () => {
  it('external-postgres: 3 replicas spread, DATABASE_URL_FILE from a Secret, PDB minAvailable 2', async () => {
    const docs = await render('deploy/overlays/external-postgres');
    const [dep] = byKind(docs, 'Deployment');
    expect(dep.spec.replicas).toBe(3);
    const keys = dep.spec.template.spec.topologySpreadConstraints.map((t: any) => t.topologyKey);
    expect(keys).toEqual(expect.arrayContaining(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']));
    const daemon = dep.spec.template.spec.containers.find((c: any) => c.name === 'dns01-proxy');
    const env = Object.fromEntries(daemon.env.map((e: any) => [e.name, e.value]));
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.DATABASE_URL_FILE).toBe('/run/secrets/dns01-database/database-url');
    const mount = daemon.volumeMounts.find((m: any) => m.mountPath === '/run/secrets/dns01-database');
    expect(mount.readOnly).toBe(true);
    const volume = dep.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
    expect(byKind(docs, 'Secret').map((s) => s.metadata.name)).toContain(volume.secret.secretName);
    const [pdb] = byKind(docs, 'PodDisruptionBudget');
    expect(pdb.spec).toMatchObject({ minAvailable: 2 });
    expect(pdb.spec.maxUnavailable).toBeUndefined();
    const caddyData = dep.spec.template.spec.volumes.find((v: any) => v.name === 'caddy-data');
    expect(caddyData.emptyDir).toBeUndefined();
    const pvc = byKind(docs, 'PersistentVolumeClaim').find((p) => p.metadata.name === caddyData.persistentVolumeClaim.claimName);
    expect(pvc.spec.accessModes).toEqual(['ReadWriteMany']);
  });

  it('embedded: one replica, Recreate, PGlite data on a PersistentVolumeClaim, no DATABASE_URL', async () => {
    const docs = await render('deploy/overlays/embedded');
    const [dep] = byKind(docs, 'Deployment');
    expect(dep.spec.replicas).toBe(1);
    expect(dep.spec.strategy).toEqual({ type: 'Recreate' });
    const data = dep.spec.template.spec.volumes.find((v: any) => v.name === 'data');
    expect(data).toEqual({ name: 'data', persistentVolumeClaim: { claimName: 'dns01-proxy-data' } });
    const claims = byKind(docs, 'PersistentVolumeClaim').map((p) => p.metadata.name);
    expect(claims).toEqual(expect.arrayContaining(['dns01-proxy-data', 'dns01-proxy-caddy-data']));
    const daemon = dep.spec.template.spec.containers.find((c: any) => c.name === 'dns01-proxy');
    expect(daemon.env.map((e: any) => e.name)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^DATABASE_URL/)]));
    const [np] = byKind(docs, 'NetworkPolicy');
    expect(JSON.stringify(np.spec.egress)).not.toContain('5432');
  });
});

describe('overlay declarative', () => {
  it('sets DNS01_CONFIG to a ConfigMap mounted read-only as a directory, whose file is valid and whose secret references are keys of a mounted Secret', async () => {
    const docs = await render('deploy/overlays/declarative');
    const [dep] = byKind(docs, 'Deployment');
    const spec = dep.spec.template.spec;
    const daemon = spec.containers.find((c: any) => c.name === 'dns01-proxy');
    const file = daemon.env.find((e: any) => e.name === 'DNS01_CONFIG').value as string;
    const mountAt = (path: string) => daemon.volumeMounts.find((m: any) => m.mountPath === dirname(path));
    const volumeOf = (path: string) => spec.volumes.find((v: any) => v.name === mountAt(path)?.name);
    expect(mountAt(file)).toMatchObject({ readOnly: true });
    expect(mountAt(file).subPath).toBeUndefined();
    const cm = byKind(docs, 'ConfigMap').find((c) => c.metadata.name === volumeOf(file).configMap.name);
    const text = cm.data[basename(file)] as string;
    // Checked as the daemon checks it; the only problems left are the secret files, absent here.
    const catalogue = new PluginCatalogue(shippedPlugins, { allowPrivateWebhooks: false, webhookAllowedPorts: [], scriptsDir: '/scripts' });
    const result = await readDeclared(text, { catalogue, existing: new Map(), env: {} });
    const problems = 'problems' in result ? result.problems : [];
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      const path = /: cannot read (\S+) \(ENOENT\)/.exec(problem)?.[1];
      expect(path, problem).toBeDefined();
      expect(mountAt(path!), path).toMatchObject({ readOnly: true });
      const secret = byKind(docs, 'Secret').find((x) => x.metadata.name === volumeOf(path!).secret.secretName);
      expect(Object.keys(secret.data), path).toContain(basename(path!));
    }
  });
});

describe('daemon memory against the figures in docs/deployment.md', () => {
  const { peak, pgliteIdleAfterFirstStart } = documentedMemory();
  it.each(targets)('%s: the limit is at least the documented peak of its database mode plus 25%%', async (target) => {
    const [dep] = byKind(await render(target), 'Deployment');
    const daemon = dep.spec.template.spec.containers.find((c: any) => c.name === 'dns01-proxy');
    const env = daemon.env.map((e: any) => e.name);
    const mode = env.includes('DATABASE_URL') || env.includes('DATABASE_URL_FILE') ? 'PostgreSQL' : 'PGlite';
    expect(quantityMiB(daemon.resources.limits.memory)).toBeGreaterThanOrEqual(peak[mode] * 1.25);
    expect(quantityMiB(daemon.resources.requests.memory)).toBeGreaterThan(mode === 'PGlite' ? pgliteIdleAfterFirstStart : peak.PostgreSQL);
  });

  it('parses the table and the quantities it compares (the check is live)', () => {
    expect(peak.PGlite).toBeGreaterThan(peak.PostgreSQL);
    expect(quantityMiB('1536Mi')).toBe(1536);
    expect(quantityMiB('1.5Gi')).toBe(1536);
    expect(quantityMiB('512M')).toBeCloseTo(488.3, 1);
  });
});

describe('the image placeholder', () => {
  it('comes with the commands that build and push both images and point the manifests at them', () => {
    const kustomization = readFileSync(join(repoRoot, 'deploy/base/kustomization.yaml'), 'utf8');
    for (const line of [
      'docker build -t <registry>/dns01-proxy:<tag> . && docker push <registry>/dns01-proxy:<tag>',
      'docker build --target caddy -t <registry>/dns01-proxy-caddy:<tag> . && docker push <registry>/dns01-proxy-caddy:<tag>',
      'kustomize edit set image dns01-proxy=<registry>/dns01-proxy:<tag> dns01-proxy-caddy=<registry>/dns01-proxy-caddy:<tag>',
    ]) {
      expect(kustomization).toContain(line);
      expect(readFileSync(join(repoRoot, 'docs/deployment.md'), 'utf8')).toContain(line);
    }
  });
});

describe('checked-in secrets', () => {
  // Placeholders only: a real token or key committed under deploy/ fails the build.
  const files = [
    'deploy/base/secrets/internal-token',
    'deploy/base/secrets/admin-token',
    'deploy/base/secrets/encryption-key',
    'deploy/overlays/external-postgres/secrets/database-url',
    'deploy/overlays/declarative/secrets/tsig-secret',
  ];
  it.each(files)('%s is a placeholder without a trailing newline', (file) => {
    const text = readFileSync(join(repoRoot, file), 'utf8');
    expect(text.startsWith('REPLACE_ME')).toBe(true);
    expect(text.endsWith('\n')).toBe(false);
  });
});

describe('the schema check itself', () => {
  it('catches a misspelt field and a wrong type', async () => {
    const bad = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'x', labels: { a: 'b' } },
      spec: {
        replicas: '3',
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i:1', securityContxt: {} }] } },
      },
    };
    const problems = await validateK8sObject(bad);
    expect(problems.join('\n')).toContain('replicas must be integer');
    expect(problems.join('\n')).toContain('unknown field .spec.template.spec.containers[0].securityContxt');
  });
});
