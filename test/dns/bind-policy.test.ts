// A BIND whose update-policy grants one name only (REFUSED mapping), forwarding another zone to Knot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { rfc2136 } from '../../src/plugins/rfc2136/index.js';
import { isAppError } from '../../src/errors.js';
import { txtValues } from '../../src/dns/lookup.js';
import { startBind, startKnot, type RunningDnsServer } from '../support/dns-servers/index.js';

const ctx = { log: pino({ level: 'silent' }), settings: { allowPrivateWebhooks: true, scriptsDir: '/tmp' }, signal: new AbortController().signal };
const key = { name: 'acme', algorithm: 'hmac-sha256' as const, secret: randomBytes(32).toString('base64') };

describe('BIND policy and forwarding', () => {
  let bind: RunningDnsServer;
  let knot: RunningDnsServer;
  beforeAll(async () => {
    knot = await startKnot({ zones: ['elsewhere.test'], tsigKeys: [key], records: { 'elsewhere.test': ['_acme-challenge TXT "on-knot"'] } });
    bind = await startBind({
      zones: ['example.test'], tsigKeys: [key], grantNames: ['_acme-challenge.allowed.example.test'],
      forwardZones: [{ zone: 'elsewhere.test', server: knot }],
    });
  }, 30_000);
  afterAll(async () => { await bind?.stop(); await knot?.stop(); });

  const creds = () => rfc2136.credentials.parse({
    nameserver: '127.0.0.1', port: bind.port, tsig_key_name: key.name, tsig_key_secret: key.secret, zone: 'example.test',
  });
  const request = (fqdn: string) => ({ challengeId: 'c1', fqdn, domain: 'x', value: 'policy-value', ttl: 60 });

  it('updates a granted name', async () => {
    await rfc2136.present(creds(), request('_acme-challenge.allowed.example.test'), ctx);
    expect(await bind.txt('_acme-challenge.allowed.example.test')).toEqual(['policy-value']);
    await rfc2136.cleanup(creds(), request('_acme-challenge.allowed.example.test'), ctx);
  });

  it('maps a policy denial to DNS_UPDATE_REFUSED', async () => {
    const err = await rfc2136.present(creds(), request('_acme-challenge.denied.example.test'), ctx).then(() => null, (e: unknown) => e);
    expect(isAppError(err) && { code: err.code, rcode: err.details?.rcode }).toEqual({ code: 'DNS_UPDATE_REFUSED', rcode: 'REFUSED' });
  });

  it('answers a forwarded zone from the other server', async () => {
    expect(await txtValues('_acme-challenge.elsewhere.test', bind, { recursionDesired: true })).toEqual(['on-knot']);
  });
});
