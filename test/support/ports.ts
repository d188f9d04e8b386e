// Free loopback ports for servers the tests start, and waiting for them to listen.
import { createServer, connect } from 'node:net';
import { createSocket } from 'node:dgram';

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A port free for both TCP and UDP on 127.0.0.1 (DNS servers listen on both). */
export async function freeDnsPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    const ok = await new Promise<boolean>((resolve) => {
      const sock = createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, '127.0.0.1', () => sock.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free TCP+UDP port on 127.0.0.1');
}

/** Resolves once something accepts TCP connections on host:port, or throws after timeoutMs. */
export async function waitForTcp(port: number, host = '127.0.0.1', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ port, host });
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
