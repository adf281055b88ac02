/*
 * Measures the reference cluster on this machine (docs/scaling.md "Measured limits"): three
 * node processes on one throwaway redis-server; senders on every node send into one booking as
 * fast as their acks come back, receivers on every node record seq and delivery latency.
 * Not a test (no .test.ts): run it by hand, e.g.
 *   npx node test/cluster/measure-fanout.ts [adapter ...] [--fanout adapter] [--seconds 5]
 */
import { io, type Socket } from 'socket.io-client';
import { signToken } from '../../src/contract/index.ts';
import { startReferenceCluster } from '../../src/lab/cluster.ts';
import { provideRedis } from '../../src/lab/redis-provider.ts';
import type { AdapterName } from '../../reference-server/index.ts';
import { judgeSeqs } from './backends.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? (args.splice(i, 2)[1] ?? fallback) : fallback;
};
const fanout = flag('--fanout', 'ordered') as 'ordered' | 'adapter';
const seconds = Number(flag('--seconds', '5'));
const sendersPerNode = Number(flag('--senders', '2'));
const receiversPerNode = Number(flag('--receivers', '10'));
const adapters = (args.length > 0 ? args : ['redis', 'sharded', 'streams']) as AdapterName[];
const secret = 'measure-secret';

const connect = (url: string, sub: string, role: 'buyer' | 'seller' | 'admin') =>
  new Promise<Socket>((resolve, reject) => {
    const socket = io(url, { forceNew: true, reconnection: false, transports: ['websocket'], auth: { token: signToken({ sub, role, secret, ttlMs: 600_000 }) } });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

const redis = await provideRedis({ env: { PATH: process.env.PATH } });
try {
  for (const adapter of adapters) {
    const cluster = await startReferenceCluster({ nodes: 3, adapter, lb: 'sticky', redisUrl: redis.url, prefix: `measure-${adapter}-${fanout}`, jwtSecret: secret, fanout, logLevel: 'silent' });
    const sockets: Socket[] = [];
    try {
      const nodeUrls = cluster.nodes.map((n) => n.url);
      const auth = { authorization: `Bearer ${signToken({ sub: 'seller1', role: 'seller', secret, ttlMs: 600_000 })}`, 'content-type': 'application/json' };
      const listing: any = await (await fetch(`${nodeUrls[0]}/api/listings`, { method: 'POST', headers: auth, body: JSON.stringify({ title: 't', price: 1 }) })).json();
      const booking: any = await (await fetch(`${nodeUrls[0]}/api/bookings`, { method: 'POST', headers: { ...auth, authorization: `Bearer ${signToken({ sub: 'buyer1', role: 'buyer', secret, ttlMs: 600_000 })}` }, body: JSON.stringify({ listingId: listing.id }) })).json();
      const received = new Map<string, number[]>();
      const latenciesMs: number[] = [];
      for (const [n, url] of nodeUrls.entries()) {
        for (let r = 0; r < receiversPerNode; r++) {
          const socket = await connect(url, 'admin1', 'admin');
          sockets.push(socket);
          await socket.timeout(3_000).emitWithAck('booking:join', booking.id);
          const seqs: number[] = [];
          received.set(`r${r}@node${n}`, seqs);
          socket.on('message:new', (m: { seq: number; sentAt: number }) => {
            seqs.push(m.seq);
            latenciesMs.push(Date.now() - m.sentAt);
          });
        }
      }
      const senders: Socket[] = [];
      for (const url of nodeUrls) for (let s = 0; s < sendersPerNode; s++) senders.push(await connect(url, s % 2 ? 'seller1' : 'buyer1', s % 2 ? 'seller' : 'buyer'));
      sockets.push(...senders);
      let sent = 0;
      const until = Date.now() + seconds * 1_000;
      const startedAt = Date.now();
      await Promise.all(senders.map(async (sender, s) => {
        // Each sender keeps a few sends in flight; the server's rate limit is 100 events/s per socket.
        for (let i = 0; Date.now() < until; i++) {
          await Promise.all([0, 1].map(async (k) => {
            const ack = await sender.timeout(10_000).emitWithAck('message:send', { bookingId: booking.id, body: 'x', clientMsgId: `s${s}-${i}-${k}` });
            if (ack.ok) sent++;
          }));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }));
      const elapsedS = (Date.now() - startedAt) / 1_000;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && [...received.values()].some((seqs) => seqs.length < sent)) await new Promise((resolve) => setTimeout(resolve, 50));
      const verdict = judgeSeqs(received, sent);
      latenciesMs.sort((a, b) => a - b);
      console.log(JSON.stringify({
        adapter, fanout, nodes: 3, senders: senders.length, receivers: received.size,
        sentPerSec: Math.round(sent / elapsedS), deliveriesPerSec: Math.round((sent * received.size) / elapsedS),
        latencyMs: { p50: percentile(latenciesMs, 50), p99: percentile(latenciesMs, 99), max: latenciesMs.at(-1) },
        orderPassed: verdict.passed, receiversOutOfOrder: verdict.evidence.filter((e) => e.includes('after')).length,
      }));
    } finally {
      for (const socket of sockets) socket.close();
      await cluster.close();
    }
  }
} finally {
  await redis.close();
}
