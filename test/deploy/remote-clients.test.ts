// deploy/caddy/remote-clients.Caddyfile, run by a real Caddy (built with the acmeproxy module) beside a real daemon:
// the site's certificate comes from Pebble through the daemon (rfc2136 provider -> BIND), lego on "another host"
// issues through the site over HTTPS with a client token, the acme-dns API answers there, the admin surfaces do not,
// the daemon sees the client's address rather than Caddy's, and no secret reaches Caddy's log.
//
// The file is read from deploy/ and changed only in its site name, addresses and ports (replace() below); the
// test's own Caddyfile adds just the global options a test CA needs, as an operator's main Caddyfile would.
//
// How lego reaches the site by name: the name must be the certificate's, and the system resolver here is off this
// machine, so lego (Go's default HTTP transport) gets HTTPS_PROXY: a CONNECT proxy (test/support/connect-proxy.ts)
// that opens `clients.example.test:PORT` to 127.0.0.1:PORT. TLS runs end to end through the tunnel, so lego checks
// Caddy's certificate against Pebble's root (SSL_CERT_FILE) and the name, as it would across a network. Go sends
// requests to loopback addresses direct, so lego talks to Pebble (127.0.0.1) without the proxy.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZONE, challengeRows, issuedSans, leftovers, legoFailure, rfc2136ProviderCredentials, tsigKey } from '../support/acme-rig.js';
import { adaptCaddyfile, buildCaddyWithAcmeproxy, startCaddy, type RunningCaddy } from '../support/caddy.js';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy.js';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';
import { runLego } from '../support/lego.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { freePort } from '../support/ports.js';
import { repoRoot } from './support.js';

const SITE = `clients.${ZONE}`;
/** Where "other hosts" come from: a loopback address that is neither Caddy's nor the daemon's (127.0.0.1). */
const REMOTE = '127.0.0.2';
const key = tsigKey('remote-clients');

let bind: RunningDnsServer;
let pebble: Pebble;
let daemon: TestDaemon;
let caddy: RunningCaddy;
let proxy: ConnectProxy;
let work = '';
let sitePort = 0;
let providerId = '';
let pebbleRoot = '';
/** The certificate Caddy serves for SITE. */
let served: X509Certificate;
let caddyBinary = '';
/** Secrets that must never show in Caddy's log, added to as the tests make them. */
const secrets: string[] = [];

/** Every occurrence of `from` replaced; the file must hold it (so a changed file fails here, not later). */
function replace(text: string, from: string, to: string): string {
  expect(text, `deploy/caddy/remote-clients.Caddyfile no longer holds ${JSON.stringify(from)}`).toContain(from);
  return text.split(from).join(to);
}

/** The shipped file with this run's site name, daemon address and resolver: nothing else changes. */
async function shippedSite(): Promise<string> {
  let text = await readFile(join(repoRoot, 'deploy/caddy/remote-clients.Caddyfile'), 'utf8');
  text = replace(text, 'dns01.example.com {', `${SITE}:${sitePort} {`);
  text = replace(text, '127.0.0.1:8053', `127.0.0.1:${daemon.port}`);
  text = replace(text, '1.1.1.1 9.9.9.9', `${bind.host}:${bind.port}`);
  return text;
}

/** One request to the site as a client on another host would send it (from `from`, TLS checked against Pebble's root). */
async function site(path: string, init: { method?: string; headers?: Record<string, string>; body?: string; from?: string } = {}): Promise<{ status: number; text: string }> {
  const client = new Client(`https://127.0.0.1:${sitePort}`, {
    localAddress: init.from ?? REMOTE,
    connect: { ca: pebbleRoot, servername: SITE },
  });
  try {
    // `path` goes on the wire exactly as given (no URL normalising), which the traversal checks need.
    const res = await client.request({
      path, method: (init.method ?? 'GET') as 'GET',
      headers: { host: `${SITE}:${sitePort}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    return { status: res.statusCode, text: await res.body.text() };
  } finally {
    await client.close();
  }
}

/** The certificate Caddy serves for SITE, once a handshake trusting only Pebble's root succeeds; null before. */
async function servedCertificate(): Promise<X509Certificate | null> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: sitePort, servername: SITE, ca: pebbleRoot, timeout: 5000 });
    const done = (cert: X509Certificate | null) => { socket.destroy(); resolve(cert); };
    socket.once('secureConnect', () => done(socket.getPeerX509Certificate() ?? null));
    socket.once('error', () => done(null));
    socket.once('timeout', () => done(null));
  });
}

const context = () => `caddy:\n${caddy?.output().slice(-6000)}\ndaemon:\n${daemon?.logs().slice(-4000)}`;

beforeAll(async () => {
  const binary = caddyBinary = await buildCaddyWithAcmeproxy();
  bind = await startBind({ zones: [ZONE], tsigKeys: [key] });
  pebble = await startPebble({ dnsServer: `${bind.host}:${bind.port}` });
  daemon = await startTestDaemon({
    env: {
      // Caddy connects from 127.0.0.1: its X-Forwarded-For names the client (docs/deployment.md).
      DNS01_TRUSTED_PROXIES: '127.0.0.1',
      DNS01_ACME_DNS_DOMAIN: `acme-dns.${ZONE}`,
      // ?wait=propagated in the site's endpoint: the daemon asks BIND until the value is there.
      DNS01_DNS_RESOLVERS: `${bind.host}:${bind.port}`,
      DNS01_DNS_AUTH_PORT: String(bind.port),
    },
  });
  secrets.push(daemon.internalToken, daemon.adminToken, Buffer.from(`caddy:${daemon.internalToken}`).toString('base64'));
  providerId = await daemon.addProvider({
    name: 'rfc2136-bind', provider_type: 'rfc2136', is_default: true,
    credentials: rfc2136ProviderCredentials(bind, key, ZONE),
  });
  work = await mkdtemp(join(tmpdir(), 'dns01-remote-clients-'));
  pebbleRoot = await pebble.rootsPem();

  // The operator's main Caddyfile: global options for the test CA, then the shipped site. The port is free when
  // picked, but another process may take it before Caddy binds: pick again then.
  for (let attempt = 1; ; attempt++) {
    sitePort = await freePort();
    const caddyfile = [
      '{',
      `\tacme_ca ${pebble.directoryUrl}`,
      `\tacme_ca_root ${pebble.caCertPath}`,
      '\temail ops@example.test',
      // No :80 listener for the http -> https redirect: this machine's port 80 is not ours to take.
      '\tauto_https disable_redirects',
      '}',
      '',
      await shippedSite(),
    ].join('\n');
    const config = await adaptCaddyfile(binary, caddyfile);
    try {
      caddy = await startCaddy({ binary, config, env: { DNS01_INTERNAL_TOKEN: daemon.internalToken } });
      break;
    } catch (e) {
      if (attempt >= 3 || !/address already in use/.test((e as Error).message)) throw e;
    }
  }
  proxy = await startConnectProxy({ names: [SITE], from: REMOTE });

  // Every test below talks HTTPS to the site: wait for its certificate (the first test looks at how it was got).
  const deadline = Date.now() + 120_000;
  let cert: X509Certificate | null;
  while (!(cert = await servedCertificate())) {
    if (Date.now() > deadline) throw new Error(`Caddy never served a certificate for ${SITE} that chains to Pebble's root\n${context()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  served = cert;
}, 900_000);

afterAll(async () => {
  await caddy?.stop();
  await proxy?.stop();
  await daemon?.stop();
  await pebble?.stop();
  await bind?.stop();
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

describe('deploy/caddy/remote-clients.Caddyfile: the daemon\'s client endpoints on an HTTPS site of the Caddy beside it', () => {
  it('gets the site\'s certificate from Pebble through the daemon', async () => {
    const cert = served;
    expect(cert.subjectAltName).toBe(`DNS:${SITE}`);
    expect(cert.issuer).toContain('Pebble');
    // Through the daemon: one challenge at the site's name, by the default provider, finished with its record removed.
    const rows = (await challengeRows(daemon, providerId)).filter((r) => r.fqdn === `_acme-challenge.${SITE}`);
    expect(rows.length, context()).toBeGreaterThanOrEqual(1);
    for (const row of rows) {
      expect(['VERIFIED', 'DELETED'], `${row.status} ${row.error ?? ''}`).toContain(row.status);
      expect(row.recordState).toBe('removed');
    }
    expect(await leftovers(bind, `_acme-challenge.${SITE}`)).toEqual({ txt: [], rcode: 'NXDOMAIN' });
  });

  it('lets lego on another host issue through the site with a client token, seen with its own address', async () => {
    const name = `remote.${ZONE}`;
    // allowed_cidrs holds only the remote address: it passes only if the daemon reads Caddy's X-Forwarded-For.
    const res = await daemon.admin('/client-tokens', {
      method: 'POST', body: { name: 'remote-lego', allowed_domains: [name], allowed_cidrs: [`${REMOTE}/32`], providers: [providerId] },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const token = ((await res.json()) as { token: string }).token;
    secrets.push(token, Buffer.from(`remote-lego:${token}`).toString('base64'), Buffer.from(`x:${token}`).toString('base64'));

    // lego trusts Pebble's TLS CA for the ACME server and Pebble's root for the site; both in one bundle.
    const trust = join(work, 'trust.pem');
    await writeFile(trust, `${await readFile(pebble.caCertPath, 'utf8')}\n${pebbleRoot}`);
    const r = await runLego({
      directoryUrl: pebble.directoryUrl,
      caCertPath: trust,
      email: 'remote@example.test',
      domains: [name],
      dnsResolver: `${bind.host}:${bind.port}`,
      provider: 'httpreq',
      env: {
        HTTPREQ_ENDPOINT: `https://${SITE}:${sitePort}/internal/dns-challenge`,
        HTTPREQ_USERNAME: 'remote-lego',
        HTTPREQ_PASSWORD: token,
        HTTPS_PROXY: proxy.url,
        SSL_CERT_FILE: trust,
      },
      workDir: join(work, 'lego'),
      timeoutMs: 180_000,
    });
    expect(r.code, legoFailure(r, daemon, context())).toBe(0);
    expect(await issuedSans(r.certPem!, pebble)).toEqual([name]);
    expect(proxy.tunnels).toContain(`${SITE}:${sitePort}`);
    const rows = (await challengeRows(daemon, providerId)).filter((row) => row.fqdn === `_acme-challenge.${name}`);
    expect(rows.map((row) => [row.status, row.recordState])).toEqual([['DELETED', 'removed']]);

    // The same token from 127.0.0.3 is refused, whatever X-Forwarded-For the client sends: Caddy replaces it.
    const other = await site('/internal/dns-challenge/present', {
      method: 'POST', from: '127.0.0.3',
      headers: { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`, 'x-forwarded-for': REMOTE },
      body: JSON.stringify({ fqdn: `_acme-challenge.${name}.`, value: txtValue('other') }),
    });
    expect(other.status, other.text).toBe(403);
    expect(JSON.parse(other.text)).toMatchObject({ error: { code: 'CLIENT_NETWORK_NOT_ALLOWED' } });
  }, 240_000);

  it('answers the acme-dns API (register, update) through the site, allowfrom against the client\'s address', async () => {
    const reg = await site('/acme-dns/register', {
      method: 'POST', headers: { authorization: `Bearer ${daemon.adminToken}` }, body: JSON.stringify({ allowfrom: [`${REMOTE}/32`] }),
    });
    expect(reg.status, reg.text).toBe(201);
    const account = JSON.parse(reg.text) as { username: string; password: string; fulldomain: string; subdomain: string };
    secrets.push(account.password);

    const value = txtValue('acme-dns-remote');
    const keyHeaders = { 'x-api-user': account.username, 'x-api-key': account.password };
    const update = await site('/acme-dns/update', { method: 'POST', headers: keyHeaders, body: JSON.stringify({ subdomain: account.subdomain, txt: value }) });
    expect(update.status, `${update.text}\n${context()}`).toBe(200);
    expect(JSON.parse(update.text)).toEqual({ txt: value });
    expect(await bind.txt(account.fulldomain)).toEqual([value]);

    const spoofed = await site('/acme-dns/update', {
      method: 'POST', from: '127.0.0.3', headers: { ...keyHeaders, 'x-forwarded-for': REMOTE },
      body: JSON.stringify({ subdomain: account.subdomain, txt: txtValue('spoofed') }),
    });
    expect(spoofed.status, spoofed.text).toBe(401);
    expect(await bind.txt(account.fulldomain)).toEqual([value]);
  }, 120_000);

  it('does not expose the admin API, /ui, /metrics or the probes, which the daemon still serves on loopback', async () => {
    const bearer = { authorization: `Bearer ${daemon.adminToken}` };
    for (const path of ['/api/v1/dns-providers', '/api/v1/openapi.json', '/api/v1/client-tokens', '/ui', '/ui/', '/metrics', '/health', '/ready', '/']) {
      const res = await site(path, { headers: bearer });
      expect(res.status, `${path} through the site: ${res.text}`).toBe(404);
    }
    const post = await site('/api/v1/dns-providers', { method: 'POST', headers: bearer, body: '{}' });
    expect(post.status).toBe(404);
    // Paths that climb out of an exposed prefix: Caddy matches the cleaned path, the daemon routes the raw one.
    for (const path of ['/internal/dns-challenge/../../api/v1/dns-providers', '/acme-dns/update/../../api/v1/dns-providers',
      '/internal/dns-challenge/%2e%2e/%2e%2e/api/v1/dns-providers', '/internal/dns-challenge/..%2f..%2fapi/v1/dns-providers']) {
      const res = await site(path, { headers: bearer });
      expect(res.status, `${path}: ${res.text}`).not.toBe(200);
      expect(res.text).not.toContain('rfc2136-bind');
    }

    const local = (path: string) => fetch(`${daemon.url}${path}`, { headers: bearer, redirect: 'manual' });
    expect((await local('/api/v1/dns-providers')).status).toBe(200);
    expect((await local('/metrics')).status).toBe(200);
    expect((await local('/health')).status).toBe(200);
    expect((await local('/ui')).status).not.toBe(404);
  });

  it('refuses a body over 64 KiB', async () => {
    const res = await site('/internal/dns-challenge/present', {
      method: 'POST', headers: { authorization: `Bearer ${daemon.internalToken}` },
      body: JSON.stringify({ fqdn: `_acme-challenge.${ZONE}.`, value: 'x'.repeat(70 * 1024) }),
    });
    // The daemon's 413 when it answered the Content-Length first, else Caddy's 502 for the body it cut off.
    expect([413, 502], res.text).toContain(res.status);
    if (res.status === 413) expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    // Just under the limit goes through to the daemon, which answers for itself.
    const under = await site('/internal/dns-challenge/present', {
      method: 'POST', headers: { authorization: `Bearer ${daemon.internalToken}` },
      body: JSON.stringify({ fqdn: `_acme-challenge.${ZONE}.`, value: 'x'.repeat(60 * 1024) }),
    });
    expect(under.status, under.text).toBe(400);
    expect(JSON.parse(under.text)).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
  });

  it('opens /api/v1 and /ui to the listed addresses only once the opt-in block is uncommented', async () => {
    const text = await shippedSite();
    const optIn = /^\t# @admin \{\n(?:\t# .*\n)*?\t# \}\n\t# handle @admin \{\n(?:\t# .*\n)*?\t# \}\n/m.exec(text);
    expect(optIn, 'the commented opt-in block').not.toBeNull();
    const routes = async (caddyfile: string) => JSON.stringify(await adaptCaddyfile(caddyBinary, caddyfile));
    const before = await routes(text);
    expect(before).not.toContain('/api/v1');
    const after = await routes(text.replace(optIn![0], optIn![0].replace(/^\t# /gm, '\t')));
    expect(after).toContain('"path":["/api/v1/*","/ui","/ui/*"],"remote_ip":{"ranges":["192.0.2.0/24"]}');
  });

  it('keeps every token and key out of Caddy\'s log, which has an access line per request', () => {
    const log = caddy.fullOutput();
    const access = log.split('\n').filter((line) => line.includes('"logger":"http.log.access'));
    expect(access.some((line) => line.includes('"uri":"/internal/dns-challenge/present"')), log.slice(-3000)).toBe(true);
    expect(access.some((line) => line.includes('"uri":"/acme-dns/update"'))).toBe(true);
    // Authorization is logged emptied; the acme-dns key header is dropped by the file's log filter.
    expect(access.some((line) => line.includes('"Authorization":[]'))).toBe(true);
    expect(access.some((line) => line.includes('"X-Api-User":['))).toBe(true);
    expect(log).not.toContain('X-Api-Key');
    expect(secrets).toHaveLength(7);
    for (const secret of secrets) expect(log).not.toContain(secret);
  });
});
