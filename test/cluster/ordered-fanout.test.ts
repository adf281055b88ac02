import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Server } from 'socket.io';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOrderedFanout, type OrderedFanout } from '../../reference-server/cluster/ordered-fanout.ts';
import { provideRedis, type ProvidedRedis } from '../../src/lab/redis-provider.ts';
import { randomPrefix } from './backends.ts';

/*
 * The sequencer on its own (docs/scaling.md "Ordered fan-out"), with a stand-in for the
 * Socket.IO server that records what each node would deliver to its local sockets.
 */
let redis: ProvidedRedis;
beforeAll(async () => {
  redis = await provideRedis({ env: { PATH: process.env.PATH } });
});
afterAll(async () => {
  await redis?.close();
});

interface Delivered {
  room: string;
  event: string;
  payload: any;
  except?: string;
}

const open: { fanout: OrderedFanout; clients: Redis[] }[] = [];
afterEach(async () => {
  for (const { fanout, clients } of open.splice(0)) {
    await fanout.close();
    await Promise.all(clients.map((c) => c.quit()));
  }
});

async function node(prefix: string, gapMs = 300) {
  const delivered: Delivered[] = [];
  const target = (room: string, except?: string) => ({
    emit: (event: string, payload: unknown) => delivered.push({ room, event, payload, ...(except ? { except } : {}) }),
    except: (id: string) => target(room, id),
  });
  const io = { local: { to: (room: string) => target(room) } } as unknown as Server;
  const pub = new Redis(redis.url);
  const sub = new Redis(redis.url);
  const fanout = await startOrderedFanout({ prefix, pub, sub, io, log: pino({ level: 'silent' }), countOut: () => {}, gapMs, flushEveryMs: 50 });
  open.push({ fanout, clients: [pub, sub] });
  return { fanout, delivered };
}

const until = async (what: string, condition: () => boolean, timeoutMs = 3_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

const message = (seq: number) => ({ id: `m${seq}`, bookingId: 'b1', seq, senderId: 'u1', body: 'x', clientMsgId: `c${seq}`, sentAt: 0 });
const seqs = (delivered: Delivered[]) => delivered.filter((d) => d.event === 'message:new').map((d) => d.payload.seq);

describe('the ordered fan-out', () => {
  it('delivers in seq order on every node whatever order the nodes publish in', async () => {
    const prefix = randomPrefix();
    const a = await node(prefix);
    const b = await node(prefix);
    b.fanout.emit('booking:b1', 'message:new', message(3));
    a.fanout.emit('booking:b1', 'message:new', message(2));
    await Promise.all([a.fanout.settled(), b.fanout.settled()]);
    expect(seqs(a.delivered)).toEqual([]); // held: seq 1 not published yet
    b.fanout.emit('booking:b1', 'message:new', message(1));
    await until('three messages on both nodes', () => seqs(a.delivered).length === 3 && seqs(b.delivered).length === 3);
    expect(seqs(a.delivered)).toEqual([1, 2, 3]);
    expect(seqs(b.delivered)).toEqual([1, 2, 3]);
  });

  it('keeps versions per room, starting after version 1, apart from seqs', async () => {
    const prefix = randomPrefix();
    const a = await node(prefix);
    a.fanout.emit('listing:l1', 'listing:priceChanged', { listingId: 'l1', price: 1, version: 3, at: 0 });
    a.fanout.emit('listing:l1', 'listing:availabilityChanged', { listingId: 'l1', available: false, version: 2, at: 0 });
    a.fanout.emit('listing:l2', 'listing:priceChanged', { listingId: 'l2', price: 1, version: 2, at: 0 });
    await until('three listing events', () => a.delivered.length === 3);
    expect(a.delivered.map((d) => `${d.room} v${d.payload.version}`)).toEqual(['listing:l1 v2', 'listing:l1 v3', 'listing:l2 v2']);
  });

  it('skips a hole after the gap, and never delivers the late number', async () => {
    const prefix = randomPrefix();
    const a = await node(prefix, 200);
    a.fanout.emit('booking:b1', 'message:new', message(2));
    a.fanout.emit('booking:b1', 'message:new', message(3));
    await until('the held messages after the gap', () => seqs(a.delivered).length === 2, 3_000);
    expect(seqs(a.delivered)).toEqual([2, 3]);
    a.fanout.emit('booking:b1', 'message:new', message(1)); // the node that took seq 1 came back late
    a.fanout.emit('booking:b1', 'message:new', message(4));
    await until('message 4', () => seqs(a.delivered).includes(4));
    expect(seqs(a.delivered)).toEqual([2, 3, 4]);
  });

  it('passes unnumbered events straight through, with except', async () => {
    const prefix = randomPrefix();
    const a = await node(prefix);
    a.fanout.emit('booking:b1', 'typing:start', { bookingId: 'b1', userId: 'u1' }, 'socket-1');
    await until('typing', () => a.delivered.length === 1);
    expect(a.delivered[0]).toEqual({ room: 'booking:b1', event: 'typing:start', payload: { bookingId: 'b1', userId: 'u1' }, except: 'socket-1' });
  });
});
