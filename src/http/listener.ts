// The HTTP listener, opened once: with PostgreSQL it answers before the database is open (compose/parts.ts), then the daemon's app takes it over.
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
    server.once('error', reject);
  });
}
