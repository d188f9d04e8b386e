// Test peers that write TXT records into a real DNS server by signed DNS UPDATE: a helper, and a webhook endpoint using it.
import { createServer, type IncomingMessage } from 'node:http';
import { normaliseName } from '../../src/dns/names.js';
import { followCname } from '../../src/dns/lookup.js';
import { signMessage } from '../../src/dns/tsig.js';
import { exchange, type DnsServer } from '../../src/dns/transport.js';
import { buildUpdate } from '../../src/dns/update.js';
import type { TestTsigKey } from '../support/dns-servers/index.js';

/** Adds or deletes exactly one TXT value, outside the daemon; throws unless the server answers NOERROR. */
export async function updateTxt(server: DnsServer, key: TestTsigKey, zone: string, op: 'add' | 'delete', name: string, value: string): Promise<void> {
  const msg = buildUpdate({ zone, updates: [op === 'add' ? { op, name, value, ttl: 60 } : { op, name, value }] });
  const signed = signMessage(msg, { name: key.name, algorithm: key.algorithm, secret: Buffer.from(key.secret, 'base64') });
  const res = await exchange(server, signed.message, { timeoutMs: 3000, retries: 1 });
  if (res.packet.rcode !== 'NOERROR') throw new Error(`update ${op} ${name} in ${zone}: ${res.packet.rcode}`);
}

/** The zone (of `zones`) holding `name`: the longest suffix match. */
export function zoneOf(name: string, zones: string[]): string {
  const n = normaliseName(name);
  const zone = zones.filter((z) => n === z || n.endsWith(`.${z}`)).sort((a, b) => b.length - a.length)[0];
  if (!zone) throw new Error(`${n} is in none of ${zones.join(', ')}`);
  return zone;
}

export interface DnsWebhookOptions {
  server: DnsServer;
  key: TestTsigKey;
  zones: string[];
  /** The exact Authorization header required; anything else is answered 401, as a real API would. */
  authorization: string;
  /** false: answer success but write nothing (a far side that lies, or a record that never lands). */
  write?: () => boolean;
}

export interface DnsWebhook {
  url: string;
  /** Bodies of the calls that passed the auth check. */
  calls: Record<string, unknown>[];
  stop(): Promise<void>;
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      } catch (err) {
        reject(err as Error);
      }
    });
    req.on('error', reject);
  });
}

/**
 * An operator's webhook endpoint: checks its auth header, follows a CNAME on the name (as a DNS API that knows
 * about delegated `_acme-challenge` names would), and adds or deletes exactly the given value.
 */
export async function startDnsWebhook(opts: DnsWebhookOptions): Promise<DnsWebhook> {
  const calls: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      if (req.headers.authorization !== opts.authorization) return reply(401, { success: false, message: 'bad credentials' });
      const body = await readJson(req);
      calls.push(body);
      const action = body.action;
      if (action === 'test') return reply(200, { success: true, message: 'ok' });
      if (action !== 'create' && action !== 'delete') return reply(400, { success: false, message: 'unknown action' });
      if (opts.write?.() !== false) {
        const target = await followCname(String(body.fqdn), opts.server, { recursionDesired: false, timeoutMs: 2000 });
        await updateTxt(opts.server, opts.key, zoneOf(target, opts.zones), action === 'create' ? 'add' : 'delete', target, String(body.value));
      }
      return reply(200, { success: true, message: `${action} ok`, record_id: `rec-${String(body.value).slice(0, 8)}` });
    })().catch((err: unknown) => reply(500, { success: false, message: (err as Error).message }));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    calls,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
