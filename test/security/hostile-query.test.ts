// The hostile pass (issue #20): every admin and internal route the daemon's own OpenAPI document lists, every path and
// query parameter it names (and the string fields of a few JSON bodies), fed NUL and other control characters, broken
// UTF-8 escapes, overlong values, forged cursors, impossible dates and silly limits, with the right credential, on
// PostgreSQL and on PGlite. No answer may be a 5xx, and a parameter the daemon validates never answers 2xx to a value
// it cannot mean. The counts by status are printed (and asserted non-trivial) so a run shows what it covered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDaemon, txtValue, type TestDaemon } from '../support/daemon.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';

interface Parameter { name: string; in: 'path' | 'query'; schema?: { type?: string } }
interface Operation { parameters?: Parameter[]; security: Record<string, string[]>[]; requestBody?: { content: { 'application/json': { schema: JsonSchema } } } }
interface JsonSchema { type?: string; properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; items?: JsonSchema }

const UUID = '00000000-0000-4000-8000-000000000000';
const enc = encodeURIComponent;
const cursorOf = (text: string) => Buffer.from(text).toString('base64url');

/** What a value is meant to break; `text` values are fine as free text (a search for them is legitimate). */
type Kind = 'control' | 'encoding' | 'overlong' | 'empty' | 'text' | 'cursor' | 'date' | 'number';
interface Hostile { label: string; kind: Kind; /** Already percent-encoded, as it goes into the URL. */ url: string; /** The same in a JSON body. */ json: string }

const value = (label: string, kind: Kind, text: string, url = enc(text)): Hostile => ({ label, kind, url, json: text });
const HOSTILE: Hostile[] = [
  value('NUL', 'control', '\u0000'),
  value('NUL inside', 'control', 'ab\u0000cd'),
  value('SOH', 'control', '\u0001'),
  value('ESC sequence', 'control', '\u001b[31mred'),
  value('DEL', 'control', '\u007f'),
  value('C1 NEL', 'control', '\u0085'),
  value('CR LF', 'control', 'a\r\nb'),
  value('lone surrogate (UTF-8 escape)', 'encoding', '\ud800', '%ED%A0%80'),
  value('lone surrogate (%u escape)', 'encoding', '\udfff', '%uD800'),
  value('truncated UTF-8', 'encoding', '\ud83d', '%F0%9F'),
  value('bare percent', 'encoding', '%', '%'),
  value('10 kB', 'overlong', 'x'.repeat(10_000)),
  value('100 kB', 'overlong', 'x'.repeat(100_000)),
  value('empty', 'empty', ''),
  value('SQL', 'text', "'; drop table challenges; --"),
  value('LIKE pattern', 'text', '%_%'),
  value('forged cursor: 2026-13-45T25:61:61', 'cursor', cursorOf(`2026-13-45T25:61:61.000000Z|${UUID}`)),
  value('forged cursor: no fraction', 'cursor', cursorOf(`2026-13-45T25:61:61Z|${UUID}`)),
  value('forged cursor: Feb 30', 'cursor', cursorOf(`2026-02-30T00:00:00.000000Z|${UUID}`)),
  value('forged cursor: year 0', 'cursor', cursorOf(`0000-01-01T00:00:00.000000Z|${UUID}`)),
  value('forged cursor: year 99999', 'cursor', cursorOf(`99999-01-01T00:00:00.000000Z|${UUID}`)),
  value('forged cursor: comma', 'cursor', cursorOf(`2026-01-01T00:00:00.000000Z,${UUID}`)),
  value('forged cursor: three parts', 'cursor', cursorOf(`2026-01-01T00:00:00.000000Z|${UUID}|x`)),
  value('forged cursor: NUL id', 'cursor', cursorOf('2026-01-01T00:00:00.000000Z|\u0000')),
  value('forged cursor: huge id', 'cursor', cursorOf(`2026-01-01T00:00:00.000000Z|${'9'.repeat(400)}`)),
  value('forged cursor: not base64', 'cursor', '!!not*base64~~'),
  value('forged cursor: padded base64', 'cursor', `${Buffer.from(`2026-01-01T00:00:00.000000Z|${UUID}`).toString('base64')}==`),
  value('date Feb 30', 'date', '2026-02-30'),
  value('date-time 2026-13-45T25:61:61Z', 'date', '2026-13-45T25:61:61Z'),
  value('hour 24', 'date', '2026-01-01T24:00:00Z'),
  value('year 0', 'date', '0000-01-01'),
  value('offset +99:99', 'date', '2026-01-01T00:00:00+99:99'),
  value('negative', 'number', '-1'),
  value('NaN', 'number', 'NaN'),
  value('Infinity', 'number', 'Infinity'),
  value('huge number', 'number', '99999999999999999999999'),
  value('fraction', 'number', '2.5'),
  value('exponent', 'number', '1e2'),
  value('hex', 'number', '0x10'),
];

/** Values no free-text parameter may take (the daemon refuses them with 400 rather than searching for them). */
const BAD_TEXT: ReadonlySet<Kind> = new Set(['control', 'encoding', 'overlong', 'empty']);
/** Query parameters that are not free text: every hostile value is invalid for them. */
const STRICT_QUERY = new Set(['cursor', 'limit', 'from', 'to', 'created_after', 'created_before', 'status', 'category', 'outcome', 'format', 'force', 'wait']);

interface Finding { request: string; status: number | string; body: string }

describe.each(['postgres', 'pglite'] as const)('hostile pass over the OpenAPI document (%s)', (db) => {
  let d: TestDaemon;
  let hook: WebhookReceiver;
  let paths: Record<string, Record<string, Operation>>;
  const ids: Record<string, string> = {};
  const tally = new Map<string, number>();
  /** 5xx answers, and connections dropped for a value that is not overlong. */
  const broken: Finding[] = [];
  /** 2xx answers to a value the parameter cannot mean. */
  const accepted: string[] = [];
  /** JSON body fields that took a control character or broken text (reported, not asserted: body checks are the routes' own). */
  const bodyTook: string[] = [];

  beforeAll(async () => {
    hook = await startWebhookReceiver();
    d = await startTestDaemon({ db, audit: { flushIntervalMs: 20 } });
    paths = ((await (await fetch(`${d.url}/api/v1/openapi.json`)).json()) as { paths: typeof paths }).paths;
    ids.provider = await d.addProvider({ name: 'hook', provider_type: 'webhook', credentials: { create_url: hook.url }, is_default: true });
    ids.victim = await d.addProvider({ name: 'victim', provider_type: 'webhook', credentials: { create_url: hook.url } });
    ids.manual = await d.addProvider({ name: 'by hand', provider_type: 'manual', credentials: {} });
    ids.multi = await d.addProvider({ name: 'multi', provider_type: 'webhook', credentials: { create_url: hook.url } });
    expect((await d.admin(`/dns-providers/${ids.multi}`, { method: 'PUT', body: { use_multi_credentials: true } })).status).toBe(200);
    ids.credential = ((await (await d.admin(`/dns-providers/${ids.multi}/credentials`)).json()) as { credentials: { id: string }[] }).credentials[0]!.id;
    const create = async (provider: string, label: string) => {
      const res = await d.internal('/create', { body: { provider_id: provider, fqdn: `_acme-challenge.${label}.example.com`, value: txtValue(label) } });
      expect(res.status).toBe(201);
      return ((await res.json()) as { challenge_id: string }).challenge_id;
    };
    ids.challenge = await create(ids.provider, 'hostile');
    ids.manualChallenge = await create(ids.manual, 'by-hand');
    const site = await d.admin('/sites', { method: 'POST', body: { domain_names: ['site.example.com'], dns_provider_id: ids.provider } });
    ids.site = ((await site.json()) as { site: { id: string } }).site.id;
    const token = await d.admin('/client-tokens', { method: 'POST', body: { name: 'tok', allowed_domains: ['*.example.com'], allowed_cidrs: ['127.0.0.1/32'] } });
    ids.token = ((await token.json()) as { client_token: { id: string } }).client_token.id;
    await d.daemon.audit!.flush();
    ids.event = ((await (await d.admin('/audit-logs?limit=1')).json()) as { audit_logs: { id: string }[] }).audit_logs[0]!.id;
  });
  afterAll(async () => {
    await d?.stop();
    await hook?.stop();
  });

  /** A real value for each path parameter, so only the one under attack is hostile. */
  function realParam(path: string, method: string, name: string): string {
    if (name === 'providerId') return ids.provider!;
    if (name === 'type') return 'webhook';
    if (name === 'credId') return ids.credential!;
    if (name === 'challengeId') return ids.manualChallenge!;
    if (path.includes('/manual-challenge/')) return ids.manual!;
    if (path.includes('/credentials')) return ids.multi!;
    if (path.startsWith('/internal/dns-challenge/')) return ids.challenge!;
    if (path.startsWith('/api/v1/dns-providers/')) return method === 'delete' ? ids.victim! : ids.provider!;
    if (path.startsWith('/api/v1/sites/')) return ids.site!;
    if (path.startsWith('/api/v1/client-tokens/')) return ids.token!;
    if (path.startsWith('/api/v1/challenges/')) return ids.challenge!;
    if (path.startsWith('/api/v1/audit-logs/')) return ids.event!;
    return UUID;
  }

  /** A body each JSON route takes, whose string fields are then replaced one at a time. */
  function realBody(path: string): Record<string, unknown> | undefined {
    const fqdn = '_acme-challenge.body.example.com';
    if (path === '/internal/dns-challenge/create') return { provider_id: ids.provider, fqdn, value: txtValue('body') };
    if (/^\/internal\/dns-challenge\/(providers\/\{providerId\}\/)?(present|cleanup)$/.test(path)) return { fqdn, value: txtValue('body') };
    if (path === '/api/v1/dns-providers') return { name: 'body', provider_type: 'manual', credentials: {} };
    if (path === '/api/v1/dns-providers/{id}') return { name: 'renamed' };
    if (path === '/api/v1/dns-providers/{id}/credentials') return { label: 'body', zone_filter: 'example.com', credentials: { create_url: hook.url } };
    if (path === '/api/v1/dns-providers/{id}/credentials/{credId}') return { label: 'body' };
    if (path === '/api/v1/sites') return { domain_names: ['body.example.com'], dns_provider_id: ids.provider };
    if (path === '/api/v1/sites/{id}') return { domain_names: ['site.example.com'] };
    if (path === '/api/v1/client-tokens') return { name: 'body', allowed_domains: ['*.example.com'], allowed_cidrs: ['127.0.0.1/32'] };
    if (path === '/acme-dns/register') return { provider: ids.provider, allowfrom: ['127.0.0.1/32'] };
    // /dns-providers/detect asks public DNS about the name: not something to feed a thousand names offline.
    return undefined;
  }

  function credential(op: Operation): string | undefined {
    const schemes = op.security.flatMap((s) => Object.keys(s));
    if (schemes.includes('internalBearer')) return `Bearer ${d.internalToken}`;
    if (schemes.includes('adminBearer')) return `Bearer ${d.adminToken}`;
    return undefined;
  }

  async function send(request: string, url: string, auth: string, h: Hostile, body?: unknown): Promise<number> {
    const [method] = request.split(' ') as [string];
    try {
      const res = await fetch(`${d.url}${url}`, {
        method,
        headers: { authorization: auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      tally.set(String(res.status), (tally.get(String(res.status)) ?? 0) + 1);
      if (res.status >= 500) broken.push({ request, status: res.status, body: text.slice(0, 300) });
      return res.status;
    } catch (err) {
      // Node answers a request line over its header limit with 431 and may close before all of it is written.
      tally.set('connection closed', (tally.get('connection closed') ?? 0) + 1);
      if (h.kind !== 'overlong') broken.push({ request, status: 'connection closed', body: String((err as Error).cause ?? err) });
      return 0;
    }
  }

  const isOk = (status: number) => status >= 200 && status < 300;

  it('answers no 5xx to any hostile path parameter, query parameter or body field', async () => {
    let operations = 0;
    for (const [template, ops] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const auth = credential(op);
        if (!auth) continue;
        operations++;
        const params = op.parameters ?? [];
        const realPath = template.replace(/\{(\w+)\}/g, (_m, name: string) => enc(realParam(template, method, name)));
        const base = op.requestBody ? realBody(template) : undefined;
        const verb = method.toUpperCase();
        for (const p of params) {
          for (const h of HOSTILE) {
            if (p.in === 'path') {
              if (h.kind === 'empty') continue; // an empty segment is another route, not this one's parameter
              const url = template.replace(/\{(\w+)\}/g, (_m, name: string) => (name === p.name ? h.url : enc(realParam(template, method, name))));
              const request = `${verb} ${template} with ${p.name}=${h.label}`;
              // No hostile value names a thing that exists.
              if (isOk(await send(request, url, auth, h, base))) accepted.push(request);
            } else {
              const request = `${verb} ${template}?${p.name}=${h.label}`;
              const status = await send(request, `${realPath}?${p.name}=${h.url}`, auth, h, base);
              if (isOk(status) && (STRICT_QUERY.has(p.name) || BAD_TEXT.has(h.kind))) accepted.push(request);
            }
          }
        }
        // A parameter the document does not list, with a hostile name and value, on every read.
        if (method === 'get') {
          for (const h of HOSTILE.filter((x) => x.kind === 'control' || x.kind === 'encoding')) {
            await send(`${verb} ${template}?<${h.label}>=<${h.label}>`, `${realPath}?${h.url}=${h.url}`, auth, h);
          }
        }
        for (const [field, v] of Object.entries(base ?? {})) {
          for (const h of HOSTILE) {
            const hostile = Array.isArray(v) ? [h.json] : typeof v === 'string' ? h.json : undefined;
            if (hostile === undefined) continue;
            const request = `${verb} ${template} body.${field}=${h.label}`;
            if (isOk(await send(request, realPath, auth, h, { ...base, [field]: hostile })) && (/[\p{Cc}\p{Cs}]/u.test(h.json) || h.kind === 'overlong')) bodyTook.push(request);
          }
        }
      }
    }
    const sent = [...tally.values()].reduce((a, b) => a + b, 0);
    console.log(`hostile pass (${db}): ${operations} operations, ${sent} requests; by status ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    if (bodyTook.length > 0) console.log(`hostile pass (${db}): body fields that took odd text (2xx): ${bodyTook.join('; ')}`);
    expect(operations).toBeGreaterThan(40);
    expect(sent).toBeGreaterThan(2000);
    expect(tally.get('400')).toBeGreaterThan(1000);
    expect({ broken, accepted }).toEqual({ broken: [], accepted: [] });
  });

  it('the daemon is still ready and its listings still answer afterwards', async () => {
    expect((await fetch(`${d.url}/ready`)).status).toBe(200);
    expect((await d.admin('/challenges?limit=5')).status).toBe(200);
    expect((await d.admin('/audit-logs?limit=5')).status).toBe(200);
    expect(d.logs().split('\n').filter((l) => l.includes('"msg":"unhandled error"')).length).toBe(0);
  });
});
