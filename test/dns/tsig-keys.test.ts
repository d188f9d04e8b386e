// A client token's TSIG key rotated and removed through the admin API (POST/DELETE /api/v1/client-tokens/{id}/tsig-key)
// and declared in the config file (DNS01_CONFIG), checked against the real DNS UPDATE door: the old secret BADSIG at
// once, the new one NOERROR (nsupdate into BIND too), a removed key BADKEY; each refusal with its code and nothing
// changed; the secret in no log, reply, audit row or database column.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTokens, clientTsigKeys } from '../../src/db/schema.js';
import { parseTsig, signMessage, TSIG_ERRORS, type TsigKey } from '../../src/dns/tsig.js';
import { buildUpdate } from '../../src/dns/update.js';
import { tsigKey, ZONE } from '../support/acme-rig.js';
import { refusal } from '../support/api.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { askUdp } from '../support/dns-ask.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { signedNsupdate } from '../support/nsupdate.js';
import { freeDnsPort } from '../support/ports.js';

const NAME = `_acme-challenge.${ZONE}`;
const bindKey = tsigKey('provider-key');
type DoorAlgorithm = 'hmac-sha256' | 'hmac-sha512' | 'hmac-sha1' | 'hmac-md5';

let bind: RunningDnsServer;
let d: TestDaemon;
let dir: string;
let configFile: string;
let doorPort: number;
/** Every secret the API showed: none may appear anywhere else. */
const shown: string[] = [];

const asKey = (k: { name: string; algorithm: DoorAlgorithm; secret: string }): TsigKey => ({ name: k.name, algorithm: k.algorithm, secret: Buffer.from(k.secret, 'base64') });

/**
 * A signed UPDATE that deletes a value nobody added: NOERROR once the key is accepted, nothing written. The rcode and
 * the reply's TSIG error (null when none).
 */
async function probe(key: TsigKey): Promise<{ rcode: number; tsig: string | null }> {
  const reply = await askUdp(doorPort, signMessage(buildUpdate({ zone: ZONE, updates: [{ op: 'delete', name: NAME, value: txtValue('probe') }] }), key).message);
  const t = parseTsig(reply);
  return { rcode: reply.readUInt16BE(2) & 0xf, tsig: t && t.error !== 0 ? (TSIG_ERRORS[t.error] ?? String(t.error)) : null };
}
const ACCEPTED = { rcode: 0, tsig: null };
const BADSIG = { rcode: 9, tsig: 'BADSIG' };
const BADKEY = { rcode: 9, tsig: 'BADKEY' };

async function mint(name: string, tsig_algorithm?: DoorAlgorithm) {
  const made = await d.api.clientTokens.create({ name, allowed_domains: [ZONE], ...(tsig_algorithm ? { tsig_algorithm } : {}) });
  if (made.tsig_key) shown.push(made.tsig_key.secret);
  return made;
}
async function rotate(id: string, body?: Record<string, unknown>) {
  const r = await d.api.clientTokens.rotateTsig(id, body);
  shown.push(r.tsig_key.secret);
  return r;
}
const keyRow = async (tokenId: string) => (await d.daemon.database.db.select().from(clientTsigKeys).where(eq(clientTsigKeys.clientTokenId, tokenId)))[0];

beforeAll(async () => {
  bind = await startBind({ zones: [ZONE], tsigKeys: [bindKey] });
  doorPort = await freeDnsPort();
  dir = await mkdtemp(join(tmpdir(), 'dns01-tsig-'));
  configFile = join(dir, 'dns01.yaml');
  await writeFile(configFile, 'providers: []\n');
  d = await startTestDaemon({
    env: {
      DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`, DNS01_DNS_AUTH_PORT: String(bind.port), DNS01_DNS_UPDATE_LISTEN: `127.0.0.1:${doorPort}`,
      DNS01_CONFIG: configFile,
    },
  });
  const providerId = await d.addProvider({
    name: 'bind', provider_type: 'rfc2136',
    credentials: { nameserver: bind.host, port: bind.port, tsig_key_name: bindKey.name, tsig_key_secret: bindKey.secret, tsig_algorithm: 'hmac-sha256' },
  });
  await d.api.sites.create({ domain_names: [ZONE], dns_provider_id: providerId });
}, 120_000);

afterAll(async () => {
  delete process.env.TEST_DOOR_SECRET;
  await d?.stop();
  await bind?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('rotating a TSIG key through the API', () => {
  it('a new secret under the same name: the old one is BADSIG at once, the new one works (nsupdate into BIND)', async () => {
    const made = await mint('rotating', 'hmac-sha256');
    const old = made.tsig_key!;
    expect(await probe(asKey(old))).toEqual(ACCEPTED);
    const res = await d.admin(`/client-tokens/${made.client_token.id}/tsig-key`, { method: 'POST' });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as { client_token: { id: string }; tsig_key: { name: string; algorithm: DoorAlgorithm; secret: string } };
    shown.push(rotated.tsig_key.secret);
    expect(rotated.client_token.id).toBe(made.client_token.id);
    expect(rotated.tsig_key).toMatchObject({ name: 'rotating.dns01-proxy.', algorithm: 'hmac-sha256' });
    expect(rotated.tsig_key.secret).not.toBe(old.secret);
    expect(Buffer.from(rotated.tsig_key.secret, 'base64')).toHaveLength(32);
    expect(await probe(asKey(old))).toEqual(BADSIG);
    expect(await probe(asKey(rotated.tsig_key))).toEqual(ACCEPTED);

    const v = txtValue('rotated');
    const stale = await signedNsupdate(doorPort, ZONE, { ...old, secret: old.secret }, `update add ${NAME}. 60 TXT "${v}"`);
    expect(stale.code, stale.out).not.toBe(0);
    expect(await bind.txt(NAME)).toEqual([]);
    const fresh = await signedNsupdate(doorPort, ZONE, rotated.tsig_key, `update add ${NAME}. 60 TXT "${v}"`);
    expect(fresh.code, fresh.out).toBe(0);
    expect(await bind.txt(NAME)).toEqual([v]);
    expect((await signedNsupdate(doorPort, ZONE, rotated.tsig_key, `update delete ${NAME}. TXT "${v}"`)).code).toBe(0);
    expect(await bind.txt(NAME)).toEqual([]);
  });

  it('to another algorithm: the new secret is as long as it needs; the old algorithm is BADKEY', async () => {
    const made = await mint('to-sha512', 'hmac-sha1');
    const rotated = await rotate(made.client_token.id, { tsig_algorithm: 'hmac-sha512' });
    expect(rotated.tsig_key).toMatchObject({ name: 'to-sha512.dns01-proxy.', algorithm: 'hmac-sha512' });
    expect(Buffer.from(rotated.tsig_key.secret, 'base64')).toHaveLength(64);
    expect(await probe(asKey(made.tsig_key!))).toEqual(BADKEY);
    expect(await probe(asKey(rotated.tsig_key))).toEqual(ACCEPTED);
  });

  it('gives a token without a key its first one (201), but only with tsig_algorithm', async () => {
    const made = await mint('keyless');
    const missing = await refusal(d.api.clientTokens.rotateTsig(made.client_token.id));
    expect([missing.status, missing.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect(missing.message).toContain('give tsig_algorithm');
    expect(await keyRow(made.client_token.id)).toBeUndefined();
    const res = await d.admin(`/client-tokens/${made.client_token.id}/tsig-key`, { method: 'POST', body: { tsig_algorithm: 'hmac-md5' } });
    expect(res.status).toBe(201);
    const first = ((await res.json()) as { tsig_key: { name: string; algorithm: DoorAlgorithm; secret: string } }).tsig_key;
    shown.push(first.secret);
    expect(first).toMatchObject({ name: 'keyless.dns01-proxy.', algorithm: 'hmac-md5' });
    expect(await probe(asKey(first))).toEqual(ACCEPTED);
  });

  it('removing the key: BADKEY from then on; removing it again is 404', async () => {
    const made = await mint('removed', 'hmac-sha256');
    expect(await probe(asKey(made.tsig_key!))).toEqual(ACCEPTED);
    const gone = await d.api.clientTokens.deleteTsig(made.client_token.id);
    expect(gone).toMatchObject({ deleted_tsig_key: 'removed.dns01-proxy.', client_token: { id: made.client_token.id, state: 'active' } });
    expect(await probe(asKey(made.tsig_key!))).toEqual(BADKEY);
    const again = await refusal(d.api.clientTokens.deleteTsig(made.client_token.id));
    expect([again.status, again.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('refusals: the documented code, nothing changed', () => {
  it.each([
    ['revoked', null, 409, 'CONFLICT'],
    ['managed by the config file', '/etc/dns01-proxy/dns01.yaml', 409, 'MANAGED_BY_CONFIG'],
    ['the Caddy sync\'s own', 'caddy-sync', 409, 'MANAGED_BY_DAEMON'],
  ] as const)('a token %s: rotate and delete refused', async (label, managedBy, status, code) => {
    const made = await mint(`refused-${code.toLowerCase()}`, 'hmac-sha256');
    const id = made.client_token.id;
    if (managedBy === null) await d.api.clientTokens.revoke(id);
    else await d.daemon.database.db.update(clientTokens).set({ managedBy }).where(eq(clientTokens.id, id));
    const before = await keyRow(id);
    for (const call of [() => d.api.clientTokens.rotateTsig(id), () => d.api.clientTokens.rotateTsig(id, { tsig_algorithm: 'hmac-sha512' }), () => d.api.clientTokens.deleteTsig(id)]) {
      const err = await refusal(call());
      expect([err.status, err.code], label).toEqual([status, code]);
    }
    expect(await keyRow(id)).toEqual(before);
    // A live token's key still works; a revoked one's was unknown already.
    expect(await probe(asKey(made.tsig_key!))).toEqual(managedBy === null ? BADKEY : ACCEPTED);
  });

  it('an unknown algorithm or field is 400, an unknown token 404, a key name another token holds 409', async () => {
    const made = await mint('bad-body', 'hmac-sha256');
    const before = await keyRow(made.client_token.id);
    for (const body of [{ tsig_algorithm: 'hmac-sha224' }, { tsig_algorithm: 'hmac-sha256', secret: 'mine' }]) {
      const err = await refusal(d.api.clientTokens.rotateTsig(made.client_token.id, body));
      expect([err.status, err.code]).toEqual([400, 'VALIDATION_ERROR']);
    }
    expect(await keyRow(made.client_token.id)).toEqual(before);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      expect((await refusal(d.api.clientTokens.rotateTsig(id, { tsig_algorithm: 'hmac-sha256' }))).status).toBe(404);
      expect((await refusal(d.api.clientTokens.deleteTsig(id))).status).toBe(404);
    }
    // Live names are unique as written: `Clash` and `clash` would share the key name `clash.dns01-proxy`.
    await mint('Clash', 'hmac-sha256');
    const lower = await mint('clash');
    const clash = await refusal(d.api.clientTokens.rotateTsig(lower.client_token.id, { tsig_algorithm: 'hmac-sha256' }));
    expect([clash.status, clash.code]).toEqual([409, 'CONFLICT']);
    expect(clash.message).toContain('clash.dns01-proxy');
    expect(await keyRow(lower.client_token.id)).toBeUndefined();
  });
});

describe('declared in the config file', () => {
  const secretFile = () => join(dir, 'door.secret');
  const yaml = (o: { key?: boolean; name?: string } = {}) => `
client_tokens:
  - name: declared
    allowed_domains: [${ZONE}]
    token_sha256: ${'a'.repeat(64)}
${o.key ?? true ? `    tsig_key: {algorithm: hmac-sha256, secret: {file: ${secretFile()}}}
` : ''}  - name: declared-512
    allowed_domains: [${ZONE}]
    token_sha256: ${'b'.repeat(64)}
    tsig_key:
      name: ${o.name ?? 'Lego.Example.'}
      algorithm: hmac-sha512
      secret: {env: TEST_DOOR_SECRET}
`;
  const apply = async (body: Record<string, unknown> = {}) => {
    const res = await d.admin('/config/apply', { method: 'POST', body });
    return { status: res.status, body: (await res.json()) as { changes: { action: string; resource: string; name: string; fields: string[] }[]; error?: { code: string; details?: { problems?: string[] } } } };
  };
  const changes = (r: Awaited<ReturnType<typeof apply>>) => r.body.changes.map((c) => `${c.action} ${c.resource} ${c.name} ${c.fields.join(',')}`.trim());
  const secret256 = randomBytes(32).toString('base64');
  const secret512 = randomBytes(64).toString('base64');
  const key256 = (secret = secret256): TsigKey => ({ name: 'declared.dns01-proxy', algorithm: 'hmac-sha256', secret: Buffer.from(secret, 'base64') });
  const key512: TsigKey = { name: 'lego.example', algorithm: 'hmac-sha512', secret: Buffer.from(secret512, 'base64') };

  beforeAll(async () => {
    shown.push(secret256, secret512);
    await writeFile(secretFile(), `${secret256}\n`);
    process.env.TEST_DOOR_SECRET = secret512;
  });

  it('a declared key (from a file, from the environment, its own name or the API\'s) works through the door', async () => {
    await writeFile(configFile, yaml());
    const r = await apply();
    expect(r.status).toBe(200);
    expect(changes(r)).toEqual(['create client_token declared', 'create client_token declared-512']);
    expect(await probe(key256())).toEqual(ACCEPTED);
    expect(await probe(key512)).toEqual(ACCEPTED);
    const v = txtValue('declared');
    const add = await signedNsupdate(doorPort, ZONE, { name: 'declared.dns01-proxy.', algorithm: 'hmac-sha256', secret: secret256 }, `update add ${NAME}. 60 TXT "${v}"`);
    expect(add.code, add.out).toBe(0);
    expect(await bind.txt(NAME)).toEqual([v]);
    expect((await signedNsupdate(doorPort, ZONE, { name: 'lego.example.', algorithm: 'hmac-sha512', secret: secret512 }, `update delete ${NAME}. TXT "${v}"`)).code).toBe(0);
    expect(await bind.txt(NAME)).toEqual([]);
    expect(changes(await apply())).toEqual([]);
  });

  it('the API refuses to rotate or remove it: MANAGED_BY_CONFIG naming the file', async () => {
    const row = (await d.api.clientTokens.list()).find((t) => t.name === 'declared' && t.state === 'active')!;
    for (const call of [() => d.api.clientTokens.rotateTsig(row.id), () => d.api.clientTokens.deleteTsig(row.id)]) {
      const err = await refusal(call());
      expect([err.status, err.code]).toEqual([409, 'MANAGED_BY_CONFIG']);
      expect(err.message).toContain(configFile);
    }
    expect(await probe(key256())).toEqual(ACCEPTED);
  });

  it('a changed secret file: the dry run says tsig_key and no value; the apply (as SIGHUP) rotates it', async () => {
    const next = randomBytes(32).toString('base64');
    shown.push(next);
    await writeFile(secretFile(), next);
    const dry = await apply({ dry_run: true });
    expect(changes(dry)).toEqual(['update client_token declared tsig_key']);
    expect(JSON.stringify(dry.body)).not.toContain(next);
    expect(await probe(key256())).toEqual(ACCEPTED);
    const report = await d.daemon.declared!.apply();
    expect(report.changes.map((c) => `${c.action} ${c.name} ${c.fields.join(',')}`)).toEqual(['update declared tsig_key']);
    expect(await probe(key256())).toEqual(BADSIG);
    expect(await probe(key256(next))).toEqual(ACCEPTED);
    expect(await probe(key512)).toEqual(ACCEPTED);
    expect(changes(await apply())).toEqual([]);
  });

  it('tsig_key removed from the token: its key is gone, BADKEY', async () => {
    await writeFile(configFile, yaml({ key: false }));
    expect(changes(await apply())).toEqual(['update client_token declared tsig_key']);
    expect(await probe(key256())).toMatchObject({ rcode: 9, tsig: 'BADKEY' });
    const row = (await d.api.clientTokens.list()).find((t) => t.name === 'declared' && t.state === 'active')!;
    expect(await keyRow(row.id)).toBeUndefined();
    expect(await probe(key512)).toEqual(ACCEPTED);
  });

  it('a key name another token holds is a problem with its path and line; nothing changes', async () => {
    const before = JSON.stringify(await d.daemon.database.db.execute(sql`select * from client_tsig_keys order by id`));
    const r = await apply({ dry_run: true, config: yaml({ key: false, name: 'rotating.dns01-proxy.' }) });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('CONFIG_INVALID');
    expect(r.body.error?.details?.problems).toEqual([
      'client_tokens[1].tsig_key.name: the TSIG key name rotating.dns01-proxy is client token rotating\'s already; give this key another name (line 10)',
    ]);
    await writeFile(configFile, yaml({ key: false, name: 'rotating.dns01-proxy.' }));
    expect((await apply()).status).toBe(400);
    expect(JSON.stringify(await d.daemon.database.db.execute(sql`select * from client_tsig_keys order by id`))).toBe(before);
    await writeFile(configFile, yaml({ key: false }));
  });
});

describe('the secret stays in the reply', () => {
  it('audit rows name the key and the algorithm, success and failure, never the secret', async () => {
    await d.daemon.audit!.flush();
    const rotations = (await d.api.audit.list({ action: 'client_token.tsig_rotate' })).audit_logs;
    const deletions = (await d.api.audit.list({ action: 'client_token.tsig_delete' })).audit_logs;
    const rotated = rotations.find((e) => e.outcome === 'success' && e.details.name === 'rotating');
    expect(rotated?.details).toEqual({ name: 'rotating', door_name: 'rotating.dns01-proxy.', algorithm: 'hmac-sha256', created: false });
    expect(rotations.some((e) => e.outcome === 'failure' && e.details.code === 'MANAGED_BY_CONFIG')).toBe(true);
    expect(deletions.find((e) => e.outcome === 'success')?.details).toEqual({ name: 'removed', door_name: 'removed.dns01-proxy.' });
    const all = JSON.stringify(await d.daemon.database.db.execute(sql`select * from security_audits`));
    for (const s of shown) expect(all).not.toContain(s);
  });

  it('not in the logs, the token listing, or the database in clear', async () => {
    expect(shown.length).toBeGreaterThan(5);
    const listed = JSON.stringify(await d.api.clientTokens.list());
    const stored = JSON.stringify(await d.daemon.database.db.execute(sql`select * from client_tsig_keys`));
    for (const s of shown) {
      expect(d.logs()).not.toContain(s);
      expect(listed).not.toContain(s);
      expect(stored).not.toContain(s);
      expect(stored).not.toContain(Buffer.from(s, 'base64').toString('hex'));
    }
  });
});
