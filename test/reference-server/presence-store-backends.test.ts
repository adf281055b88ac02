import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { provideRedis, type ProvidedRedis } from '../../src/lab/redis-provider.ts';
import { createMemoryPresenceStore } from '../../reference-server/presence/presence-store.ts';
import { createRedisPresenceStore } from '../../reference-server/presence/redis-presence-store.ts';
import { createRedisTypingGate } from '../../reference-server/presence/redis-typing-gate.ts';
import { describePresenceStore } from './store-suite.ts';

const NODES = 3;
const randomPrefix = () => `bazaar-test-${randomBytes(6).toString('hex')}`;

describePresenceStore('memory', async () => ({ nodes: [createMemoryPresenceStore()], close: async () => {} }));

describe('on Redis', () => {
  let server: ProvidedRedis;

  beforeAll(async () => {
    // Our own throwaway redis-server (PATH only, so REDIS_URL cannot point us at a shared one).
    server = await provideRedis({ env: { PATH: process.env.PATH } });
  });
  afterAll(async () => {
    await server?.close();
  });

  // Three "nodes", each with its own connection, sharing one random prefix per test. A small
  // batch size makes the large-lapse case go through several atomic pops per call.
  describePresenceStore(`redis, ${NODES} nodes`, async () => {
    const prefix = randomPrefix();
    const clients = Array.from({ length: NODES }, () => new Redis(server.url, { maxRetriesPerRequest: 1 }));
    return {
      nodes: clients.map((client) => createRedisPresenceStore(client, { prefix, takeBatchSize: 100 })),
      async close() {
        await Promise.all(clients.map((client) => client.quit()));
      },
    };
  });

  describe('the presence key', () => {
    let client: Redis;
    beforeEach(() => {
      client = new Redis(server.url, { maxRetriesPerRequest: 1 });
    });
    afterEach(async () => {
      await client.quit();
    });

    it('is a key with the TTL, refreshed by touch and removed with the lapse', async () => {
      const prefix = randomPrefix();
      const presence = createRedisPresenceStore(client, { prefix });
      const now = Date.now();
      await presence.touch('u1', 60_000, now);
      const pttl = await client.pttl(`${prefix}:presence:user:u1`);
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(60_000);
      await presence.touch('u1', 120_000, now + 1);
      expect(await client.pttl(`${prefix}:presence:user:u1`)).toBeGreaterThan(60_000);
      expect(await presence.takeLapsed(now + 1 + 120_000)).toEqual(['u1']);
      expect(await client.exists(`${prefix}:presence:user:u1`)).toBe(0);
    });

    it('keeps every key under the prefix', async () => {
      const prefix = randomPrefix();
      const presence = createRedisPresenceStore(client, { prefix });
      await presence.touch('u1', 1_000, 0);
      await presence.touch('u2', 1_000, 0);
      const gate = createRedisTypingGate(client, 3_000, { prefix });
      await gate.allowStart('u1', 'b1', 0);
      const keys = await client.keys(`*${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key.startsWith(`${prefix}:`)).toBe(true);
    });

    it('refuses an empty prefix', () => {
      expect(() => createRedisPresenceStore(client, { prefix: '' })).toThrow(/prefix/);
      expect(() => createRedisTypingGate(client, 3_000, { prefix: '' })).toThrow(/prefix/);
    });
  });

  describe('createRedisTypingGate', () => {
    const INTERVAL_MS = 300;
    let clients: Redis[];
    beforeEach(() => {
      clients = Array.from({ length: NODES }, () => new Redis(server.url, { maxRetriesPerRequest: 1 }));
    });
    afterEach(async () => {
      await Promise.all(clients.map((client) => client.quit()));
    });

    it('lets one start per sender per booking through per interval, across nodes', async () => {
      const prefix = randomPrefix();
      const gates = clients.map((client) => createRedisTypingGate(client, INTERVAL_MS, { prefix }));
      const now = Date.now();
      const concurrent = await Promise.all(Array.from({ length: 12 }, (_, i) => gates[i % NODES]?.allowStart('u1', 'b1', now)));
      expect(concurrent.filter(Boolean)).toHaveLength(1);
      expect(await gates[1]?.allowStart('u2', 'b1', now)).toBe(true);
      expect(await gates[2]?.allowStart('u1', 'b2', now)).toBe(true);
      gates[0]?.prune(now + 10 * INTERVAL_MS); // a no-op: the keys expire on their own
      expect(await gates[0]?.allowStart('u1', 'b1', now)).toBe(false);
      // The interval is Redis's: wait it out (with margin) rather than pass a later nowMs.
      await sleep(INTERVAL_MS + 200);
      expect(await gates[2]?.allowStart('u1', 'b1', Date.now())).toBe(true);
      expect(await gates[0]?.allowStart('u1', 'b1', Date.now())).toBe(false);
    });
  });
});
