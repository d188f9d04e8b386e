// deploy/cert-manager/: the ClusterIssuer (cert-manager's acmeDNS solver pointed at the daemon's acme-dns API) and the
// Issuer (its rfc2136 solver pointed at the DNS UPDATE door of deploy/components/dns-update) checked against
// cert-manager's own CRD schemas, and their Secrets against Kubernetes' schema, the daemon's register reply and the
// steps in docs/dns-update.md. cert-manager itself is not run here; the exchange its acmeDNS solver makes (goacmedns's
// /update) is proven by test/e2e/acme-dns-lego.test.ts with an account file of this Secret's shape, and the
// UPDATEs its rfc2136 solver sends (one signed TXT add, one class NONE delete) by test/dns/dns-door.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tsigKeyName } from '../../src/clients/tokens.js';
import { acmeDnsAccountSchema } from '../../src/http/wire/acme-dns.js';
import { crdValidator, parseYamlDocuments, repoRoot, validateK8sObject } from './support.js';

const dir = join(repoRoot, 'deploy/cert-manager');
const crdFiles = {
  ClusterIssuer: join(repoRoot, 'test/fixtures/cert-manager/cert-manager.io_clusterissuers.yaml'),
  Issuer: join(repoRoot, 'test/fixtures/cert-manager/cert-manager.io_issuers.yaml'),
};

async function load(file: string, from = dir): Promise<any[]> {
  return parseYamlDocuments(readFileSync(join(from, file), 'utf8'));
}

const validator = (kind: keyof typeof crdFiles = 'ClusterIssuer') => crdValidator(crdFiles[kind], kind, 'v1');

function renameKey(o: any, from: string, to: string): void {
  o[to] = o[from];
  delete o[from];
}

/** The check has teeth: `issuer` with `edit` applied to its first solver's `dns01` fails, naming `reported`. */
function expectRefused(validate: (obj: unknown) => string[], issuer: any, edit: (dns01: any) => void, reported: string): void {
  const bad = structuredClone(issuer);
  edit(bad.spec.acme.solvers[0].dns01);
  expect(validate(bad).join('\n')).toContain(reported);
}

describe('deploy/cert-manager', () => {
  it('cluster-issuer.yaml is a valid cert-manager.io/v1 ClusterIssuer by cert-manager\'s CRD schema, unknown fields refused', async () => {
    const validate = await validator();
    const [issuer, ...rest] = await load('cluster-issuer.yaml');
    expect(rest).toEqual([]);
    expect(issuer).toMatchObject({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer' });
    expect(validate(issuer)).toEqual([]);
    // The check has teeth: a misspelt solver key and a missing required field are both reported.
    expectRefused(validate, issuer, (dns01) => renameKey(dns01, 'acmeDNS', 'acmeDns'), 'acmeDns');
    expectRefused(validate, issuer, (dns01) => delete dns01.acmeDNS.host, 'host');
  });

  it('its acmeDNS solver points at the daemon\'s /acme-dns base (goacmedns appends /update)', async () => {
    const [issuer] = await load('cluster-issuer.yaml');
    const solver = issuer.spec.acme.solvers[0].dns01.acmeDNS;
    expect(new URL(solver.host).pathname).toBe('/acme-dns');
  });

  it('the account Secret is a valid Secret named by the issuer, holding a register reply under its domain', async () => {
    const [issuer] = await load('cluster-issuer.yaml');
    const [secret, ...rest] = await load('acme-dns-account.example.yaml');
    expect(rest).toEqual([]);
    expect(await validateK8sObject(secret)).toEqual([]);
    const ref = issuer.spec.acme.solvers[0].dns01.acmeDNS.accountSecretRef;
    expect(secret.metadata.name).toBe(ref.name);
    // A ClusterIssuer reads its Secrets from cert-manager's cluster resource namespace (default `cert-manager`).
    expect(secret.metadata.namespace).toBe('cert-manager');
    const accounts = JSON.parse(secret.stringData[ref.key]) as Record<string, unknown>;
    // cert-manager unmarshals a map of domain -> goacmedns.Account and looks up the challenge's domain, never `*.`.
    expect(Object.keys(accounts)).toEqual(issuer.spec.acme.solvers[0].selector.dnsZones);
    for (const [domain, account] of Object.entries(accounts)) {
      expect(domain).not.toMatch(/^\*\./);
      // Exactly what POST /acme-dns/register answers (its reply schema, strict), copied unchanged.
      expect(acmeDnsAccountSchema.safeParse(account).error?.issues ?? []).toEqual([]);
      const { fulldomain, subdomain } = account as { fulldomain: string; subdomain: string };
      expect(fulldomain.startsWith(`${subdomain}.`)).toBe(true);
    }
  });
});

describe('deploy/cert-manager rfc2136', () => {
  const component = join(repoRoot, 'deploy/components/dns-update');

  /** The JSON body of the `POST /api/v1/client-tokens` in docs/dns-update.md's "cert-manager" section. */
  function documentedTokenRequest(): { name: string; allowed_domains: string[]; tsig_algorithm: string } {
    const doc = readFileSync(join(repoRoot, 'docs/dns-update.md'), 'utf8');
    const start = doc.indexOf('\n## cert-manager\n');
    expect(start).toBeGreaterThan(0);
    const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
    expect(section).toContain('/api/v1/client-tokens');
    return JSON.parse(/-d '(\{.*?\})'/s.exec(section)![1]!);
  }

  it('rfc2136-issuer.yaml is a valid cert-manager.io/v1 Issuer by cert-manager\'s CRD schema, unknown fields refused', async () => {
    const validate = await validator('Issuer');
    const [issuer, ...rest] = await load('rfc2136-issuer.yaml');
    expect(rest).toEqual([]);
    expect(issuer).toMatchObject({ apiVersion: 'cert-manager.io/v1', kind: 'Issuer' });
    expect(validate(issuer)).toEqual([]);
    expectRefused(validate, issuer, (dns01) => renameKey(dns01.rfc2136, 'tsigKeyName', 'tsigKeyname'), 'tsigKeyname');
    expectRefused(validate, issuer, (dns01) => delete dns01.rfc2136.nameserver, 'nameserver');
  });

  it('its nameserver is the component\'s Service, on the port the daemon\'s door listens on there, UDP and TCP', async () => {
    const [issuer] = await load('rfc2136-issuer.yaml');
    const solver = issuer.spec.acme.solvers[0].dns01.rfc2136;
    const [, host, port] = /^([^:]+):(\d+)$/.exec(solver.nameserver)!;
    const [service] = await load('service.yaml', component);
    expect(await validateK8sObject(service)).toEqual([]);
    // <service>.<namespace>.svc.<cluster domain>: the namespace docs/deployment.md creates.
    expect(host).toBe(`${service.metadata.name}.dns01-proxy.svc.cluster.local`);
    const servicePorts = service.spec.ports.filter((p: any) => p.port === Number(port));
    expect(servicePorts.map((p: any) => p.protocol).sort()).toEqual(['TCP', 'UDP']);
    // cert-manager sends over UDP unless `protocol` says TCP; either reaches the door.
    expect(solver.protocol ?? 'UDP').toBe('UDP');
    const [patch] = await load('deployment-patch.yaml', component);
    const daemon = patch.spec.template.spec.containers.find((c: any) => c.name === 'dns01-proxy');
    const listen = daemon.env.find((e: any) => e.name === 'DNS01_DNS_UPDATE_LISTEN').value as string;
    const listenPort = Number(/:(\d+)$/.exec(listen)![1]);
    for (const sp of servicePorts) {
      const target = daemon.ports.find((p: any) => p.name === sp.targetPort);
      expect(target, sp.name).toMatchObject({ containerPort: listenPort, protocol: sp.protocol });
    }
  });

  it('its TSIG key is the one the documented client-token request makes, and its Secret holds the key it names', async () => {
    const [issuer] = await load('rfc2136-issuer.yaml');
    const solver = issuer.spec.acme.solvers[0].dns01.rfc2136;
    const request = documentedTokenRequest();
    // The reply's tsig_key.name (with the root's dot, as cert-manager makes it fully qualified anyway).
    expect(solver.tsigKeyName).toBe(`${tsigKeyName(request.name)}.`);
    expect(request.tsig_algorithm).toBe('hmac-sha256');
    expect(solver.tsigAlgorithm).toBe('HMACSHA256');
    // The token covers the zone the solver is selected for, and the names below it.
    for (const zone of issuer.spec.acme.solvers[0].selector.dnsZones) {
      expect(request.allowed_domains).toEqual(expect.arrayContaining([zone, `*.${zone}`]));
    }
    const [secret, ...rest] = await load('rfc2136-tsig.example.yaml');
    expect(rest).toEqual([]);
    expect(await validateK8sObject(secret)).toEqual([]);
    expect(secret.metadata.name).toBe(solver.tsigSecretSecretRef.name);
    // An Issuer reads its Secrets from its own namespace: neither names one, both are applied with -n.
    expect(issuer.metadata.namespace).toBeUndefined();
    expect(secret.metadata.namespace).toBeUndefined();
    expect(Object.keys(secret.stringData)).toEqual([solver.tsigSecretSecretRef.key]);
    expect(secret.stringData[solver.tsigSecretSecretRef.key]).toMatch(/^REPLACE_ME/);
  });
});
