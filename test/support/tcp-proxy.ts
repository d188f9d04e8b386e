// A TCP relay in front of a real server that a test can cut: while cut, every open connection is closed and every new one
// is accepted and closed at once, as a database that went away looks to its clients; the attempts are counted.
import { connect, createServer } from 'node:net';
import type { Duplex } from 'node:stream';

export interface TcpProxy {
  port: number;
  /** Connections accepted while cut. */
  readonly refused: number;
  cut(): void;
  restore(): void;
  stop(): Promise<void>;
}

/** Pipes two connections both ways, each kept in `open` until either side closes or fails, which closes both. */
export function splice(open: Set<Duplex>, a: Duplex, b: Duplex): void {
  open.add(a).add(b);
  const close = () => {
    a.destroy();
    b.destroy();
    open.delete(a);
    open.delete(b);
  };
  a.on('error', close).on('close', close);
  b.on('error', close).on('close', close);
  a.pipe(b).pipe(a);
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Duplex>();
  let isCut = false;
  let refused = 0;
  const server = createServer((client) => {
    if (isCut) {
      refused += 1;
      client.destroy();
      return;
    }
    splice(open, client, connect(target.port, target.host));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : 0,
    get refused() {
      return refused;
    },
    cut() {
      isCut = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    restore() {
      isCut = false;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
