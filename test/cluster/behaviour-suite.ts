import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, type TestClient } from '../helpers/client.ts';
import { judgeSeqs, type Backend } from './backends.ts';

/** Short presence timings so a lapse happens within a test. */
export const PRESENCE = { ttlMs: 600, heartbeatMs: 200, sweepMs: 50 };

let n = 0;
const uid = (prefix: string) => `${prefix}${++n}-${process.pid}`;

/**
 * One behaviour suite for every backend (socket.io-redis-adapter's testSuite idea): one node
 * in memory, three nodes on Redis with each adapter. Node indexes wrap around, so on one node
 * "node 2" is node 0 and the same expectations hold.
 */
export function describeBehaviour(name: string, start: () => Promise<Backend>): void {
  describe(name, () => {
    let backend: Backend;
    beforeAll(async () => {
      backend = await start();
    });
    afterEach(() => closeAllClients());
    afterAll(async () => {
      await backend?.close();
    });

    async function joined(node: number, sub: string, role: 'buyer' | 'seller' | 'admin', bookingId: string): Promise<TestClient> {
      const client = await backend.connect(node, sub, role);
      expect(await client.ack('booking:join', bookingId)).toEqual({ ok: true });
      return client;
    }

    async function bookingWithParties(node = 0) {
      const seller = uid('s');
      const buyer = uid('b');
      const listing = await backend.listing(node, seller);
      const booking = await backend.booking(node, buyer, listing.id);
      return { seller, buyer, listing, booking };
    }

    it('a sender on node 0 reaches a watcher on node 2', async () => {
      const { buyer, seller, booking } = await bookingWithParties(1);
      const watcher = await joined(2, seller, 'seller', booking.id);
      const sender = await joined(0, buyer, 'buyer', booking.id);
      const ack = await sender.ack('message:send', { bookingId: booking.id, body: 'across nodes', clientMsgId: 'c1' });
      expect(ack).toMatchObject({ ok: true, message: { seq: 1 } });
      expect(await watcher.waitFor('message:new')).toEqual(ack.message);
      // The sender's own socket hears it too, once.
      await sender.waitFor('message:new');
      expect(sender.payloadsOf('message:new')).toHaveLength(1);
    });

    it('a listing change made through node 1 reaches a watcher on node 0 with its version', async () => {
      const seller = uid('s');
      const listing = await backend.listing(0, seller);
      const watcher = await backend.connect(0, uid('w'), 'buyer');
      expect(await watcher.ack('listing:watch', listing.id)).toEqual({ ok: true });
      const res = await backend.http(1, 'PATCH', `/api/listings/${listing.id}`, [seller, 'seller'], { price: 120 });
      expect(res.status).toBe(200);
      expect(await watcher.waitFor('listing:priceChanged')).toMatchObject({ listingId: listing.id, price: 120, version: 2 });
    });

    it('presence set on node 1 is seen from node 0, and a lapse is announced once', async () => {
      const seller = uid('s');
      await backend.listing(0, seller); // the server now knows the seller
      const watcher = await backend.connect(0, uid('w'), 'buyer');
      expect(await watcher.ack('presence:watch', seller)).toEqual({ ok: true, online: false });
      const sellerSocket = await backend.connect(1, seller, 'seller');
      await watcher.waitFor('presence:changed', (p) => p.userId === seller && p.online === true);
      const other = await backend.connect(2, uid('w'), 'buyer');
      expect(await other.ack('presence:watch', seller)).toEqual({ ok: true, online: true });
      sellerSocket.close();
      await watcher.waitFor('presence:changed', (p) => p.userId === seller && p.online === false, PRESENCE.ttlMs + 3_000);
      // Several nodes sweep; only one announces a given lapse.
      await new Promise((resolve) => setTimeout(resolve, 6 * PRESENCE.sweepMs + 200));
      const offline = watcher.payloadsOf('presence:changed').filter((p) => p.userId === seller && p.online === false);
      expect(offline).toHaveLength(1);
    });

    it('the booking race has one winner with buyers spread over all nodes', async () => {
      const seller = uid('s');
      const listing = await backend.listing(0, seller);
      const watcher = await backend.connect(2, uid('w'), 'buyer');
      expect(await watcher.ack('listing:watch', listing.id)).toEqual({ ok: true });
      const buyers = Array.from({ length: 12 }, () => uid('b'));
      const answers = await Promise.all(buyers.map((buyer, i) =>
        backend.http(i, 'POST', '/api/bookings', [buyer, 'buyer'], { listingId: listing.id })));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(buyers.length - 1);
      await watcher.waitFor('listing:availabilityChanged', (p) => p.available === false);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(watcher.payloadsOf('listing:availabilityChanged')).toHaveLength(1);
    });

    it('typing reaches the other nodes but not the sending socket', async () => {
      const { buyer, seller, booking } = await bookingWithParties();
      const receiver = await joined(1, seller, 'seller', booking.id);
      const sender = await joined(0, buyer, 'buyer', booking.id);
      sender.socket.emit('typing:start', { bookingId: booking.id });
      expect(await receiver.waitFor('typing:start')).toEqual({ bookingId: booking.id, userId: buyer });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(sender.payloadsOf('typing:start')).toHaveLength(0);
    });

    it('senders on every node sending at once: every receiver sees seq strictly increasing, no gaps, no duplicates', async () => {
      const verdict = await runOrderingRound(backend, { senders: 3, receiversPerNode: 2, perSender: 40 });
      expect(verdict.evidence).toEqual([]);
    });
  });
}

export interface OrderingRound {
  senders: number;
  receiversPerNode: number;
  perSender: number;
}

/** Senders on different nodes send concurrently into one booking; receivers on every node record. */
export async function runOrderingRound(backend: Backend, round: OrderingRound) {
  const nodes = backend.urls.length;
  const seller = uid('s');
  const buyer = uid('b');
  const listing = await backend.listing(0, seller);
  const booking = await backend.booking(0, buyer, listing.id);
  const join = async (node: number, sub: string, role: 'buyer' | 'seller' | 'admin') => {
    const client = await backend.connect(node, sub, role);
    expect(await client.ack('booking:join', booking.id)).toEqual({ ok: true });
    return client;
  };
  const receivers = new Map<string, TestClient>();
  for (let node = 0; node < Math.max(nodes, 3); node++) {
    for (let r = 0; r < round.receiversPerNode; r++) {
      receivers.set(`r${r}@node${node % nodes}/${node}`, await join(node, r % 2 ? seller : 'admin1', r % 2 ? 'seller' : 'admin'));
    }
  }
  const senders = await Promise.all(Array.from({ length: round.senders }, (_, s) =>
    join(s, s % 2 ? seller : buyer, s % 2 ? 'seller' : 'buyer')));
  const total = round.senders * round.perSender;
  const acks = await Promise.all(senders.flatMap((sender, s) =>
    Array.from({ length: round.perSender }, (_, i) =>
      sender.ack('message:send', { bookingId: booking.id, body: `s${s}-${i}`, clientMsgId: `s${s}-${i}` }, 10_000))));
  expect(acks.every((a) => a.ok)).toBe(true);
  const deadline = Date.now() + 5_000;
  const everyone = [...receivers.values(), ...senders];
  while (Date.now() < deadline && everyone.some((c) => c.payloadsOf('message:new').length < total)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, 50)); // would a duplicate still come?
  const received = new Map<string, number[]>();
  for (const [who, client] of receivers) received.set(who, client.payloadsOf('message:new').map((m) => m.seq));
  senders.forEach((client, s) => received.set(`sender${s}@node${s % nodes}`, client.payloadsOf('message:new').map((m) => m.seq)));
  return judgeSeqs(received, total);
}
