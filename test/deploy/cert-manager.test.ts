// deploy/cert-manager/: the ClusterIssuer (cert-manager's acmeDNS solver pointed at the daemon's acme-dns API) checked
// against cert-manager's own CRD schema, and the account Secret against Kubernetes' and the daemon's register reply.
// cert-manager itself is not run here; the exchange its solver makes (goacmedns's /update) is proven by
// test/e2e/acme-dns-lego.test.ts with an account file of this Secret's shape.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acmeDnsAccountSchema } from '../../src/http/wire/acme-dns.js';
import { crdValidator, parseYamlDocuments, repoRoot, validateK8sObject } from './support.js';

const dir = join(repoRoot, 'deploy/cert-manager');
const crdFile = join(repoRoot, 'test/fixtures/cert-manager/cert-manager.io_clusterissuers.yaml');

async function load(file: string): Promise<any[]> {
  return parseYamlDocuments(readFileSync(join(dir, file), 'utf8'));
}

const validator = () => crdValidator(crdFile, 'ClusterIssuer', 'v1');

describe('deploy/cert-manager', () => {
  it('cluster-issuer.yaml is a valid cert-manager.io/v1 ClusterIssuer by cert-manager\'s CRD schema, unknown fields refused', async () => {
    const validate = await validator();
    const [issuer, ...rest] = await load('cluster-issuer.yaml');
    expect(rest).toEqual([]);
    expect(issuer).toMatchObject({ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer' });
    expect(validate(issuer)).toEqual([]);
    // The check has teeth: a misspelt solver key and a missing required field are both reported.
    const misspelt = structuredClone(issuer);
    misspelt.spec.acme.solvers[0].dns01.acmeDns = misspelt.spec.acme.solvers[0].dns01.acmeDNS;
    delete misspelt.spec.acme.solvers[0].dns01.acmeDNS;
    expect(validate(misspelt).join('\n')).toContain('acmeDns');
    const hostless = structuredClone(issuer);
    delete hostless.spec.acme.solvers[0].dns01.acmeDNS.host;
    expect(validate(hostless).join('\n')).toContain('host');
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
