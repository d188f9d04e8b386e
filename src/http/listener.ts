// The HTTP listener, opened once: with PostgreSQL it answers before the database is open (compose/parts.ts), then the daemon's app takes it over.
import { createServer } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { Logger } from 'pino';

type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

export interface Listener {
  port: number;
  /** Every request from now on goes to `fetch`; requests already running finish where they started. */
  use(fetch: Fetch): void;
  /** Stops accepting, waits for in-flight requests until `deadline`, then closes every connection left; once (a second call gets the first's promise). */
  close(deadline: Promise<void>): Promise<void>;
}

export function openListener(host: string, port: number, fetch: Fetch, log: Logger): Promise<Listener> {
  let current = fetch;
  return new Promise<Listener>((resolve, reject) => {
    const server: ServerType = serve({ fetch: (req, env) => current(req, env), hostname: host, port }, (info) => {
      log.info({ host, port: info.port }, 'listening');
      let closed: Promise<void> | undefined;
      resolve({
        port: info.port,
        use: (next) => (current = next),
        close: (deadline) => (closed ??= (async () => {
          // close() waits for in-flight requests; the deadline bounds a client that never finishes.
          await Promise.race([new Promise<void>((r) => server.close(() => r())), deadline]);
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        })()),
      });
    });
    // Caddy's acmeproxy client (Go's default transport) keeps idle connections 90 s and does not resend a POST
    // that meets a connection the server has just closed: outlast it so the client always closes first.
    (server as { keepAliveTimeout: number }).keepAliveTimeout = 120_000;
    server.once('error', (err) => reject(listenError(err, host, port)));
  });
}

/** A bind failure that names the settings to change: the operator set them, not the address in Node's message. */
function listenError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const why = err.code === 'EADDRINUSE' ? 'another process listens there: stop it, or set DNS01_PORT (or DNS01_HOST) to a free one'
    : err.code === 'EACCES' ? 'not allowed to bind it: set DNS01_PORT to a port above 1023'
    : err.code === 'EADDRNOTAVAIL' ? 'no interface of this machine has that address: set DNS01_HOST' : undefined;
  return why ? new Error(`cannot listen on ${host}:${port} (DNS01_HOST=${host}, DNS01_PORT=${port}; ${err.code}): ${why}`) : err;
}

/**
 * Binds the address and lets it go at once, so main.ts can stop on a taken port before it writes any secret or opens
 * the database. Port 0 (any free port) needs no check.
 */
export async function assertCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (err) => reject(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}
