// A private zone on BIND that the machine's resolver does not know. The daemon, started as a process with no resolver
// setting, says at start which resolvers it asks (the system's, from /etc/resolv.conf) and names them and
// DNS01_DNS_RESOLVERS in every failed check: last_check, the manual verify, the CLI, a provider test's zone_check.
// With DNS01_DNS_RESOLVERS at BIND the same checks succeed. /etc/resolv.conf is only read, never changed.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { challengeDetailReplySchema } from '../../src/http/wire/challenges.js';
import { testReplySchema } from '../../src/http/wire/providers.js';
import { rfc2136ProviderCredentials } from '../support/acme-rig.js';
import { txtValue } from '../support/daemon.js';
import { startDaemonProcess, type DaemonProcess } from '../support/daemon-process.js';
import { startBind, type RunningDnsServer } from '../support/dns-servers/index.js';

const REPO = resolve(import.meta.dirname, '../..');
const ZONE = 'corp.internal';
const KEY = { name: 'private-zone', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };

/** What the daemon reads: the first nameserver of the machine's resolv.conf, else glibc's 127.0.0.1. */
function systemResolver(): { address: string; source: string } {
  let text = '';
  try {
    text = readFileSync('/etc/resolv.conf', 'utf8');
  } catch { /* none */ }
  const first = text.split('\n').map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1]).find(Boolean);
  const host = first ?? '127.0.0.1';
  return { address: host.includes(':') ? `[${host}]:53` : `${host}:53`, source: first ? 'system, /etc/resolv.conf' : 'default: /etc/resolv.conf names no nameserver' };
}

interface LastCheck { visible: boolean; resolver?: string; error?: string; servers: { server: string; seen: boolean }[] }

/** The start-up line naming the resolvers, parsed from the process's pino output. */
function resolverLine(p: DaemonProcess): Record<string, unknown> & { msg: string } {
  const line = p.output().split('\n').find((l) => l.includes('"DNS checks ask resolvers'));
  expect(line, p.output().slice(-3000)).toBeDefined();
  return JSON.parse(line!) as Record<string, unknown> & { msg: string };
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** Waits until the background checker has looked at the challenge (and, with `until`, until that holds). */
async function lastCheck(p: DaemonProcess, id: string, until: (c: LastCheck) => boolean = () => true): Promise<LastCheck> {
  for (let i = 0; i < 600; i++) {
    const { challenge } = challengeDetailReplySchema.parse(await json(await p.admin(`/challenges/${id}`)));
    if (challenge.last_check && until(challenge.last_check)) return challenge.last_check;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no matching check of ${id}`);
}

function cli(p: DaemonProcess, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--url', p.url], {
      cwd: REPO, env: { PATH: process.env.PATH ?? '', DNS01_ADMIN_TOKEN: p.adminToken }, timeout: 60_000,
    }, (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

/** The operator page's "Check DNS now" on a challenge, as a browser's form posts would do it; returns the page it lands on. */
async function checkDnsNow(p: DaemonProcess, id: string): Promise<string> {
  const form = (fields: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', origin: p.url, body: new URLSearchParams(fields).toString() });
  const post = (path: string, fields: Record<string, string>, cookie = '') => {
    const { body, ...headers } = form(fields);
    return fetch(`${p.url}${path}`, { method: 'POST', redirect: 'manual', headers: { ...headers, cookie }, body });
  };
  const login = await post('/ui/login', { token: p.adminToken, next: '/ui/challenges' });
  expect(login.status).toBe(303);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const page = await (await fetch(`${p.url}/ui/challenges/${id}`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  expect(csrf).toBeDefined();
  const checked = await post(`/ui/challenges/${id}/check`, { csrf: csrf! }, cookie);
  expect(checked.headers.get('location')).toBe(`/ui/challenges/${id}?result=check_failed`);
  return (await fetch(`${p.url}${checked.headers.get('location')}`, { headers: { cookie } })).text();
}

describe('a private zone the system resolver does not know', () => {
  let bind: RunningDnsServer;
  let proc: DaemonProcess | undefined;

  beforeAll(async () => {
    bind = await startBind({ zones: [ZONE], tsigKeys: [KEY] });
  });
  afterAll(async () => {
    await proc?.stop();
    await bind?.stop();
  });

  /** The daemon with one rfc2136 provider for BIND (its credentials name the zone) and one manual provider. */
  const start = async (env: Record<string, string>) => {
    await proc?.stop();
    proc = await startDaemonProcess({ env: { DNS01_DNS_AUTH_PORT: String(bind.port), ...env } });
    const rfc2136 = await proc.addProvider({ name: 'bind', provider_type: 'rfc2136', credentials: rfc2136ProviderCredentials(bind, KEY, ZONE), polling_interval: 1 });
    const manual = await proc.addProvider({ name: 'by hand', provider_type: 'manual', credentials: {} });
    return { p: proc, rfc2136, manual };
  };
  const create = async (p: DaemonProcess, provider: string, fqdn: string, value: string) => {
    const res = await p.internal('/create', { body: { provider_id: provider, fqdn, value } });
    const body = await json<{ challenge_id: string; status: string }>(res);
    expect(res.status, JSON.stringify(body)).toBe(201);
    return body.challenge_id;
  };
  // Read through the reply schema the OpenAPI document publishes: zone_check is in it.
  const test = async (p: DaemonProcess, provider: string) => testReplySchema.parse(await json(await p.admin(`/dns-providers/${provider}/test`, { method: 'POST' })));
  const verify = async (p: DaemonProcess, manual: string, id: string) =>
    json<{ success: boolean; message?: string; error?: { code: string; message: string } }>(await p.admin(`/dns-providers/${manual}/manual-challenge/${id}/verify`, { method: 'POST' }));

  it('with no resolver setting: the start-up line, last_check, the manual verify, the CLI and the provider test name the system resolver and DNS01_DNS_RESOLVERS', { timeout: 180_000 }, async () => {
    const sys = systemResolver();
    const named = `${sys.address} (${sys.source})`;
    const { p, rfc2136, manual } = await start({});

    const line = resolverLine(p);
    expect(line).toMatchObject({ resolvers: [sys.address], resolverSource: sys.source.startsWith('system') ? 'system' : 'default', resolvConf: '/etc/resolv.conf', authPort: bind.port });
    expect(line.msg).toContain(`resolvers ${named}`);
    expect(line.msg).toContain(`authoritative servers on port ${bind.port} (DNS01_DNS_AUTH_PORT)`);
    expect(line.msg).toContain('DNS01_DNS_RESOLVERS');

    // The provider writes its own server fine; its zone is not found through the checker's resolvers.
    const tested = await test(p, rfc2136);
    expect(tested.result).toMatchObject({ tested: true, ok: true });
    expect(tested.zone_check).toMatchObject({ ok: false, resolver: named });
    expect(tested.zone_check!.message).toContain(`no SOA found at ${ZONE}`);
    expect(tested.zone_check!.message).toContain('set DNS01_DNS_RESOLVERS');

    const fqdn = `_acme-challenge.www.${ZONE}`;
    const value = txtValue('private-zone');
    const id = await create(p, rfc2136, fqdn, value);
    expect(await bind.txt(fqdn)).toContain(value);
    const check = await lastCheck(p, id);
    expect(check).toMatchObject({ visible: false, servers: [], resolver: named });
    expect(check.error).toBe(`no zone found for ${fqdn}: asked resolvers ${named}; set DNS01_DNS_RESOLVERS to a server that serves internal zones`);

    const shown = await cli(p, ['challenges', 'show', id]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(check.error);
    expect(shown.stdout).toMatch(new RegExp(`resolvers asked +${named.replace(/[.()[\]]/g, '\\$&')}`));

    const byHand = await create(p, manual, fqdn, value);
    const v = await verify(p, manual, byHand);
    expect(v).toMatchObject({ success: false, error: { code: 'DNS_NOT_PROPAGATED' } });
    expect(v.error!.message).toBe(`could not check ${fqdn}: ${check.error}`);
    // The page's "Check DNS now": the reason, from the row, after the fixed text.
    expect(await checkDnsNow(p, byHand)).toContain(`The check could not be made (no zone found, or no authoritative server answered). The daemon keeps trying. ${check.error}`);
  });

  it('with DNS01_DNS_RESOLVERS at BIND: the same checks succeed and name the setting', { timeout: 180_000 }, async () => {
    const at = `127.0.0.1:${bind.port}`;
    const { p, rfc2136, manual } = await start({ DNS01_DNS_RESOLVERS: at });
    const line = resolverLine(p);
    expect(line).toMatchObject({ resolvers: [at], resolverSource: 'DNS01_DNS_RESOLVERS', authPort: bind.port });
    expect(line).not.toHaveProperty('resolvConf');
    expect(line.msg).toContain(`resolvers ${at} (DNS01_DNS_RESOLVERS)`);

    expect((await test(p, rfc2136)).zone_check).toEqual({ ok: true, resolver: `${at} (DNS01_DNS_RESOLVERS)`, message: `zone ${ZONE} found through ${at} (DNS01_DNS_RESOLVERS)` });

    const fqdn = `_acme-challenge.app.${ZONE}`;
    const value = txtValue('private-zone-set');
    const id = await create(p, rfc2136, fqdn, value);
    const check = await lastCheck(p, id, (c) => c.visible);
    expect(check).toMatchObject({ visible: true, resolver: `${at} (DNS01_DNS_RESOLVERS)`, servers: [{ server: at, seen: true }] });
    expect(check.error).toBeUndefined();

    // The value the rfc2136 provider wrote is what the manual challenge asks for: found.
    const byHand = await create(p, manual, fqdn, value);
    expect(await verify(p, manual, byHand)).toMatchObject({ success: true, message: 'TXT record verified successfully' });
  });
});
