// Each built-in plugin says, at the cause, whether a failure refuses one request (AppError `refusal`) or says the provider is unhealthy.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { PluginContext, RecordRequest } from '../../src/plugin-api/index.js';
import { rfc2136 } from '../../src/plugins/rfc2136/index.js';
import { scriptCredentials, scriptPlugin } from '../../src/plugins/script/index.js';
import { freeDnsPort } from '../support/ports.js';
import { startBind, startKnot, type RunningDnsServer } from '../support/dns-servers/index.js';

const ZONE = 'example.test';
const GRANTED = `_acme-challenge.granted.${ZONE}`;
const key = { name: 'acme', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };

let scriptsDir = '/tmp';
const ctx = (): PluginContext => ({ log: pino({ level: 'silent' }), settings: { allowPrivateWebhooks: true, scriptsDir }, signal: new AbortController().signal });
const req = (fqdn: string, value = 'refusal-test-value'): RecordRequest => ({ challengeId: `c-${fqdn}`, fqdn, domain: fqdn.replace(/^_acme-challenge\./, ''), value, ttl: 60 });

/** The failure's code, whether it is a refusal, and the details a test names; throws when the call succeeded. */
async function failure(p: Promise<unknown>): Promise<{ code: string; delivery: string; details: Record<string, unknown> | undefined }> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!isAppError(err)) throw new Error(`expected an AppError, got ${String(err)}`);
  return { code: err.code, delivery: err.delivery, details: err.details };
}

describe.each([
  ['BIND', startBind],
  ['Knot', startKnot],
] as const)('rfc2136 against %s granting one name', (label, start) => {
  let srv: RunningDnsServer;
  beforeAll(async () => {
    srv = await start({ zones: [ZONE], tsigKeys: [key], grantNames: [GRANTED] });
  });
  afterAll(async () => {
    await srv?.stop();
  });
  const creds = (over: Record<string, unknown> = {}) => rfc2136.credentials.parse({
    nameserver: srv.host, port: srv.port, tsig_key_name: key.name, tsig_key_secret: key.secret, zone: ZONE, ...over,
  });

  it('adds and removes the granted name', async () => {
    await rfc2136.present(creds(), req(GRANTED), ctx());
    expect(await srv.txt(GRANTED)).toEqual(['refusal-test-value']);
    await rfc2136.cleanup(creds(), req(GRANTED), ctx());
    expect(await srv.txt(GRANTED)).toEqual([]);
  });

  it('a name the policy does not grant is DNS_UPDATE_REFUSED, a refusal (for present and cleanup)', async () => {
    const denied = `_acme-challenge.denied.${ZONE}`;
    // BIND answers a signed REFUSED; Knot a NOTAUTH with BADKEY, as for an unknown key, which a no-op update tells apart.
    const reason = label === 'BIND' ? { rcode: 'REFUSED' } : { rcode: 'NOTAUTH', reason: 'DENIED' };
    expect(await failure(rfc2136.present(creds(), req(denied), ctx()))).toMatchObject({ code: 'DNS_UPDATE_REFUSED', delivery: 'refused', details: reason });
    expect(await failure(rfc2136.cleanup(creds(), req(denied), ctx()))).toMatchObject({ code: 'DNS_UPDATE_REFUSED', delivery: 'refused', details: reason });
  });

  it('a name outside the zone is a refusal', async () => {
    // BIND answers NOTZONE; Knot's owner ACL answers first, with its NOTAUTH, BADKEY.
    const code = label === 'BIND' ? 'DNS_ZONE_NOT_FOUND' : 'DNS_UPDATE_REFUSED';
    expect(await failure(rfc2136.present(creds(), req('_acme-challenge.elsewhere.invalid'), ctx()))).toMatchObject({ code, delivery: 'refused' });
  });

  it('a key the server does not know, or a wrong secret, fails every name alike: not a refusal', async () => {
    const unknown = await failure(rfc2136.present(creds({ tsig_key_name: 'nobody' }), req(GRANTED), ctx()));
    expect(unknown).toMatchObject({ code: 'TSIG_AUTH_FAILED', delivery: 'not_sent', details: { reason: 'BADKEY' } });
    const wrong = await failure(rfc2136.present(creds({ tsig_key_secret: randomBytes(32).toString('base64') }), req(GRANTED), ctx()));
    expect(wrong).toMatchObject({ code: 'TSIG_AUTH_FAILED', delivery: 'not_sent', details: { reason: 'BADSIG' } });
  });
});

it('rfc2136: a closed port is DNS_SERVER_ERROR, not a refusal', async () => {
  const port = await freeDnsPort();
  const creds = rfc2136.credentials.parse({ nameserver: '127.0.0.1', port, tsig_key_name: key.name, tsig_key_secret: key.secret, zone: ZONE });
  expect(await failure(rfc2136.present(creds, req(GRANTED), ctx()))).toMatchObject({ code: 'DNS_SERVER_ERROR', delivery: 'not_sent' });
});

describe('script exit statuses', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dns01-refusal-'));
    await chmod(root, 0o755); // uid 65534 (a root daemon's scripts) must get through
    scriptsDir = join(root, 'scripts');
    await mkdir(scriptsDir, { mode: 0o755 });
    await writeFile(join(scriptsDir, 'exit.sh'), '#!/bin/sh\nexit "$EXIT_WITH"\n', { mode: 0o755 });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    [65, 'refused'],
    [77, 'refused'],
    [1, 'not_sent'],
    [2, 'not_sent'],
    [75, 'not_sent'],
  ])('exit %i: SCRIPT_FAILED, delivery %s', async (code, delivery) => {
    const creds = scriptCredentials.parse({ script_path: 'exit.sh', env_vars: { EXIT_WITH: String(code) } });
    expect(await failure(scriptPlugin.present(creds, req(GRANTED), ctx()))).toMatchObject({ code: 'SCRIPT_FAILED', delivery, details: { exitCode: code } });
  });
});
