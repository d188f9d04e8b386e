// The builder's policy and upstream's acmeproxy module alone: built Caddy -> a minimal httpreq endpoint -> BIND -> Pebble
// issues a certificate. daemon-issue.test.ts does the same through the daemon itself; here nothing else is in between.
import { readdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTlsPolicies } from '../../src/caddy/builder.js';
import { CaddyAdminClient } from '../../src/caddy/admin-client.js';
import { startPebble, type Pebble } from '../support/pebble.js';
import { buildCaddyWithAcmeproxy, startCaddy, type RunningCaddy } from '../support/caddy.js';
import { startBind, type Bind } from './bind.js';
import { TOKEN, input, provider, site } from './fixtures.js';
import { eventually } from './helpers.js';

interface Call { path: string; auth: string | undefined; body: { fqdn: string; value: string } }

let bind: Bind;
let pebble: Pebble;
let caddy: RunningCaddy;
let endpoint: Server;
let endpointUrl: string;
const calls: Call[] = [];

/** acmeproxy contract: POST {base}/present|cleanup, JSON {fqdn, value}, basic auth; upstream needs 200 and that exact JSON echoed. */
function startEndpoint(): Promise<Server> {
  const srv = createServer((req, res) => {
    // Go's client keeps idle connections 90 s, Node's server 5 s: a call sent just as Node closes one would
    // fail (Go does not resend a POST). One connection per call rules that out.
    res.setHeader('connection', 'close');
    let raw = '';
    req.on('data', (b: Buffer) => { raw += b.toString(); });
    req.on('end', async () => {
      try {
        const body = JSON.parse(raw) as Call['body'];
        calls.push({ path: req.url ?? '', auth: req.headers.authorization, body });
        if (req.headers.authorization !== `Basic ${Buffer.from(`caddy:${TOKEN}`).toString('base64')}`) {
          res.writeHead(401).end();
          return;
        }
        const action = req.url?.endsWith('/present') ? 'add' : req.url?.endsWith('/cleanup') ? 'delete' : null;
        if (!action) { res.writeHead(404).end(); return; }
        await bind.txt(action, body.fqdn, body.value);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ fqdn: body.fqdn, value: body.value }));
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
    });
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

async function findFile(dir: string, name: string): Promise<string | null> {
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile() && entry.name === name) return join(entry.parentPath, entry.name);
  }
  return null;
}

beforeAll(async () => {
  const binary = await buildCaddyWithAcmeproxy();
  bind = await startBind('example.test');
  pebble = await startPebble({ dnsServer: `127.0.0.1:${bind.port}` });
  endpoint = await startEndpoint();
  const addr = endpoint.address();
  endpointUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  caddy = await startCaddy({ binary, config: { apps: { http: { servers: { web: { listen: ['127.0.0.1:0'], routes: [] } } } } } });
}, 900_000);

afterAll(async () => {
  await caddy?.stop();
  await pebble?.stop();
  await bind?.stop();
  await new Promise((r) => (endpoint ? endpoint.close(r) : r(undefined)));
});

describe('issuing through dns.providers.acmeproxy', () => {
  it('Caddy obtains a Pebble certificate using the policy the builder wrote', async () => {
    const { policies } = buildTlsPolicies(input(
      // Caddy's own propagation check would ask resolv.conf's servers (off this machine): the
      // daemon does propagation itself, so Caddy is told to skip it and use BIND for the SOA.
      [provider('p-e2e', 'webhook', {}, { propagationTimeout: -1, resolvers: [`127.0.0.1:${bind.port}`] })],
      [site('s1', 'p-e2e', ['e2e.example.test'])],
      { acmeCa: pebble.directoryUrl, acmeTrustedRootsPemFiles: [pebble.caCertPath], daemonUrl: endpointUrl, acmeEmail: 'ops@example.test' },
    ));
    const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 10_000, secrets: () => [TOKEN] });
    await client.replaceOwnedPolicies(policies);
    // Ask Caddy to manage the name, as a site block would.
    await client.post('/config/apps/tls/certificates', { automate: ['e2e.example.test'] });

    await eventually('the certificate in Caddy storage', async () => (await findFile(join(caddy.workDir, 'data'), 'e2e.example.test.crt')) !== null, 90_000);
    await eventually('the cleanup call', () => calls.some((c) => c.path.endsWith('/cleanup')), 30_000);

    const present = calls.find((c) => c.path.endsWith('/present'))!;
    expect(present.path).toBe('/internal/dns-challenge/providers/p-e2e/present');
    expect(present.body.fqdn).toBe('_acme-challenge.e2e.example.test.');
    expect(present.body.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cleanup = calls.find((c) => c.path.endsWith('/cleanup'))!;
    expect(cleanup.body).toEqual(present.body);
    expect(calls.every((c) => c.auth === present.auth)).toBe(true);
  });
});
