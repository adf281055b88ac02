import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/contract/index.ts';
import type { PresenceStore } from '../../reference-server/presence/presence-store.ts';
import type { NewMessage, Store } from '../../reference-server/store/store.ts';

/**
 * The reference server's storage semantics as one behaviour suite, run against each backend
 * (socket.io-redis-adapter's testSuite(createAdapter) idea). A fixture hands out one store per
 * "node": several stores over one shared backend, each on its own connection where the backend
 * has connections, so the concurrency cases race across nodes and not just inside one client.
 */
export interface StoreFixture {
  stores: Store[];
  close(): Promise<void>;
}

export interface PresenceFixture {
  nodes: PresenceStore[];
  close(): Promise<void>;
}

const SENT_AT = 1_700_000_000_000;

function message(bookingId: string, senderId: string, clientMsgId: string, body = `body ${clientMsgId}`): NewMessage {
  return { bookingId, senderId, body, clientMsgId, sentAt: SENT_AT };
}

export function describeStore(name: string, factory: () => Promise<StoreFixture>): void {
  describe(`Store: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    /** The store of "node" i, round robin. */
    const node = (i: number): Store => fixture.stores[i % fixture.stores.length] as Store;

    beforeEach(async () => {
      fixture = await factory();
      store = node(0);
    });
    afterEach(async () => {
      await fixture.close();
    });

    async function bookedListing(buyerId = 'buyer1', sellerId = 'seller1') {
      const listing = await store.createListing({ sellerId, title: 'A bike', price: 120, private: false });
      const result = await store.createBooking(listing.id, buyerId);
      if (!result.ok) throw new Error(`setup: booking failed with ${result.reason}`);
      return { listing: result.listing, booking: result.booking };
    }

    describe('users and roles', () => {
      it('knows a role only once it is recorded, per user and per role', async () => {
        expect(await store.hasRole('u1', 'seller')).toBe(false);
        await store.recordUser('u1', 'seller');
        await store.recordUser('u1', 'seller');
        expect(await store.hasRole('u1', 'seller')).toBe(true);
        expect(await node(1).hasRole('u1', 'seller')).toBe(true);
        expect(await store.hasRole('u1', 'buyer')).toBe(false);
        expect(await store.hasRole('u2', 'seller')).toBe(false);
        await store.recordUser('u1', 'buyer');
        expect(await store.hasRole('u1', 'buyer')).toBe(true);
        expect(await store.hasRole('u1', 'seller')).toBe(true);
      });
    });

    describe('listings', () => {
      it('creates available listings at version 1 with fresh ids, and reads them back from any node', async () => {
        const a = await store.createListing({ sellerId: 's1', title: 'Bike — ünïcode 🚲', price: 0.1, private: true });
        const b = await store.createListing({ sellerId: 's1', title: 'Tent', price: 1e12, private: false });
        expect(a).toEqual({ id: expect.any(String), sellerId: 's1', title: 'Bike — ünïcode 🚲', price: 0.1, private: true, available: true, version: 1 });
        expect(a.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        expect(b.id).not.toBe(a.id);
        expect(await node(1).getListing(a.id)).toEqual(a);
        expect(await node(2).getListing(b.id)).toEqual(b);
        expect(await store.getListing('nope')).toBeUndefined();
      });

      it('hands out copies: changing a returned listing changes nothing stored', async () => {
        const a = await store.createListing({ sellerId: 's1', title: 'Bike', price: 5, private: false });
        a.price = 999;
        (await store.getListing(a.id) as { price: number }).price = 777;
        expect((await store.getListing(a.id))?.price).toBe(5);
      });

      it('changePrice sets the price and bumps the version; unknown listings give undefined', async () => {
        const a = await store.createListing({ sellerId: 's1', title: 'Bike', price: 5, private: false });
        expect(await store.changePrice(a.id, 0)).toEqual({ ...a, price: 0, version: 2 });
        expect(await node(1).changePrice(a.id, 12.75)).toEqual({ ...a, price: 12.75, version: 3 });
        expect(await store.getListing(a.id)).toEqual({ ...a, price: 12.75, version: 3 });
        expect(await store.changePrice('nope', 1)).toBeUndefined();
        expect(await store.getListing('nope')).toBeUndefined();
      });

      it('concurrent price changes each bump the version once', async () => {
        const a = await store.createListing({ sellerId: 's1', title: 'Bike', price: 5, private: false });
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => node(i).changePrice(a.id, i)));
        expect(results.map((l) => l?.version).sort((x, y) => (x ?? 0) - (y ?? 0))).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
        expect((await store.getListing(a.id))?.version).toBe(21);
      });
    });

    describe('createBooking', () => {
      it('books an available listing: the booking is requested at version 1, the listing unavailable at version+1', async () => {
        const listing = await store.createListing({ sellerId: 's1', title: 'Bike', price: 5, private: false });
        const result = await store.createBooking(listing.id, 'b1');
        expect(result).toEqual({
          ok: true,
          booking: { id: expect.any(String), listingId: listing.id, buyerId: 'b1', sellerId: 's1', status: 'requested', version: 1 },
          listing: { ...listing, available: false, version: 2 },
        });
        if (!result.ok) return;
        expect(await node(1).getBooking(result.booking.id)).toEqual(result.booking);
        expect(await node(2).getListing(listing.id)).toEqual({ ...listing, available: false, version: 2 });
        expect(await store.getBooking('nope')).toBeUndefined();
      });

      it('refuses an unavailable listing with conflict and an unknown one with not_found', async () => {
        const { listing } = await bookedListing('b1');
        expect(await store.createBooking(listing.id, 'b2')).toEqual({ ok: false, reason: 'conflict' });
        expect(await store.createBooking('nope', 'b2')).toEqual({ ok: false, reason: 'not_found' });
        expect((await store.getListing(listing.id))?.version).toBe(2);
      });

      it('has exactly one winner among 30 concurrent buyers spread over the nodes', async () => {
        const listing = await store.createListing({ sellerId: 's1', title: 'Bike', price: 5, private: false });
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => node(i).createBooking(listing.id, `buyer${i}`)));
        const winners = results.flatMap((r, i) => (r.ok ? [{ i, booking: r.booking }] : []));
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toEqual(Array.from({ length: 29 }, () => ({ ok: false, reason: 'conflict' })));
        const winner = winners[0] as (typeof winners)[number];
        expect(winner.booking.buyerId).toBe(`buyer${winner.i}`);
        expect(await store.getListing(listing.id)).toEqual({ ...listing, available: false, version: 2 });
        for (let i = 0; i < 30; i++) expect(await node(i).hasBookingOn(listing.id, `buyer${i}`)).toBe(i === winner.i);
      });

      it('hasBookingOn is per listing and per buyer', async () => {
        const { listing } = await bookedListing('b1');
        const other = await store.createListing({ sellerId: 's1', title: 'Tent', price: 5, private: false });
        expect(await store.hasBookingOn(listing.id, 'b1')).toBe(true);
        expect(await store.hasBookingOn(listing.id, 'b2')).toBe(false);
        expect(await store.hasBookingOn(other.id, 'b1')).toBe(false);
        expect(await store.hasBookingOn('nope', 'b1')).toBe(false);
      });
    });

    describe('transitionBooking', () => {
      it('moves status with a compare-and-set and bumps the booking version', async () => {
        const { booking } = await bookedListing();
        const accepted = await store.transitionBooking(booking.id, 'requested', 'accepted');
        expect(accepted).toEqual({ ok: true, from: 'requested', booking: { ...booking, status: 'accepted', version: 2 } });
        expect(await node(1).transitionBooking(booking.id, 'requested', 'accepted')).toEqual({ ok: false, reason: 'conflict' });
        expect(await node(2).transitionBooking(booking.id, 'accepted', 'paid')).toMatchObject({ ok: true, booking: { status: 'paid', version: 3 } });
        expect(await store.getBooking(booking.id)).toEqual({ ...booking, status: 'paid', version: 3 });
        expect(await store.transitionBooking('nope', 'requested', 'accepted')).toEqual({ ok: false, reason: 'not_found' });
      });

      it('keeps the listing unavailable on a non-releasing transition', async () => {
        const { booking, listing } = await bookedListing();
        const result = await store.transitionBooking(booking.id, 'requested', 'disputed');
        expect(result.ok && result.releasedListing).toBe(undefined);
        expect(await store.getListing(listing.id)).toEqual(listing);
      });

      it.each(['declined', 'cancelled'] as const)('releases the listing on %s (version+1) in the same step, and it can be booked again', async (to) => {
        const { booking, listing } = await bookedListing('b1');
        const result = await store.transitionBooking(booking.id, 'requested', to);
        expect(result).toEqual({
          ok: true,
          from: 'requested',
          booking: { ...booking, status: to, version: 2 },
          releasedListing: { ...listing, available: true, version: 3 },
        });
        expect(await node(1).getListing(listing.id)).toEqual({ ...listing, available: true, version: 3 });
        const again = await node(2).createBooking(listing.id, 'b2');
        expect(again).toMatchObject({ ok: true, booking: { buyerId: 'b2', version: 1 }, listing: { available: false, version: 4 } });
        expect(await store.hasBookingOn(listing.id, 'b1')).toBe(true);
        expect(await store.hasBookingOn(listing.id, 'b2')).toBe(true);
      });

      it('lets exactly one of 20 concurrent transitions from the same status through, and releases at most once', async () => {
        const { booking, listing } = await bookedListing();
        const targets = ['accepted', 'declined', 'cancelled', 'disputed'] as const;
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => node(i).transitionBooking(booking.id, 'requested', targets[i % targets.length] as (typeof targets)[number])));
        const winners = results.filter((r) => r.ok);
        expect(winners).toHaveLength(1);
        expect(results.filter((r) => !r.ok)).toHaveLength(19);
        const after = await store.getListing(listing.id);
        const released = winners[0]?.ok && winners[0].releasedListing !== undefined;
        expect(after).toEqual(released ? { ...listing, available: true, version: 3 } : listing);
        expect((await store.getBooking(booking.id))?.version).toBe(2);
      });
    });

    describe('appendMessage and listMessages', () => {
      it('numbers messages 1..n per booking, with readAt null, created true', async () => {
        const { booking } = await bookedListing();
        const { booking: other } = await bookedListing('b9');
        const first = await store.appendMessage(message(booking.id, 'buyer1', 'c1', '  hello\nthere 👋'));
        expect(first).toEqual({
          created: true,
          message: { id: expect.any(String), bookingId: booking.id, seq: 1, senderId: 'buyer1', body: '  hello\nthere 👋', clientMsgId: 'c1', sentAt: SENT_AT, readAt: null },
        });
        expect((await node(1).appendMessage(message(booking.id, 'seller1', 'c1'))).message.seq).toBe(2);
        expect((await node(2).appendMessage(message(booking.id, 'buyer1', 'c2'))).message.seq).toBe(3);
        expect((await store.appendMessage(message(other.id, 'b9', 'c1'))).message.seq).toBe(1);
        expect((await store.listMessages(booking.id, 0)).map((m) => [m.seq, m.senderId, m.clientMsgId])).toEqual([
          [1, 'buyer1', 'c1'], [2, 'seller1', 'c1'], [3, 'buyer1', 'c2'],
        ]);
        expect(await store.getMessage(booking.id, first.message.id)).toEqual(first.message);
      });

      it('gives 50 concurrent appends from all nodes seq 1..50 with no gap or duplicate, listed in seq order', async () => {
        const { booking } = await bookedListing();
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => node(i).appendMessage(message(booking.id, i % 2 ? 'buyer1' : 'seller1', `c${i}`))));
        expect(results.every((r) => r.created)).toBe(true);
        expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        expect(new Set(results.map((r) => r.message.id)).size).toBe(50);
        const listed = await node(1).listMessages(booking.id, 0);
        expect(listed.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
        const byId = new Map(results.map((r) => [r.message.id, r.message]));
        for (const m of listed) expect(m).toEqual(byId.get(m.id));
      });

      it('returns the first message for a retried clientMsgId from the same sender, without taking a seq', async () => {
        const { booking } = await bookedListing();
        const first = await store.appendMessage(message(booking.id, 'buyer1', 'c1', 'first'));
        const retry = await node(1).appendMessage({ ...message(booking.id, 'buyer1', 'c1', 'second body'), sentAt: SENT_AT + 5 });
        expect(retry).toEqual({ created: false, message: first.message });
        expect((await store.appendMessage(message(booking.id, 'buyer1', 'c2'))).message.seq).toBe(2);
        expect((await store.listMessages(booking.id, 0)).map((m) => m.body)).toEqual(['first', 'body c2']);
      });

      it('keys idempotency by booking, sender and clientMsgId', async () => {
        const { booking } = await bookedListing();
        const { booking: other } = await bookedListing('buyer1', 'seller2');
        const a = await store.appendMessage(message(booking.id, 'buyer1', 'same'));
        const otherSender = await store.appendMessage(message(booking.id, 'seller1', 'same'));
        const otherBooking = await store.appendMessage(message(other.id, 'buyer1', 'same'));
        expect([a, otherSender, otherBooking].map((r) => [r.created, r.message.seq])).toEqual([[true, 1], [true, 2], [true, 1]]);
      });

      it('creates a message once under 20 concurrent retries of one clientMsgId, across nodes', async () => {
        const { booking } = await bookedListing();
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => node(i).appendMessage(message(booking.id, 'buyer1', 'retry-me', `attempt ${i}`))));
        const created = results.filter((r) => r.created);
        expect(created).toHaveLength(1);
        const first = (created[0] as (typeof created)[number]).message;
        expect(first.seq).toBe(1);
        for (const r of results) expect(r.message).toEqual(first);
        expect(await store.listMessages(booking.id, 0)).toEqual([first]);
      });

      it('lists messages after a seq', async () => {
        const { booking } = await bookedListing();
        for (let i = 1; i <= 5; i++) await store.appendMessage(message(booking.id, 'buyer1', `c${i}`));
        const seqs = async (after: number) => (await node(1).listMessages(booking.id, after)).map((m) => m.seq);
        expect(await seqs(0)).toEqual([1, 2, 3, 4, 5]);
        expect(await seqs(2)).toEqual([3, 4, 5]);
        expect(await seqs(4)).toEqual([5]);
        expect(await seqs(5)).toEqual([]);
        expect(await seqs(99)).toEqual([]);
        expect(await seqs(-3)).toEqual([1, 2, 3, 4, 5]);
        expect(await store.listMessages('nope', 0)).toEqual([]);
      });

      it('getMessage finds a message only in its own booking', async () => {
        const { booking } = await bookedListing();
        const { booking: other } = await bookedListing('b2', 's2');
        const { message: m } = await store.appendMessage(message(booking.id, 'buyer1', 'c1'));
        expect(await node(1).getMessage(booking.id, m.id)).toEqual(m);
        expect(await store.getMessage(other.id, m.id)).toBeUndefined();
        expect(await store.getMessage(booking.id, 'nope')).toBeUndefined();
      });
    });

    describe('markRead', () => {
      it('sets readAt once; later calls return the first readAt with changed false', async () => {
        const { booking } = await bookedListing();
        const { message: m } = await store.appendMessage(message(booking.id, 'buyer1', 'c1'));
        const first = await store.markRead(booking.id, m.id, SENT_AT + 10);
        expect(first).toEqual({ changed: true, message: { ...m, readAt: SENT_AT + 10 } });
        expect(await node(1).markRead(booking.id, m.id, SENT_AT + 20)).toEqual({ changed: false, message: { ...m, readAt: SENT_AT + 10 } });
        expect(await node(2).getMessage(booking.id, m.id)).toEqual({ ...m, readAt: SENT_AT + 10 });
        expect((await store.listMessages(booking.id, 0))[0]).toEqual({ ...m, readAt: SENT_AT + 10 });
      });

      it('gives undefined for an unknown message or a message of another booking', async () => {
        const { booking } = await bookedListing();
        const { booking: other } = await bookedListing('b2', 's2');
        const { message: m } = await store.appendMessage(message(booking.id, 'buyer1', 'c1'));
        expect(await store.markRead(booking.id, 'nope', SENT_AT)).toBeUndefined();
        expect(await store.markRead(other.id, m.id, SENT_AT)).toBeUndefined();
        expect((await store.getMessage(booking.id, m.id))?.readAt).toBeNull();
      });

      it('has one winner among 10 concurrent marks, and everyone gets its readAt', async () => {
        const { booking } = await bookedListing();
        const { message: m } = await store.appendMessage(message(booking.id, 'buyer1', 'c1'));
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => node(i).markRead(booking.id, m.id, SENT_AT + 100 + i)));
        const changed = results.filter((r) => r?.changed);
        expect(changed).toHaveLength(1);
        const readAt = (changed[0]?.message as Message).readAt;
        for (const r of results) expect(r?.message.readAt).toBe(readAt);
        expect((await store.getMessage(booking.id, m.id))?.readAt).toBe(readAt);
      });
    });
  });
}

const TTL = 1_000;

export function describePresenceStore(name: string, factory: () => Promise<PresenceFixture>): void {
  describe(`PresenceStore: ${name}`, () => {
    let fixture: PresenceFixture;
    let presence: PresenceStore;
    const node = (i: number): PresenceStore => fixture.nodes[i % fixture.nodes.length] as PresenceStore;
    const sorted = (ids: string[]) => [...ids].sort();

    beforeEach(async () => {
      fixture = await factory();
      presence = node(0);
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('reports cameOnline on the first touch only, seen from every node', async () => {
      expect(await presence.isOnline('u1')).toBe(false);
      expect(await presence.touch('u1', TTL, 0)).toEqual({ cameOnline: true });
      expect(await node(1).isOnline('u1')).toBe(true);
      expect(await node(1).touch('u1', TTL, 100)).toEqual({ cameOnline: false });
      expect(await node(2).touch('u1', TTL, 900)).toEqual({ cameOnline: false });
    });

    it('keeps users apart', async () => {
      await presence.touch('u1', TTL, 0);
      expect(await presence.touch('u2', TTL, 0)).toEqual({ cameOnline: true });
      expect(await presence.isOnline('u3')).toBe(false);
    });

    it('hands out nothing before the TTL lapses', async () => {
      await presence.touch('u1', TTL, 0);
      expect(await presence.takeLapsed(TTL - 1)).toEqual([]);
      expect(await presence.isOnline('u1')).toBe(true);
    });

    it('takeLapsed returns a lapsed user exactly once', async () => {
      await presence.touch('u1', TTL, 0);
      await presence.touch('u2', TTL, 500);
      expect(await presence.takeLapsed(TTL + 100)).toEqual(['u1']);
      expect(await node(1).takeLapsed(TTL + 200)).toEqual([]);
      expect(await node(2).isOnline('u1')).toBe(false);
      expect(await presence.isOnline('u2')).toBe(true);
      expect(await node(1).takeLapsed(TTL + 600)).toEqual(['u2']);
      expect(await presence.takeLapsed(10 * TTL)).toEqual([]);
    });

    it('each touch extends the TTL from its own time', async () => {
      await presence.touch('u1', TTL, 0);
      await node(1).touch('u1', TTL, 800);
      expect(await presence.takeLapsed(TTL + 500)).toEqual([]);
      expect(await presence.takeLapsed(800 + TTL)).toEqual(['u1']);
    });

    it('a refresh after the lapse but before the sweep keeps the user and announces nothing', async () => {
      await presence.touch('u1', TTL, 0);
      expect(await presence.isOnline('u1')).toBe(true);
      expect(await node(1).touch('u1', TTL, TTL + 200)).toEqual({ cameOnline: false });
      expect(await presence.takeLapsed(TTL + 300)).toEqual([]);
      expect(await presence.isOnline('u1')).toBe(true);
    });

    it('a user taken as lapsed who comes back is online again', async () => {
      await presence.touch('u1', TTL, 0);
      expect(await presence.takeLapsed(TTL)).toEqual(['u1']);
      expect(await node(1).touch('u1', TTL, TTL + 50)).toEqual({ cameOnline: true });
      expect(await presence.isOnline('u1')).toBe(true);
      expect(await node(2).takeLapsed(2 * TTL + 50)).toEqual(['u1']);
    });

    it('tells exactly one of several concurrent first touches that the user came online', async () => {
      const results = await Promise.all(Array.from({ length: 9 }, (_, i) => node(i).touch('u1', TTL, i)));
      expect(results.filter((r) => r.cameOnline)).toHaveLength(1);
    });

    it('hands each lapse to exactly one of 3 nodes sweeping concurrently, never before it lapsed', async () => {
      const users = Array.from({ length: 120 }, (_, i) => `u${i}`);
      // user i lapses at 10 * i + TTL
      await Promise.all(users.map((u, i) => node(i).touch(u, TTL, 10 * i)));
      const takenBy = new Map<string, number[]>();
      for (let now = TTL; now <= TTL + 10 * users.length; now += 97) {
        const rounds = await Promise.all([0, 1, 2].map((n) => node(n).takeLapsed(now)));
        rounds.forEach((taken, n) => {
          for (const u of taken) {
            expect(TTL + 10 * Number(u.slice(1)), `${u} taken at ${now}`).toBeLessThanOrEqual(now);
            takenBy.set(u, [...(takenBy.get(u) ?? []), n]);
          }
        });
      }
      const last = await Promise.all([0, 1, 2].map((n) => node(n).takeLapsed(10 * TTL + 10 * users.length)));
      last.forEach((taken, n) => taken.forEach((u) => takenBy.set(u, [...(takenBy.get(u) ?? []), n])));
      expect(sorted([...takenBy.keys()])).toEqual(sorted(users));
      const duplicates = [...takenBy].filter(([, nodes]) => nodes.length !== 1);
      expect(duplicates).toEqual([]);
      for (const u of users) expect(await node(1).isOnline(u)).toBe(false);
    });

    it('hands out a large lapse completely in one call', async () => {
      const users = Array.from({ length: 1_200 }, (_, i) => `bulk${i}`);
      await Promise.all(users.map((u) => presence.touch(u, TTL, 0)));
      const rounds = await Promise.all([0, 1, 2].map((n) => node(n).takeLapsed(TTL)));
      const all = rounds.flat();
      expect(all).toHaveLength(users.length);
      expect(sorted(all)).toEqual(sorted(users));
    });
  });
}
