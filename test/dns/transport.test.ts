// A DNS server that is not listening is a network error (DNS_SERVER_ERROR), not a timeout: the ICMP port-unreachable counts.
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import { DnsTimeoutError, exchange } from '../../src/dns/transport.js';
import { rfc2136 } from '../../src/plugins/rfc2136/index.js';
import { freeDnsPort } from '../support/ports.js';

describe('DNS transport to a closed UDP port', () => {
  it('fails with ECONNREFUSED, not a timeout', async () => {
    const port = await freeDnsPort();
    const msg = randomBytes(20);
    // A timeout long enough that only the refusal can end the call while the test runs.
    const err = await exchange({ host: '127.0.0.1', port }, msg, { timeoutMs: 600_000, retries: 0 }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(DnsTimeoutError);
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('rfc2136 present reports DNS_SERVER_ERROR (502)', async () => {
    const port = await freeDnsPort();
    const creds = rfc2136.credentials.parse({
      nameserver: '127.0.0.1', port, tsig_key_name: 'acme', tsig_key_secret: randomBytes(32).toString('base64'), zone: 'example.test',
    });
    const ctx = { log: pino({ level: 'silent' }), settings: { allowPrivateWebhooks: false, scriptsDir: '/tmp' }, signal: new AbortController().signal };
    const err = await rfc2136
      .present(creds, { challengeId: 'c1', fqdn: '_acme-challenge.example.test', domain: 'example.test', value: 'v'.repeat(43), ttl: 60, zone: 'example.test' }, ctx)
      .catch((e: unknown) => e);
    expect(isAppError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'DNS_SERVER_ERROR', status: 502 });
    expect((err as Error).message).toContain('ECONNREFUSED');
  });
});
