// PowerDNS Authoritative HTTP API plugin: adds and removes single TXT values by rewriting the RRset (a loadable example).
// Built by `npm run build:plugins` into ../powerdns.mjs, the one file the loader takes: edit this source, not that file.
// It imports nothing at run time (zod comes from the host; the imports below are types only and vanish).

import type { z as Zod } from 'zod';
import type { PluginContext, PluginFactory, ProviderPlugin, RecordRequest, TestResult } from 'dns01-proxy/plugin-api';

/** Bound on every HTTP call, on top of the daemon's own signal. */
const CALL_TIMEOUT_MS = 10_000;
/** Keeps the far side's error text short in messages and logs. */
const MAX_DETAIL = 200;

interface PdnsRecord {
  content: string;
  disabled: boolean;
}
interface PdnsRrset {
  name: string;
  type: string;
  ttl: number;
  records: PdnsRecord[];
}
interface PdnsZone {
  id: string;
  name: string;
  rrsets?: PdnsRrset[];
}

const lower = (name: string) => name.toLowerCase().replace(/\.$/, '');
/** PowerDNS names are absolute: they end in a dot. */
const absolute = (name: string) => `${lower(name)}.`;
/** PowerDNS keeps TXT content in zone-file form, so one value is one quoted string (ours never needs escapes). */
const quoted = (value: string) => `"${value}"`;

/** The URL without user info or query, fit for a message. */
function shown(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = '';
  return u.toString();
}

const factory: PluginFactory = ({ z }) => {
  const credentials = z.object({
    api_url: z.url({ protocol: /^https?$/ }).refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'put the key in api_key, not in the URL').meta({
      title: 'API URL',
      placeholder: 'http://127.0.0.1:8081',
      description: "The PowerDNS webserver's base URL, e.g. http://127.0.0.1:8081 (without /api/v1).",
    }),
    api_key: z.string().min(1).meta({ title: 'API key', secret: true, description: "The server's api-key setting; sent as X-API-Key." }),
    server_id: z.string().min(1).default('localhost').meta({ title: 'Server ID', description: 'Almost always "localhost".' }),
    zone: z.string().optional().meta({
      title: 'Zone',
      description: "The zone to write to; when empty, the zone the daemon found, else the longest zone on the server that holds the name.",
    }),
  });
  type Parsed = Zod.infer<typeof credentials>;

  async function api(c: Parsed, ctx: Pick<PluginContext, 'signal'>, method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${c.api_url.replace(/\/+$/, '')}/api/v1/servers/${encodeURIComponent(c.server_id)}${path}`;
    const where = `${method} ${shown(url)}`;
    // Whatever the far side echoes, the key never leaves in a message.
    const safe = (text: string) => text.split(c.api_key).join('***');
    let res: Response;
    let text: string;
    try {
      res = await fetch(url, {
        method,
        headers: { 'X-API-Key': c.api_key, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'error',
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(CALL_TIMEOUT_MS)]),
      });
      text = await res.text();
    } catch (err) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError') throw new Error(`PowerDNS did not answer ${where} within ${CALL_TIMEOUT_MS / 1000} s`);
      throw new Error(safe(`PowerDNS could not be reached (${where}): ${e.cause?.code ?? e.cause?.message ?? e.message}`));
    }
    if (!res.ok) {
      let detail = text;
      try {
        detail = String((JSON.parse(text) as { error?: unknown }).error ?? text);
      } catch { /* not JSON: keep the text */ }
      const hint = res.status === 401 ? ' (the API key was refused)' : res.status === 404 ? ' (no such server or zone)' : '';
      throw new Error(safe(`PowerDNS answered ${where} with HTTP ${res.status}${hint}: ${detail.trim().slice(0, MAX_DETAIL)}`));
    }
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`PowerDNS answered ${where} with something that is not JSON`);
    }
  }

  /** The zone's API id: the explicit zone, else the daemon's, else the longest zone on the server that holds the name. */
  async function zoneOf(c: Parsed, req: RecordRequest, ctx: PluginContext): Promise<string> {
    const fqdn = lower(req.fqdn);
    const holds = (zone: string) => fqdn === zone || fqdn.endsWith(`.${zone}`);
    // An empty zone from a form means none, as for the daemon's own explicit-zone rule.
    const given = c.zone || req.zone;
    if (given) {
      if (!holds(lower(given))) throw new Error(`${fqdn} is not inside the zone ${lower(given)}`);
      return absolute(given);
    }
    const zones = (await api(c, ctx, 'GET', '/zones')) as PdnsZone[];
    const best = zones
      .filter((zone) => holds(lower(zone.name)))
      .sort((a, b) => b.name.length - a.name.length)[0];
    if (!best) throw new Error(`no zone on PowerDNS server ${c.server_id} holds ${fqdn}`);
    return best.id;
  }

  async function readTxt(c: Parsed, zoneId: string, fqdn: string, ctx: PluginContext): Promise<PdnsRrset | undefined> {
    // rrset_name/rrset_type narrow the answer on PowerDNS 4.8+; older servers ignore them and send the whole zone.
    const query = `?rrset_name=${encodeURIComponent(absolute(fqdn))}&rrset_type=TXT`;
    const zone = (await api(c, ctx, 'GET', `/zones/${encodeURIComponent(zoneId)}${query}`)) as PdnsZone;
    return (zone.rrsets ?? []).find((r) => r.type === 'TXT' && lower(r.name) === lower(fqdn));
  }

  function writeTxt(c: Parsed, zoneId: string, fqdn: string, ttl: number, records: PdnsRecord[], ctx: PluginContext): Promise<unknown> {
    const rrset = records.length === 0
      ? { name: absolute(fqdn), type: 'TXT', changetype: 'DELETE' }
      : { name: absolute(fqdn), type: 'TXT', changetype: 'REPLACE', ttl, records };
    return api(c, ctx, 'PATCH', `/zones/${encodeURIComponent(zoneId)}`, { rrsets: [rrset] });
  }

  const plugin = {
    metadata: {
      type: 'powerdns',
      name: 'PowerDNS',
      description: 'PowerDNS Authoritative Server through its HTTP API: adds and removes single TXT values.',
      version: '1.0.0',
      author: 'dns01-proxy',
      documentationUrl: 'https://doc.powerdns.com/authoritative/http-api/',
      // The version this file was written against, not the host's: the loader refuses a mismatch.
      interfaceVersion: 1,
    },
    credentials,
    defaults: { propagationTimeout: 60, pollingInterval: 2, ttl: 60 },

    async test(c: Parsed, ctx: PluginContext): Promise<TestResult> {
      try {
        const server = (await api(c, ctx, 'GET', '')) as { daemon_type?: string; version?: string };
        if (c.zone) await api(c, ctx, 'GET', `/zones/${encodeURIComponent(absolute(c.zone))}?rrsets=false`);
        const zone = c.zone ? `, zone ${lower(c.zone)} found` : '';
        return { ok: true, message: `PowerDNS ${server.daemon_type ?? 'server'} ${server.version ?? ''} answered for server ${c.server_id}${zone}`.replace(/ {2,}/g, ' ') };
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        return { ok: false, message: (err as Error).message };
      }
    },

    // Read, then write the whole RRset: safe because the daemon never runs two calls for one name at once (the
    // contract's guarantee, across replicas), so wildcard + apex cannot both read the old set.
    async present(c: Parsed, req: RecordRequest, ctx: PluginContext) {
      const zoneId = await zoneOf(c, req, ctx);
      const rrset = await readTxt(c, zoneId, req.fqdn, ctx);
      const records = rrset?.records ?? [];
      if (records.some((r) => r.content === quoted(req.value))) return { recordId: null };
      // One TTL per RRset: the lower of ours and what is there, so no resolver holds the set longer than we asked.
      const ttl = Math.min(req.ttl, rrset?.ttl ?? req.ttl);
      await writeTxt(c, zoneId, req.fqdn, ttl, [...records, { content: quoted(req.value), disabled: false }], ctx);
      return { recordId: null };
    },

    async cleanup(c: Parsed, req: RecordRequest, ctx: PluginContext) {
      const zoneId = await zoneOf(c, req, ctx);
      const rrset = await readTxt(c, zoneId, req.fqdn, ctx);
      if (!rrset) return;
      const rest = rrset.records.filter((r) => r.content !== quoted(req.value));
      if (rest.length === rrset.records.length) return;
      await writeTxt(c, zoneId, req.fqdn, rrset.ttl, rest, ctx);
    },
  } satisfies ProviderPlugin<Parsed>;
  return plugin;
};

export default factory;
