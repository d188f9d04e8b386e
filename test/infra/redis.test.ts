// Smoke test of the redis-server starter: reachable with ioredis, and gone after stop().
import { afterAll, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../support/redis.js';

let server: RedisServer | undefined;
afterAll(async () => { await server?.stop(); });

it('starts a redis-server that answers PING and keeps nothing on disk', async () => {
  server = await startRedis();
  const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  } finally {
    client.disconnect();
  }
});
