// The config file (DNS01_CONFIG, docs/config-file.md) against a real daemon and database: every problem at once with
// its path, secrets only by reference and never shown or stored in clear, names for ids, idempotent applies, removal of
// what the file no longer declares, the API refused on managed rows, and what the file does not name left alone.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTokens, clientTsigKeys, dnsProviders, sites } from '../../src/db/schema.js';
import type { ApplyReport } from '../../src/http/wire/config.js';
import { startTestDaemon, type TestDaemon } from '../support/daemon.js';

const tsig = randomBytes(32).toString('base64');
const tsig2 = randomBytes(32).toString('base64');
const token = `dns01ct_${randomBytes(32).toString('base64url')}`;

describe('the config file (DNS01_CONFIG)', () => {
  let d: TestDaemon;
  let dir: string;
  let file: string;
  const secretFile = () => join(dir, 'tsig.secret');
  const tokenFile = () => join(dir, 'lego.token');

  const yaml = (o: { second?: boolean; site2?: boolean; enabled?: boolean; secret?: string } = {}) => `
providers:
  - name: bind
    provider_type: rfc2136
    enabled: ${o.enabled ?? true}
    credentials:
      nameserver: 127.0.0.1
      port: 5399
      tsig_key_name: acme
      tsig_key_secret: {file: ${o.secret ?? secretFile()}}
      zone: example.test
${o.second ?? true ? `  - name: split
    provider_type: rfc2136
    use_multi_credentials: true
    credentials:
      nameserver: 127.0.0.1
      tsig_key_name: acme
      tsig_key_secret: {env: TEST_TSIG_SECRET}
    credentials_list:
      - label: inner
        zone_filter: inner.example.test
        credentials: {nameserver: 127.0.0.1, tsig_key_name: inner, tsig_key_secret: {env: TEST_TSIG_SECRET}}
` : ''}sites:
  - domain_names: [example.test, "*.example.test"]
    dns_provider: bind
${o.site2 ?? true ? `  - domain_names: [other.test]
    dns_provider: ${o.second ?? true ? 'split' : 'bind'}
` : ''}client_tokens:
  - name: lego
    allowed_domains: [example.test]
    providers: [bind]
    token_file: ${tokenFile()}
    tsig_key: {algorithm: hmac-sha256, secret: {env: TEST_TSIG_SECRET}}
`;

  const apply = async (body: Record<string, unknown> = {}) => {
    const res = await d.admin('/config/apply', { method: 'POST', body });
    return { status: res.status, body: (await res.json()) as ApplyReport & { error?: { code: string; message: string; details?: { problems?: string[] } } } };
  };
  const providerRows = () => d.daemon.database.db.select().from(dnsProviders);
  const snapshot = async () => JSON.stringify([
    await providerRows(), await d.daemon.database.db.select().from(sites), await d.daemon.database.db.select().from(clientTokens),
  ]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dns01-config-'));
    file = join(dir, 'dns01.yaml');
    await writeFile(secretFile(), `${tsig}\n`);
    await writeFile(tokenFile(), `${token}\n`);
    await writeFile(file, 'providers: []\n');
    process.env.TEST_TSIG_SECRET = tsig2;
    d = await startTestDaemon({ db: 'pglite', env: { DNS01_CONFIG: file } });
  }, 60_000);

  afterAll(async () => {
    delete process.env.TEST_TSIG_SECRET;
    await d?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file with several mistakes, naming each with its path and line, and changes nothing', async () => {
    await d.addProvider({ name: 'api-made', provider_type: 'manual' });
    const before = await snapshot();
    await writeFile(file, `
providers:
  - name: bind
    provider_type: rfc2136
    credentials:
      nameserver: 127.0.0.1
      tsig_key_name: acme
      tsig_key_secret: ${tsig}
  - name: other
    provider_type: rfc2136
    credentials: {nameserver: 127.0.0.1, tsig_key_name: k, tsig_key_secret: {env: DNS01_TEST_UNSET_VARIABLE}}
  - name: third
    provider_type: no-such-type
sites:
  - domain_names: [example.test]
    dns_provider: nowhere
client_tokens:
  - name: lego
    allowed_domains: [example.test]
    token_file: ${join(dir, 'missing')}
`);
    const { status, body } = await apply();
    expect(status).toBe(400);
    expect(body.error!.code).toBe('CONFIG_INVALID');
    expect(body.error!.message).toContain(file);
    const problems = body.error!.details!.problems!;
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^providers\[0\]\.credentials\.tsig_key_secret: a secret must be \{file: …\} or \{env: …\} \(line 8\)$/);
    expect(problems[1]).toMatch(/^providers\[1\]\.credentials\.tsig_key_secret: the environment variable DNS01_TEST_UNSET_VARIABLE is not set/);
    expect(problems[2]).toMatch(/^providers\[2\]\.provider_type: unknown provider type "no-such-type" \(line 13\)/);
    expect(problems[3]).toMatch(/^sites\[0\]\.dns_provider: no provider named nowhere/);
    expect(problems[4]).toMatch(/^client_tokens\[0\]\.token_file: cannot read .*missing \(ENOENT\)/);
    expect(JSON.stringify(body)).not.toContain(tsig);
    expect(await snapshot()).toBe(before);
  });

  it('creates what the file declares: secrets read from their references, names turned into ids, marked managed', async () => {
    await writeFile(file, yaml());
    const { status, body } = await apply();
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.changes.map((c) => `${c.action} ${c.resource} ${c.name}`)).toEqual([
      'create provider bind', 'create provider split', 'create credential split/inner',
      'create site *.example.test,example.test', 'create site other.test', 'create client_token lego',
    ]);
    const rows = await providerRows();
    const bind = rows.find((r) => r.name === 'bind')!;
    const split = rows.find((r) => r.name === 'split')!;
    expect(bind.managedBy).toBe(file);
    expect(rows.find((r) => r.name === 'api-made')!.managedBy).toBeNull();
    // Stored encrypted by the store, readable only through it.
    expect(JSON.stringify(rows)).not.toContain(tsig);
    expect(JSON.stringify(rows)).not.toContain(tsig2);
    expect(d.daemon.providers.decrypt(bind).tsig_key_secret).toBe(tsig);
    const creds = await d.daemon.providers.zoneCredentials.list(split);
    expect(creds.map((c) => c.label)).toEqual(['inner']);
    expect(d.daemon.providers.zoneCredentials.decrypt(creds[0]!).tsig_key_secret).toBe(tsig2);
    const siteRows = await d.daemon.sites.list();
    expect(siteRows.map((s) => [s.domainNames, s.dnsProviderId])).toEqual([[['*.example.test', 'example.test'], bind.id], [['other.test'], split.id]]);
    const [tokenRow] = await d.daemon.database.db.select().from(clientTokens);
    expect(tokenRow!.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(tokenRow!.providerIds).toEqual([bind.id]);
    // Its TSIG key sealed (the next apply finding nothing to change shows it opens to the same secret).
    const keys = await d.daemon.database.db.select().from(clientTsigKeys);
    expect(keys.map((k) => [k.clientTokenId, k.name, k.algorithm])).toEqual([[tokenRow!.id, 'lego.dns01-proxy', 'hmac-sha256']]);
    expect(JSON.stringify(keys)).not.toContain(tsig2);
    // The token from the file works for the internal API (a 404 for an unknown challenge, not a 401).
    const res = await fetch(`${d.url}/internal/dns-challenge/00000000-0000-4000-8000-000000000001`, {
      headers: { authorization: `Basic ${Buffer.from(`lego:${token}`).toString('base64')}` },
    });
    expect(res.status).toBe(404);
    // The API shows the secret masked.
    const shown = await (await d.admin(`/dns-providers/${bind.id}`)).text();
    expect(shown).not.toContain(tsig);
  });

  it('applies the same file again with no change', async () => {
    const before = await snapshot();
    const { body } = await apply();
    expect(body.changes).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('refuses API changes to managed rows with MANAGED_BY_CONFIG naming the file', async () => {
    const rows = await providerRows();
    const bind = rows.find((r) => r.name === 'bind')!;
    const split = rows.find((r) => r.name === 'split')!;
    const [site] = await d.daemon.sites.list();
    const [tokenRow] = await d.daemon.database.db.select().from(clientTokens);
    const attempts = [
      d.admin(`/dns-providers/${bind.id}`, { method: 'PUT', body: { enabled: false } }),
      d.admin(`/dns-providers/${bind.id}?force=true`, { method: 'DELETE' }),
      d.admin(`/dns-providers/${split.id}/credentials`, { method: 'POST', body: { label: 'x', zone_filter: 'x.test' } }),
      d.admin(`/sites/${site!.id}`, { method: 'PUT', body: { enabled: false } }),
      d.admin(`/sites/${site!.id}`, { method: 'DELETE' }),
      d.admin(`/client-tokens/${tokenRow!.id}`, { method: 'DELETE' }),
    ];
    for (const res of await Promise.all(attempts)) {
      const body = (await res.json()) as { error: { code: string; message: string; details: { managed_by: string } } };
      expect(res.status).toBe(409);
      expect(body.error.code).toBe('MANAGED_BY_CONFIG');
      expect(body.error.message).toContain(file);
      expect(body.error.details.managed_by).toBe(file);
    }
    expect(await (await d.admin('/dns-providers', { method: 'POST', body: { name: 'bind', provider_type: 'manual' } })).json()).toMatchObject({ error: { code: 'CONFLICT' } });
  });

  it('dry run lists the changes without secrets and changes nothing', async () => {
    const before = await snapshot();
    const other = randomBytes(32).toString('base64');
    const otherFile = join(dir, 'other.secret');
    await writeFile(otherFile, other);
    const { body } = await apply({ dry_run: true, config: yaml({ enabled: false, secret: otherFile, site2: false }) });
    expect(body.dry_run).toBe(true);
    expect(body.changes.map((c) => `${c.action} ${c.resource} ${c.name} ${c.fields.join(',')}`)).toEqual([
      'update provider bind credentials,enabled', 'delete site other.test ',
    ]);
    expect(JSON.stringify(body)).not.toContain(other);
    expect(await snapshot()).toBe(before);
    // A candidate text is for dry runs only.
    expect((await apply({ config: yaml() })).status).toBe(400);
  });

  it('removes what the file no longer declares and leaves alone what it never did', async () => {
    await d.addProvider({ name: 'api-second', provider_type: 'manual' });
    await writeFile(file, yaml({ second: false, site2: false }));
    const { body } = await apply();
    expect(body.changes.map((c) => `${c.action} ${c.resource} ${c.name}`)).toEqual(['delete site other.test', 'delete provider split']);
    expect(body.deferred).toEqual([]);
    expect((await providerRows()).map((r) => r.name).sort()).toEqual(['api-made', 'api-second', 'bind']);
    expect((await d.daemon.sites.list()).map((s) => s.domainNames.join(','))).toEqual(['*.example.test,example.test']);
    expect((await apply()).body.changes).toEqual([]);
  });

  it('takes over a row the API made when the file declares its name', async () => {
    await writeFile(file, `${yaml({ second: false, site2: false })}  - name: api-token
    allowed_domains: [api.test]
    token_sha256: ${'ab'.repeat(32)}
`.replace('providers:\n', 'providers:\n  - name: api-made\n    provider_type: manual\n'));
    const made = await d.admin('/client-tokens', { method: 'POST', body: { name: 'api-token', allowed_domains: ['api.test'], tsig_algorithm: 'hmac-sha1' } });
    expect(made.status).toBe(201);
    const { body } = await apply();
    // The file declares the token whole: a TSIG key it does not declare is removed.
    expect(body.changes.map((c) => `${c.action} ${c.resource} ${c.name} ${c.fields.join(',')}`)).toEqual([
      'update provider api-made managed_by', 'update client_token api-token token,tsig_key,managed_by',
    ]);
    const madeId = ((await made.json()) as { client_token: { id: string } }).client_token.id;
    expect(await d.daemon.database.db.select().from(clientTsigKeys).where(eq(clientTsigKeys.clientTokenId, madeId))).toEqual([]);
    expect((await providerRows()).find((r) => r.name === 'api-made')!.managedBy).toBe(file);
    expect((await apply()).body.changes).toEqual([]);
  });

  it('never logs a secret', () => {
    for (const secret of [tsig, tsig2, token]) expect(d.logs()).not.toContain(secret);
  });
});
