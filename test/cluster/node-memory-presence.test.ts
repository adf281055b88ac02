import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../reference-server/index.ts';
import { provideRedis, type ProvidedRedis } from '../../src/lab/redis-provider.ts';
import { closeAllClients } from '../helpers/client.ts';
import { backendOverUrls, JWT_SECRET, randomPrefix, startInProcessBackend } from './backends.ts';
import { describeBehaviour, PRESENCE } from './behaviour-suite.ts';

// presenceStore 'node-memory' (reference-server/presence/node-memory-presence-store.ts): each node
// keeps its own users' presence and tells the others by serverSideEmit. While every node lives
// it keeps the contract (the cluster behaviour suite passes on it, presence included), and a
// node that closes cleanly lets its users go; what it gets wrong, a node killed with its users'
// presence, is docs/repro/ghost-after-kill.md (test/repro/ghost-after-kill.test.ts).

let redis: ProvidedRedis;
beforeAll(async () => {
  redis = await provideRedis({ env: { PATH: process.env.PATH } });
});
afterAll(async () => {
  await redis?.close();
});

describeBehaviour('three nodes on Redis, presence in node memory', () =>
  startInProcessBackend({ name: 'node-memory', nodes: 3, redisUrl: redis.url, adapter: 'redis', presence: PRESENCE, presenceStore: 'node-memory' }));

describe('node-memory presence, a node closing cleanly', () => {
  const servers: ReferenceServer[] = [];
  afterEach(async () => {
    closeAllClients();
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it("announces its users offline to watchers on the other nodes as it closes, long before the TTL", async () => {
    const prefix = randomPrefix();
    for (let i = 0; i < 2; i++) {
      servers.push(await startReferenceServer({
        jwtSecret: JWT_SECRET, metricsPort: false, presenceStore: 'node-memory',
        // A TTL the test never waits for: the offline can only come from the close.
        presenceTtlMs: 60_000,
        redis: { url: redis.url, prefix }, adapter: 'redis',
      }));
    }
    const backend = backendOverUrls('node-memory', servers.map((s) => s.url), async () => {});
    const seller = `s-close-${process.pid}`;
    await backend.listing(0, seller);
    const watcher = await backend.connect(0, `w-close-${process.pid}`, 'buyer');
    expect(await watcher.ack('presence:watch', seller)).toEqual({ ok: true, online: false });
    await backend.connect(1, seller, 'seller');
    await watcher.waitFor('presence:changed', (p) => p.userId === seller && p.online === true);
    const late = await backend.connect(0, `w-late-${process.pid}`, 'buyer');
    // Node 0 learned of node 1's user by serverSideEmit.
    expect(await late.ack('presence:watch', seller)).toEqual({ ok: true, online: true });
    await servers[1]!.close();
    await watcher.waitFor('presence:changed', (p) => p.userId === seller && p.online === false, 5_000);
    expect(await late.ack('presence:watch', seller)).toEqual({ ok: true, online: false });
  });
});
