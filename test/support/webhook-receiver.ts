// A real HTTP(S) server standing in for an operator's webhook endpoint: records every call, answers by script.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeLocalhostTls } from './openssl.js';

export interface ReceivedCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON, or undefined when the body was not JSON (see raw). */
  body: any;
  raw: string;
  /** The address the client's socket reached: proves which resolved address was used. */
  localAddress: string;
}

/** Answers one call with a JSON body (status 200). Plug in your own, e.g. one that writes the TXT record into a DNS server. */
export type WebhookHandler = (body: any, headers: IncomingHttpHeaders) => Promise<unknown> | unknown;

export type Behaviour =
  /** The handler answers. */
  | { kind: 'ok' }
  /** The next `times` calls get `status` (default 500) with `{success: false, message}`, then the handler answers. */
  | { kind: 'fail'; times: number; status?: number; message?: string }
  /** Never answers (until stop()). */
  | { kind: 'hang' }
  /** Every call gets this status, body and headers (e.g. 401, or 302 with a location). */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** 200 with `{success: false, message}`. */
  | { kind: 'successFalse'; message: string }
  /** 200 with a body of this many bytes. */
  | { kind: 'huge'; bytes: number };

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:PORT/hook */
  url: string;
  port: number;
  calls: ReceivedCall[];
  setBehaviour(b: Behaviour): void;
  stop(): Promise<void>;
}

export interface HttpsWebhookReceiver extends WebhookReceiver {
  /** PEM of the CA that signed the server certificate (localhost, 127.0.0.1). */
  caPem: string;
}

export interface ReceiverOptions {
  handler?: WebhookHandler;
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Answer with `Connection: close` so every call opens a new connection (and resolves the name again). */
  closeConnections?: boolean;
}

/** Issues record ids for creates and echoes them on deletes, like a typical DNS API behind a webhook. */
function defaultHandler(): WebhookHandler {
  let n = 0;
  return (body: any) => ({
    success: true,
    message: `${body?.action ?? 'unknown'} ok`,
    record_id: body?.action === 'create' ? `rec-${++n}` : (body?.record_id ?? null),
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : 0);
    });
  });
}

function wire(server: Server, opts: ReceiverOptions, calls: ReceivedCall[], state: { behaviour: Behaviour }) {
  const handler = opts.handler ?? defaultHandler();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readBody(req);
      let body: any;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw, localAddress: req.socket.localAddress ?? '' });
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
        res.writeHead(status, {
          'content-type': 'application/json',
          ...(opts.closeConnections ? { connection: 'close' } : {}),
          ...headers,
        });
        res.end(text);
      };
      const b = state.behaviour;
      if (b.kind === 'hang') return;
      if (b.kind === 'fail' && b.times > 0) {
        b.times--;
        return send(b.status ?? 500, { success: false, message: b.message ?? 'induced failure' });
      }
      if (b.kind === 'status') return send(b.status, b.body ?? { success: false, message: `status ${b.status}` }, b.headers);
      if (b.kind === 'successFalse') return send(200, { success: false, message: b.message });
      if (b.kind === 'huge') return send(200, 'x'.repeat(b.bytes));
      try {
        send(200, await handler(body, req.headers));
      } catch (err) {
        send(500, { success: false, message: err instanceof Error ? err.message : String(err) });
      }
    })();
  });
}

function receiver(server: Server, scheme: string, host: string, port: number, calls: ReceivedCall[], state: { behaviour: Behaviour }, cleanup = async () => {}) {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${scheme}://${urlHost}:${port}/hook`,
    port,
    calls,
    setBehaviour: (b: Behaviour) => { state.behaviour = b; },
    stop: async () => {
      // Hanging requests would keep close() waiting forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await cleanup();
    },
  };
}

export async function startWebhookReceiver(opts: ReceiverOptions = {}): Promise<WebhookReceiver> {
  const calls: ReceivedCall[] = [];
  const state: { behaviour: Behaviour } = { behaviour: { kind: 'ok' } };
  const host = opts.host ?? '127.0.0.1';
  const server = createServer();
  wire(server, opts, calls, state);
  const port = await listen(server, host);
  return receiver(server, 'http', host, port, calls, state);
}

/** The same receiver over TLS with a throwaway CA (openssl), so verify_tls false and custom CAs can be tested. */
export async function startHttpsWebhookReceiver(opts: ReceiverOptions = {}): Promise<HttpsWebhookReceiver> {
  const dir = await mkdtemp(join(tmpdir(), 'webhook-tls-'));
  const tls = await makeLocalhostTls(dir);
  const [key, cert, caPem] = await Promise.all([readFile(tls.keyPath), readFile(tls.certPath), readFile(tls.caCertPath, 'utf8')]);
  const calls: ReceivedCall[] = [];
  const state: { behaviour: Behaviour } = { behaviour: { kind: 'ok' } };
  const host = opts.host ?? '127.0.0.1';
  const server = createHttpsServer({ key, cert });
  wire(server, opts, calls, state);
  const port = await listen(server, host);
  return { ...receiver(server, 'https', host, port, calls, state, () => rm(dir, { recursive: true, force: true })), caPem };
}
