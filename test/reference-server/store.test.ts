import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { provideRedis, type ProvidedRedis } from '../../src/lab/redis-provider.ts';
import { createMemoryStore } from '../../reference-server/store/memory-store.ts';
import { createRedisStore } from '../../reference-server/store/redis-store.ts';
import { describeStore } from './store-suite.ts';

const NODES = 3;

describeStore('memory', async () => ({ stores: [createMemoryStore()], close: async () => {} }));

describe('on Redis', () => {
  let server: ProvidedRedis;

  beforeAll(async () => {
    // Our own throwaway redis-server (PATH only, so REDIS_URL cannot point us at a shared one).
    server = await provideRedis({ env: { PATH: process.env.PATH } });
  });
  afterAll(async () => {
    await server?.close();
  });

  // Three "nodes": three connections sharing one random prefix per test.
  describeStore(`redis, ${NODES} nodes`, async () => {
    const prefix = `bazaar-test-${randomBytes(6).toString('hex')}`;
    const clients = Array.from({ length: NODES }, () => new Redis(server.url, { maxRetriesPerRequest: 1 }));
    return {
      stores: clients.map((client) => createRedisStore(client, { prefix })),
      async close() {
        await Promise.all(clients.map((client) => client.quit()));
      },
    };
  });
});
