/*
 * Measures connections on the reference cluster (docs/scaling.md "Measured limits"): three node
 * processes (adapter redis, --lb sticky) on a throwaway redis-server; N WebSocket clients spread
 * over the node URLs, 100 at a time; prints the connect rate and each node's memory.
 * Not a test (no .test.ts): run it by hand, e.g.  npx node test/cluster/measure-connections.ts 9000
 */
import { io, type Socket } from 'socket.io-client';
import { signToken } from '../../src/contract/index.ts';
import { startReferenceCluster } from '../../src/lab/cluster.ts';
import { provideRedis } from '../../src/lab/redis-provider.ts';
const N = Number(process.argv[2] ?? 3000);
const secret = 's';
const redis = await provideRedis({ env: { PATH: process.env.PATH } });
const cluster = await startReferenceCluster({ nodes: 3, adapter: 'redis', lb: 'sticky', redisUrl: redis.url, jwtSecret: secret, logLevel: 'silent' });
const sockets: Socket[] = [];
const t0 = Date.now();
let failed = 0;
for (let i = 0; i < N; i += 100) {
  await Promise.all(Array.from({ length: Math.min(100, N - i) }, (_, k) => new Promise<void>((resolve) => {
    const s = io(cluster.nodes[(i + k) % 3]!.url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: signToken({ sub: `u${i + k}`, role: 'buyer', secret, ttlMs: 600000 }) } });
    sockets.push(s);
    s.once('connect', () => resolve());
    s.once('connect_error', () => { failed++; resolve(); });
  })));
}
const dt = (Date.now() - t0) / 1000;
const rss = [];
for (const n of cluster.nodes) {
  const text = await (await fetch(n.metricsUrl)).text();
  const m = /process_resident_memory_bytes (\d+)/.exec(text); const c = /socket_io_connected (\d+)/.exec(text);
    rss.push({ rssMB: Math.round(Number(m?.[1]) / 1e6), connected: Number(c?.[1]) });
}
console.log(JSON.stringify({ clients: N, failed, connectsPerSec: Math.round(N / dt), perNode: rss, loadGenRssMB: Math.round(process.memoryUsage().rss / 1e6) }));
for (const s of sockets) s.close();
await cluster.close();
await redis.close();
