import { afterAll, beforeAll, describe } from 'vitest';
import { ADAPTERS } from '../../reference-server/index.ts';
import { provideRedis, type ProvidedRedis } from '../../src/lab/redis-provider.ts';
import { startInProcessBackend } from './backends.ts';
import { describeBehaviour, PRESENCE } from './behaviour-suite.ts';

describeBehaviour('one node in memory', () => startInProcessBackend({ name: 'memory', nodes: 1, presence: PRESENCE }));

describe('three nodes on Redis', () => {
  let redis: ProvidedRedis;
  beforeAll(async () => {
    // Our own throwaway redis-server (PATH only, so REDIS_URL cannot point us at a shared one).
    redis = await provideRedis({ env: { PATH: process.env.PATH } });
  });
  afterAll(async () => {
    await redis?.close();
  });

  for (const adapter of ADAPTERS) {
    describeBehaviour(`adapter ${adapter}, ordered fan-out`, () =>
      startInProcessBackend({ name: adapter, nodes: 3, redisUrl: redis.url, adapter, presence: PRESENCE }));
  }
});
