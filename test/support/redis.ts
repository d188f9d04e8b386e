// A real redis-server for tests: loopback only, free port, no persistence, gone after stop().
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForTcp } from './ports.js';
import { requireBinary, startProcess } from './proc.js';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const bin = requireBinary('/usr/bin/redis-server', 'redis-server');
  const dir = await mkdtemp(join(tmpdir(), 'dns01-redis-'));
  let lastError = '';
  // freePort can race with other engineers' servers: on a lost race, try another port.
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const proc = startProcess(bin, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'no', '--loglevel', 'warning',
    ]);
    const exited = new Promise<void>((resolve) => proc.child.once('exit', () => resolve()));
    const ready = await Promise.race([waitForTcp(port).then(() => true), exited.then(() => false)]).catch(() => false);
    if (ready && proc.child.exitCode === null) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        stop: async () => {
          await proc.stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    lastError = proc.output();
    await proc.stop('SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`redis-server did not start:\n${lastError}`);
}
