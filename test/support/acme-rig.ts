// Shared pieces of the end-to-end issuance tests: lego (httpreq) -> daemon -> provider -> real DNS, judged by Pebble.
import { randomBytes, X509Certificate } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { challenges, type ChallengeRow } from '../../src/db/schema.js';
import { query } from '../../src/dns/lookup.js';
import { normaliseName } from '../../src/dns/names.js';
import { addTxtUpdate, deleteTxtUpdate } from '../../src/dns/update.js';
import { checkUpdateRcode, sendSigned } from '../../src/plugins/rfc2136/client.js';
import { rfc2136Credentials } from '../../src/plugins/rfc2136/credentials.js';
import type { TestDaemon } from './daemon.js';
import type { RunningDnsServer, TestTsigKey } from './dns-servers/index.js';
import { runLego, type LegoResult } from './lego.js';
import type { Pebble } from './pebble.js';
import type { WebhookHandler } from './webhook-receiver.js';

export const ZONE = 'example.test';
/** Wildcard + apex: two values on `_acme-challenge.example.test` at the same time. */
export const ORDER = [`*.${ZONE}`, ZONE];
export const CHALLENGE_NAME = `_acme-challenge.${ZONE}`;

export type LegoMode = 'default' | 'raw';

/** A fresh hmac-sha256 key (what every backend here is set up with). */
export function tsigKey(name = 'acme-e2e'): TestTsigKey {
  return { name, algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') };
}

/** Admin API credentials of an rfc2136 provider for one running server; zone omitted = found by SOA walk. */
export function rfc2136ProviderCredentials(server: RunningDnsServer, key: TestTsigKey, zone?: string): Record<string, unknown> {
  return {
    nameserver: server.host, port: server.port,
    tsig_key_name: key.name, tsig_key_secret: key.secret, tsig_algorithm: key.algorithm,
    ...(zone ? { zone } : {}),
  };
}

export interface DnsWriter {
  add(fqdn: string, value: string, ttl: number): Promise<void>;
  remove(fqdn: string, value: string): Promise<void>;
}

/** Signed DNS UPDATEs of single TXT values (add one / delete exactly one), verified replies: src/dns, no nsupdate. */
export function dnsWriter(server: RunningDnsServer, key: TestTsigKey, zone = ZONE): DnsWriter {
  const creds = rfc2136Credentials.parse(rfc2136ProviderCredentials(server, key, zone));
  const send = async (msg: Buffer) => checkUpdateRcode(await sendSigned(creds, zone, msg), creds, zone);
  return {
    add: (fqdn, value, ttl) => send(addTxtUpdate(zone, normaliseName(fqdn), value, ttl)),
    remove: (fqdn, value) => send(deleteTxtUpdate(zone, normaliseName(fqdn), value)),
  };
}

export interface DnsWebhook {
  handler: WebhookHandler;
  /** Largest number of TXT values seen at the name right after a create (2 for wildcard + apex at once). */
  maxValuesAtOnce(): number;
  /** Values the far side was asked to create / delete, in call order. */
  created: string[];
  deleted: string[];
}

/**
 * An operator's webhook endpoint backed by a real DNS server: create adds the value, delete removes exactly
 * that value (checked against the record_id it handed out), each with a signed UPDATE.
 */
export function dnsWebhook(server: RunningDnsServer, writer: DnsWriter): DnsWebhook {
  const ids = new Map<string, string>();
  const created: string[] = [];
  const deleted: string[] = [];
  let max = 0;
  let n = 0;
  const handler: WebhookHandler = async (body) => {
    const { action, fqdn, value, ttl } = body as { action: string; fqdn: string; value: string; ttl: number };
    if (action === 'create') {
      await writer.add(fqdn, value, ttl);
      max = Math.max(max, (await server.txt(fqdn)).length);
      const id = `rec-${++n}`;
      ids.set(id, value);
      created.push(value);
      return { success: true, message: 'created', record_id: id };
    }
    if (action === 'delete') {
      const rid = (body as { record_id?: string }).record_id;
      if (rid && ids.get(rid) !== value) return { success: false, message: `record ${rid} does not hold that value` };
      await writer.remove(fqdn, value);
      deleted.push(value);
      return { success: true, message: 'deleted', record_id: rid ?? null };
    }
    return { success: false, message: `unknown action ${action}` };
  };
  return { handler, maxValuesAtOnce: () => max, created, deleted };
}

export interface IssueOptions {
  daemon: TestDaemon;
  pebble: Pebble;
  /** Put into the endpoint path; without it the daemon picks the provider (site, else default). */
  providerId?: string;
  /** `host:port` lego asks for SOA lookups: an authoritative server of the zone. */
  dnsResolver: string;
  mode: LegoMode;
  domains?: string[];
  /** The basic-auth password (default the shared internal token), e.g. a client token. */
  password?: string;
}

/** One `lego run` with the httpreq provider pointed at the daemon's internal API. */
export function issueWithLego(o: IssueOptions): Promise<LegoResult> {
  const base = `${o.daemon.url}/internal/dns-challenge${o.providerId ? `/providers/${o.providerId}` : ''}`;
  return runLego({
    directoryUrl: o.pebble.directoryUrl,
    caCertPath: o.pebble.caCertPath,
    email: 'e2e@example.test',
    domains: o.domains ?? ORDER,
    dnsResolver: o.dnsResolver,
    provider: 'httpreq',
    env: {
      HTTPREQ_ENDPOINT: base,
      HTTPREQ_USERNAME: 'caddy',
      HTTPREQ_PASSWORD: o.password ?? o.daemon.internalToken,
      ...(o.mode === 'raw' ? { HTTPREQ_MODE: 'RAW' } : {}),
    },
  });
}

/** Why lego failed, with the daemon's last log lines, for an assertion message. */
export function legoFailure(r: LegoResult, daemon: TestDaemon, extra = ''): string {
  return `lego exit ${r.code}${r.timedOut ? ' (timed out)' : ''}:\n${r.stderr.slice(-5000)}\ndaemon:\n${daemon.logs().slice(-4000)}\n${extra}`;
}

/** The leaf certificate of lego's bundle, checked to chain to Pebble's root; returns its sorted DNS SANs. */
export async function issuedSans(certPem: string, pebble: Pebble): Promise<string[]> {
  const [leafPem, intermediatePem] = certPem.split(/(?<=-----END CERTIFICATE-----\n?)/).filter((s) => s.trim());
  const leaf = new X509Certificate(leafPem!);
  const intermediate = new X509Certificate(intermediatePem!);
  if (!leaf.checkIssued(intermediate) || !intermediate.verify(new X509Certificate(await pebble.rootsPem()).publicKey)) {
    throw new Error('issued certificate does not chain to Pebble\'s root');
  }
  return (leaf.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4)).sort();
}

/** Every challenge row of one provider, oldest first. */
export async function challengeRows(daemon: TestDaemon, providerId: string): Promise<ChallengeRow[]> {
  const rows = await daemon.daemon.database.db.select().from(challenges).where(eq(challenges.providerId, providerId));
  return rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

/** After a wildcard + apex issuance: two challenges with distinct values, both finished cleanly with their records removed. */
export async function expectTwoCleanChallenges(daemon: TestDaemon, providerId: string, fqdn: string): Promise<void> {
  const rows = await challengeRows(daemon, providerId);
  expect(rows).toHaveLength(2);
  expect(new Set(rows.map((r) => r.value)).size).toBe(2);
  for (const row of rows) {
    expect(['VERIFIED', 'DELETED'], `row ${row.id}: ${row.status} ${row.error ?? ''}`).toContain(row.status);
    expect(row.recordState).toBe('removed');
    expect(row.fqdn).toBe(fqdn);
    expect(row.error).toBeNull();
  }
}

/**
 * What remains at the challenge name: the TXT values and the rcode of a TXT query (NXDOMAIN = no record of
 * any type left at that name, i.e. the daemon took away only what it added and nothing stayed behind).
 */
export async function leftovers(server: RunningDnsServer, name = CHALLENGE_NAME): Promise<{ txt: string[]; rcode: string }> {
  const res = await query(name, 'TXT', server, { recursionDesired: false, timeoutMs: 2000 });
  return { txt: await server.txt(name), rcode: res.packet.rcode ?? 'UNKNOWN' };
}
