// An HTTP CONNECT proxy (RFC 9110 §9.3.6) on a loopback port that stands in for DNS: it takes a client's tunnel to
// `name:port` for the names it is given and opens it to 127.0.0.1:port, from a loopback address of its choosing.
// Go programs (lego) use it through HTTPS_PROXY, which Go's default transport reads; requests to loopback addresses
// never go through it (Go sends those direct), so lego still reaches Pebble on 127.0.0.1 itself.
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { splice } from './tcp-proxy.js';

export interface ConnectProxy {
  /** `http://127.0.0.1:PORT`, for HTTPS_PROXY. */
  url: string;
  /** `name:port` of every tunnel asked for, in order (refused ones too). */
  readonly tunnels: string[];
  stop(): Promise<void>;
}

/**
 * `names`: the host names it opens tunnels to (to 127.0.0.1, same port); anything else is 403. `from`: the local
 * address its connections to 127.0.0.1 come from (e.g. `127.0.0.2`), so the server sees a client other than itself.
 */
export async function startConnectProxy(opts: { names: string[]; from?: string }): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const open = new Set<Duplex>();
  const server = createServer((_req, res) => {
    res.writeHead(405, { connection: 'close' }).end('CONNECT only\n');
  });
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const target = req.url ?? '';
    tunnels.push(target);
    const m = /^([^:]+):(\d+)$/.exec(target);
    if (!m || !opts.names.includes(m[1]!.toLowerCase())) {
      client.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = connect({ host: '127.0.0.1', port: Number(m[2]), ...(opts.from ? { localAddress: opts.from } : {}) });
    const failed = () => {
      if (!client.destroyed) client.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
      upstream.destroy();
    };
    upstream.once('error', failed);
    // Until the tunnel is spliced, a client that goes away takes the half-open upstream with it.
    client.on('error', () => upstream.destroy()).once('close', () => upstream.destroy());
    upstream.once('connect', () => {
      upstream.off('error', failed);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      splice(open, client, upstream);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    stop: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
