import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BOOKING_TRANSITIONS, type Actor, type BookingStatus } from '../../src/contract/index.ts';
import { closeAllClients } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterEach(() => closeAllClients());
afterAll(() => world.close());

let n = 0;
const uid = (prefix: string) => `${prefix}${++n}`;

describe('POST /api/listings', () => {
  it('creates a listing owned by the seller, available, version 1', async () => {
    const res = await world.http('POST', '/api/listings', { as: ['s-create', 'seller'], body: { title: ' Loft ', price: 120 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ sellerId: 's-create', title: 'Loft', price: 120, private: false, available: true, version: 1 });
    expect(res.body.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it.each(['buyer', 'admin'] as const)('refuses a %s with 403', async (role) => {
    const res = await world.http('POST', '/api/listings', { as: ['x1', role], body: { title: 't', price: 1 } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
  });

  it.each([
    ['no body', undefined],
    ['invalid JSON', '{nope'],
    ['an array', [1, 2]],
    ['a missing title', { price: 1 }],
    ['an empty title', { title: '   ', price: 1 }],
    ['a negative price', { title: 't', price: -1 }],
    ['a string price', { title: 't', price: '10' }],
    ['a non-boolean private', { title: 't', price: 1, private: 'yes' }],
  ])('answers 400 bad_request for %s', async (_name, body) => {
    const res = await world.http('POST', '/api/listings', { as: ['s-bad', 'seller'], body });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'bad_request' });
    expect(res.body.error.message.length).toBeGreaterThan(0);
  });

  it('answers 400 for a body over 64 KiB', async () => {
    const res = await world.http('POST', '/api/listings', { as: ['s-big', 'seller'], body: { title: 'x'.repeat(70_000), price: 1 } });
    expect(res.status).toBe(400);
  });

  it('answers 404 not_found for an unknown route', async () => {
    const res = await world.http('GET', '/api/nothing', { as: ['s1', 'seller'] });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('PATCH /api/listings/:id', () => {
  it('changes the price, bumps the version and tells watchers', async () => {
    const seller = uid('s');
    const listing = await world.listing(seller, { price: 10 });
    const watcher = await world.connect(uid('b'), 'buyer');
    expect(await watcher.ack('listing:watch', listing.id)).toEqual({ ok: true });
    const res = await world.http('PATCH', `/api/listings/${listing.id}`, { as: [seller, 'seller'], body: { price: 12 } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: listing.id, price: 12, version: 2 });
    const event = await watcher.waitFor('listing:priceChanged');
    expect(event).toMatchObject({ listingId: listing.id, price: 12, version: 2 });
    expect(typeof event.at).toBe('number');
  });

  it('answers 403 to another seller and 404 for an unknown listing', async () => {
    const listing = await world.listing(uid('s'));
    const other = await world.http('PATCH', `/api/listings/${listing.id}`, { as: [uid('s'), 'seller'], body: { price: 1 } });
    expect(other.status).toBe(403);
    const unknown = await world.http('PATCH', '/api/listings/nope', { as: [uid('s'), 'seller'], body: { price: 1 } });
    expect(unknown.status).toBe(404);
    const badId = await world.http('PATCH', '/api/listings/a%3Ab', { as: [uid('s'), 'seller'], body: { price: 1 } });
    expect(badId.status).toBe(400);
  });

  it('gives rapid successive changes strictly increasing versions at a watcher', async () => {
    const seller = uid('s');
    const listing = await world.listing(seller);
    const watcher = await world.connect(uid('b'), 'buyer');
    await watcher.ack('listing:watch', listing.id);
    const changes = Array.from({ length: 20 }, (_, i) =>
      world.http('PATCH', `/api/listings/${listing.id}`, { as: [seller, 'seller'], body: { price: 100 + i } }),
    );
    const answers = await Promise.all(changes);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await watcher.waitFor('listing:priceChanged', (e) => e.version === 21);
    const versions = watcher.payloadsOf('listing:priceChanged').map((e) => e.version);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
  });
});

describe('POST /api/bookings', () => {
  it('books an available listing, tells watchers and notifies the seller', async () => {
    const seller = uid('s');
    const buyer = uid('b');
    const listing = await world.listing(seller);
    const watcher = await world.connect(uid('w'), 'buyer');
    await watcher.ack('listing:watch', listing.id);
    const sellerSocket = await world.connect(seller, 'seller');
    const res = await world.http('POST', '/api/bookings', { as: [buyer, 'buyer'], body: { listingId: listing.id } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ listingId: listing.id, buyerId: buyer, sellerId: seller, status: 'requested', version: 1 });
    expect(await watcher.waitFor('listing:availabilityChanged')).toMatchObject({
      listingId: listing.id,
      available: false,
      version: 2,
    });
    expect(await sellerSocket.waitFor('notification')).toMatchObject({ type: 'booking:requested', bookingId: res.body.id });
  });

  it('lets exactly one of many concurrent buyers win; the rest get 409 conflict', async () => {
    const listing = await world.listing(uid('s'));
    const watcher = await world.connect(uid('w'), 'buyer');
    await watcher.ack('listing:watch', listing.id);
    const attempts = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        world.http('POST', '/api/bookings', { as: [`racer${n}-${i}`, 'buyer'], body: { listingId: listing.id } }),
      ),
    );
    const statuses = attempts.map((a) => a.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(29);
    expect(attempts.find((a) => a.status === 409)?.body.error.code).toBe('conflict');
    await watcher.waitFor('listing:availabilityChanged');
    expect(watcher.payloadsOf('listing:availabilityChanged')).toHaveLength(1);
  });

  it('answers 403 to a seller, 404 for an unknown listing, 400 for a bad id', async () => {
    const listing = await world.listing(uid('s'));
    expect((await world.http('POST', '/api/bookings', { as: [uid('s'), 'seller'], body: { listingId: listing.id } })).status).toBe(403);
    expect((await world.http('POST', '/api/bookings', { as: [uid('b'), 'buyer'], body: { listingId: 'nope' } })).status).toBe(404);
    for (const listingId of [['a'], { a: 1 }, 'a:b', 'x'.repeat(65), null, 7]) {
      const res = await world.http('POST', '/api/bookings', { as: [uid('b'), 'buyer'], body: { listingId } });
      expect(res.status, JSON.stringify(listingId)).toBe(400);
    }
  });
});

describe('POST /api/bookings/:id/transition (the state machine)', () => {
  /** Walk a fresh booking along `steps`, each by its allowed actor. */
  async function bookingAt(status: BookingStatus) {
    const seller = uid('s');
    const buyer = uid('b');
    const listing = await world.listing(seller);
    const booking = await world.booking(buyer, listing.id);
    const route: Record<BookingStatus, [BookingStatus, Actor][]> = {
      requested: [],
      accepted: [['accepted', 'seller']],
      declined: [['declined', 'seller']],
      cancelled: [['cancelled', 'buyer']],
      paid: [['accepted', 'seller'], ['paid', 'buyer']],
      completed: [['accepted', 'seller'], ['paid', 'buyer'], ['completed', 'seller']],
      disputed: [['disputed', 'buyer']],
      resolved: [['disputed', 'buyer'], ['resolved', 'admin']],
    };
    const ids: Record<Actor, string> = { buyer, seller, admin: 'admin1' };
    for (const [to, actor] of route[status]) {
      const res = await world.http('POST', `/api/bookings/${booking.id}/transition`, { as: [ids[actor], actor], body: { to } });
      if (res.status !== 200) throw new Error(`setup ${to} by ${actor}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    return { booking, listing, ids };
  }

  const statuses: BookingStatus[] = ['requested', 'accepted', 'declined', 'cancelled', 'paid', 'completed', 'disputed', 'resolved'];
  const actors: Actor[] = ['buyer', 'seller', 'admin'];
  const cases: [BookingStatus, BookingStatus, Actor, number][] = [];
  for (const from of statuses) {
    for (const to of statuses) {
      for (const actor of actors) {
        const allowed = BOOKING_TRANSITIONS.some((t) => t.from === from && t.to === to && t.by.includes(actor));
        const reachable = BOOKING_TRANSITIONS.some((t) => t.to === to && t.by.includes(actor));
        cases.push([from, to, actor, allowed ? 200 : reachable ? 409 : 403]);
      }
    }
  }
  // Every edge, plus a sample of refusals, keeps this quick while covering each answer kind.
  const sample = cases.filter(([from, to], i) => BOOKING_TRANSITIONS.some((t) => t.from === from && t.to === to) || i % 7 === 0);

  it.each(sample)('%s → %s by %s answers %d', async (from, to, actor, status) => {
    const { booking, ids } = await bookingAt(from);
    const watcher = await world.connect(ids.seller, 'seller');
    await watcher.ack('booking:join', booking.id);
    const res = await world.http('POST', `/api/bookings/${booking.id}/transition`, { as: [ids[actor], actor], body: { to } });
    expect(res.status).toBe(status);
    if (status === 200) {
      expect(res.body).toMatchObject({ id: booking.id, status: to });
      const event = await watcher.waitFor('booking:statusChanged', (e) => e.to === to);
      expect(event).toMatchObject({ bookingId: booking.id, from, to, version: res.body.version });
    }
  });

  it('answers 403 to a stranger, 404 for an unknown booking, 400 for an unknown status', async () => {
    const { booking } = await bookingAt('requested');
    expect((await world.http('POST', `/api/bookings/${booking.id}/transition`, { as: [uid('b'), 'buyer'], body: { to: 'cancelled' } })).status).toBe(403);
    expect((await world.http('POST', '/api/bookings/nope/transition', { as: [uid('b'), 'buyer'], body: { to: 'cancelled' } })).status).toBe(404);
    expect((await world.http('POST', `/api/bookings/${booking.id}/transition`, { as: [booking.buyerId, 'buyer'], body: { to: 'gone' } })).status).toBe(400);
  });

  it.each(['declined', 'cancelled'] as const)('%s gives the listing back to the market', async (to) => {
    const { booking, listing, ids } = await bookingAt('requested');
    const watcher = await world.connect(uid('w'), 'buyer');
    await watcher.ack('listing:watch', listing.id);
    const actor: Actor = to === 'declined' ? 'seller' : 'buyer';
    const res = await world.http('POST', `/api/bookings/${booking.id}/transition`, { as: [ids[actor], actor], body: { to } });
    expect(res.status).toBe(200);
    expect(await watcher.waitFor('listing:availabilityChanged')).toMatchObject({ available: true, version: 3 });
    const again = await world.http('POST', '/api/bookings', { as: [uid('b'), 'buyer'], body: { listingId: listing.id } });
    expect(again.status).toBe(201);
  });
});

describe('GET /api/bookings/:id/messages', () => {
  it('returns messages after a seq, in order, to parties and admins only', async () => {
    const seller = uid('s');
    const buyer = uid('b');
    const listing = await world.listing(seller);
    const booking = await world.booking(buyer, listing.id);
    const socket = await world.connect(buyer, 'buyer');
    for (let i = 1; i <= 5; i++) {
      const ack = await socket.ack('message:send', { bookingId: booking.id, body: `m${i}`, clientMsgId: `c${i}` });
      expect(ack.ok).toBe(true);
    }
    const all = await world.http('GET', `/api/bookings/${booking.id}/messages`, { as: [seller, 'seller'] });
    expect(all.status).toBe(200);
    expect(all.body.messages.map((m: any) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all.body.messages[0]).toMatchObject({ bookingId: booking.id, senderId: buyer, body: 'm1', clientMsgId: 'c1', readAt: null });
    const after = await world.http('GET', `/api/bookings/${booking.id}/messages?after=3`, { as: ['admin1', 'admin'] });
    expect(after.body.messages.map((m: any) => m.body)).toEqual(['m4', 'm5']);
    expect((await world.http('GET', `/api/bookings/${booking.id}/messages`, { as: [uid('b'), 'buyer'] })).status).toBe(403);
    expect((await world.http('GET', `/api/bookings/${booking.id}/messages?after=-1`, { as: [buyer, 'buyer'] })).status).toBe(400);
    expect((await world.http('GET', `/api/bookings/${booking.id}/messages?after=x`, { as: [buyer, 'buyer'] })).status).toBe(400);
    expect((await world.http('GET', '/api/bookings/nope/messages', { as: [buyer, 'buyer'] })).status).toBe(404);
  });
});
