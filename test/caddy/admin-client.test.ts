// CaddyAdminClient against a real Debian Caddy 2.6.2: creating the TLS app, If-Match, errors that name the cause but no secret.
import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { CaddyAdminClient, CaddyAdminError } from '../../src/caddy/admin-client.js';
import { freePort } from '../support/ports.js';
import { startCaddy, type RunningCaddy } from '../support/caddy.js';
import { OPERATOR_LISTEN, OPERATOR_POLICY, caddyGet, internalPolicy, operatorConfig } from './helpers.js';

const started: RunningCaddy[] = [];
async function caddyWith(config: Record<string, unknown>): Promise<RunningCaddy> {
  const c = await startCaddy({ config });
  started.push(c);
  return c;
}
afterAll(async () => {
  for (const c of started) await c.stop();
});

describe('CaddyAdminClient', () => {
  it('creates apps.tls.automation when Caddy has only an HTTP app, and reads it back', async () => {
    const config = operatorConfig();
    delete (config.apps as Record<string, unknown>).tls;
    const caddy = await caddyWith(config);
    const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000 });

    expect(await client.readPolicies()).toEqual([]);
    const ours = [internalPolicy('p1', ['x.example.com'])];
    await client.replaceOwnedPolicies(ours);
    expect(await client.readOwnedPolicies()).toEqual(ours);
    expect(await caddyGet(caddy.adminUrl, 'apps/http/servers/web/listen')).toEqual([OPERATOR_LISTEN]);
  });

  it('creates the apps object when Caddy has none, and removing every owned policy leaves others alone', async () => {
    const caddy = await caddyWith({});
    const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000 });
    await client.replaceOwnedPolicies([internalPolicy('p1', ['y.example.com'])]);
    expect(await caddyGet(caddy.adminUrl, 'apps/tls/automation/policies')).toHaveLength(1);
    expect(await caddyGet(caddy.adminUrl, 'admin/listen')).toBe(`127.0.0.1:${caddy.adminPort}`);

    await client.post('/config/apps/tls/automation/policies', OPERATOR_POLICY); // POST onto an array appends
    await client.replaceOwnedPolicies([]);
    expect(await client.readPolicies()).toEqual([OPERATOR_POLICY]);
  });

  it('refuses a write with a stale ETag (412), as Caddy 2.6 checks If-Match', async () => {
    const caddy = await caddyWith(operatorConfig());
    const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000 });
    const before = await client.get('/config/apps/tls');
    expect(before.etag).toMatch(/^"\/config\/apps\/tls [0-9a-f]+"$/);
    await client.replaceOwnedPolicies([internalPolicy('p1', ['z.example.com'])]);

    const err = await client.post('/config/apps/tls/automation', { policies: [] }, before.etag).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CaddyAdminError);
    expect((err as CaddyAdminError).kind).toBe('conflict');
    expect((err as CaddyAdminError).status).toBe(412);
    expect(await client.readOwnedPolicies()).toHaveLength(1);
  });

  it("carries Caddy's error text but scrubs secrets Caddy echoes back", async () => {
    const caddy = await caddyWith(operatorConfig());
    const secret = 'tok-do-not-log-0123456789';
    const client = new CaddyAdminClient(caddy.adminUrl, { timeoutMs: 5000, secrets: () => [secret] });
    // Caddy names an unknown module in its error, so a value in that place comes back in Caddy's answer.
    const bad = { ...internalPolicy('p1', ['s.example.com']), issuers: [{ module: secret }] };
    const err = (await client.replaceOwnedPolicies([bad]).catch((e: unknown) => e)) as CaddyAdminError;
    expect(err).toBeInstanceOf(CaddyAdminError);
    expect(err.kind).toBe('rejected');
    expect(err.message).toMatch(/unknown module: tls\.issuance\.\[redacted\]/);
    expect(err.message).toContain('[redacted]');
    expect(err.message).not.toContain(secret);
    expect(await client.readPolicies()).toEqual([OPERATOR_POLICY]);
  });

  it('opens a connection of its own for every call, so a keep-alive socket Caddy has closed is never reused', async () => {
    // Caddy 2.6 replaces its admin server on every config load and closes the old one's idle keep-alive
    // sockets. A peer that answers the first request on a connection and hangs up on any later one
    // stands in for that moment every time, not just when the timing happens to line up.
    let connections = 0;
    let requests = 0;
    let reused = 0;
    const sockets = new Set<import('node:net').Socket>();
    const peer: Server = createServer((s) => {
      sockets.add(s);
      connections++;
      let buf = '';
      let served = 0;
      s.on('error', () => {});
      s.on('data', (b: Buffer) => {
        buf += b.toString();
        for (let end = buf.indexOf('\r\n\r\n'); end >= 0; end = buf.indexOf('\r\n\r\n')) {
          buf = buf.slice(end + 4);
          requests++;
          if (served++ > 0) { reused++; s.destroy(); return; }
          s.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]');
        }
      });
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
    try {
      // Someone else in the process (here fetch) leaves a keep-alive socket to the same origin in its pool.
      expect(await (await fetch(`${url}/config/`, { signal: AbortSignal.timeout(5000) })).text()).toBe('[]');
      const client = new CaddyAdminClient(url, { timeoutMs: 5000 });
      for (let i = 0; i < 3; i++) expect(await client.readPolicies()).toEqual([]);
      expect(reused).toBe(0);
      expect({ connections, requests }).toEqual({ connections: 4, requests: 4 });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => peer.close(r));
    }
  });

  it('asks a GET again when Caddy resets the connection while swapping its admin server, and never repeats a POST', async () => {
    // Every other connection is reset as soon as its request arrives, the way a config load can drop one.
    let connections = 0;
    const methods: string[] = [];
    const sockets = new Set<import('node:net').Socket>();
    const peer: Server = createServer((s) => {
      sockets.add(s);
      const n = ++connections;
      s.on('error', () => {});
      s.once('data', (b: Buffer) => {
        methods.push(b.toString().split(' ')[0]!);
        if (n % 2 === 1) { s.resetAndDestroy(); return; }
        s.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]');
      });
    });
    await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(peer.address() as AddressInfo).port}`;
    try {
      const client = new CaddyAdminClient(url, { timeoutMs: 5000 });
      expect(await client.readPolicies()).toEqual([]);
      expect(methods).toEqual(['GET', 'GET']);
      const post = await client.post('/config/apps/tls/automation/policies', OPERATOR_POLICY).catch((e: unknown) => e);
      expect(post).toBeInstanceOf(CaddyAdminError);
      expect((post as CaddyAdminError).kind).toBe('unreachable');
      expect(methods).toEqual(['GET', 'GET', 'POST']);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => peer.close(r));
    }
  });

  it('reports Caddy down as unreachable and a hung admin port as a timeout', async () => {
    const downPort = await freePort();
    const down = await new CaddyAdminClient(`http://127.0.0.1:${downPort}`, { timeoutMs: 2000 }).readPolicies().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(CaddyAdminError);
    expect((down as CaddyAdminError).kind).toBe('unreachable');

    // A peer that accepts and never answers: the client must give up on its own.
    const sockets = new Set<import('node:net').Socket>();
    const hung: Server = createServer((s) => { sockets.add(s); });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const { port } = hung.address() as AddressInfo;
    try {
      const err = await new CaddyAdminClient(`http://127.0.0.1:${port}`, { timeoutMs: 300 }).readPolicies().catch((e: unknown) => e);
      expect((err as CaddyAdminError).kind).toBe('timeout');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => hung.close(r));
    }
  });
});
