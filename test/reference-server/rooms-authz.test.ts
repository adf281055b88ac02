import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeAllClients, sleep, type TestClient } from '../helpers/client.ts';
import { startWorld, type TestWorld } from '../helpers/world.ts';

/*
 * Who may join which room (docs/contract.md §4), verified by receipt: an ack saying "joined"
 * or "refused" is not trusted on its own. After each join attempt a legitimate event is sent
 * to the room; allowed sockets must get it, and refused sockets must not get it nor anything
 * else of that room (§6.7). A control socket that joined before the event proves it happened.
 */

let world: TestWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterEach(() => closeAllClients());
afterAll(() => world.close());

/** How long a "not received" assertion waits after the control socket got the event. */
const GRACE_MS = 100;
/** Every wait fails with a message instead of hanging. */
const WAIT_MS = 3_000;

const forbidden = { ok: false, error: { code: 'forbidden', message: expect.any(String) } };
const notFound = { ok: false, error: { code: 'not_found', message: expect.any(String) } };
const badRequest = { ok: false, error: { code: 'bad_request', message: expect.any(String) } };

/** Everything a socket received apart from its own `session`: room and user-room events. */
const roomEvents = (client: TestClient) => client.received.filter((r) => r.event !== 'session');

async function changePrice(sellerId: string, listingId: string, price: number): Promise<void> {
  const res = await world.http('PATCH', `/api/listings/${listingId}`, { as: [sellerId, 'seller'], body: { price } });
  expect(res.status).toBe(200);
}

async function connectAll(users: [string, 'buyer' | 'seller' | 'admin'][]): Promise<TestClient[]> {
  const clients: TestClient[] = [];
  for (const [id, role] of users) {
    const client = await world.connect(id, role);
    await client.waitFor('session', () => true, WAIT_MS);
    clients.push(client);
  }
  return clients;
}

describe('listing:{id} (contract §4)', () => {
  it('private listing: owner, admin and a buyer with a booking join; a stranger buyer and another seller are refused; only the joined get listing:priceChanged', async () => {
    const listing = await world.listing('lp-owner', { private: true, price: 100 });
    await world.booking('lp-booker', listing.id);
    const [owner, admin, booker, strangerBuyer, otherSeller] = await connectAll([
      ['lp-owner', 'seller'],
      ['lp-admin', 'admin'],
      ['lp-booker', 'buyer'],
      ['lp-stranger', 'buyer'],
      ['lp-other-seller', 'seller'],
    ]);
    const allowed = [owner!, admin!, booker!];
    const refused = [strangerBuyer!, otherSeller!];

    for (const client of allowed) expect(await client.ack('listing:watch', listing.id)).toMatchObject({ ok: true });
    for (const client of refused) expect(await client.ack('listing:watch', listing.id)).toEqual(forbidden);

    await changePrice('lp-owner', listing.id, 250);
    for (const client of allowed) {
      const event = await client.waitFor('listing:priceChanged', (p) => p.listingId === listing.id, WAIT_MS);
      expect(event).toMatchObject({ listingId: listing.id, price: 250, version: listing.version + 2 });
    }
    await sleep(GRACE_MS);
    for (const client of refused) expect(roomEvents(client)).toEqual([]);
  });

  it('public listing: any buyer, another seller and an admin may watch, and all get listing:priceChanged', async () => {
    const listing = await world.listing('lpub-owner', { price: 10 });
    const watchers = await connectAll([
      ['lpub-buyer', 'buyer'],
      ['lpub-other-seller', 'seller'],
      ['lpub-admin', 'admin'],
      ['lpub-owner', 'seller'],
    ]);
    for (const client of watchers) expect(await client.ack('listing:watch', listing.id)).toMatchObject({ ok: true });

    await changePrice('lpub-owner', listing.id, 11);
    for (const client of watchers) {
      const event = await client.waitFor('listing:priceChanged', (p) => p.listingId === listing.id, WAIT_MS);
      expect(event).toMatchObject({ listingId: listing.id, price: 11, version: 2 });
    }
  });

  it('an unknown listing answers not_found to every role', async () => {
    const clients = await connectAll([
      ['lunk-buyer', 'buyer'],
      ['lunk-seller', 'seller'],
      ['lunk-admin', 'admin'],
    ]);
    for (const client of clients) {
      expect(await client.ack('listing:watch', 'l_no_such_listing')).toEqual(notFound);
    }
    await sleep(GRACE_MS);
    for (const client of clients) expect(roomEvents(client)).toEqual([]);
  });
});

describe('booking:{id} (contract §4)', () => {
  it('its buyer, its seller and an admin join; a stranger buyer and another seller are refused; only the joined get message:new and booking:statusChanged', async () => {
    const listing = await world.listing('bk-seller');
    const booking = await world.booking('bk-buyer', listing.id);
    const [buyer, seller, admin, strangerBuyer, otherSeller] = await connectAll([
      ['bk-buyer', 'buyer'],
      ['bk-seller', 'seller'],
      ['bk-admin', 'admin'],
      ['bk-stranger', 'buyer'],
      ['bk-other-seller', 'seller'],
    ]);
    const allowed = [buyer!, seller!, admin!];
    const refused = [strangerBuyer!, otherSeller!];

    for (const client of allowed) expect(await client.ack('booking:join', booking.id)).toMatchObject({ ok: true });
    for (const client of refused) expect(await client.ack('booking:join', booking.id)).toEqual(forbidden);

    const sent = await buyer!.ack('message:send', { bookingId: booking.id, body: 'hello seller', clientMsgId: 'bk-c1' });
    expect(sent).toMatchObject({ ok: true, message: { bookingId: booking.id, seq: 1, senderId: 'bk-buyer' } });
    for (const client of allowed) {
      const message = await client.waitFor('message:new', (m) => m.bookingId === booking.id, WAIT_MS);
      expect(message).toMatchObject({ id: sent.message.id, seq: 1, body: 'hello seller' });
    }

    const res = await world.http('POST', `/api/bookings/${booking.id}/transition`, {
      as: ['bk-seller', 'seller'],
      body: { to: 'accepted' },
    });
    expect(res.status).toBe(200);
    for (const client of allowed) {
      const change = await client.waitFor('booking:statusChanged', (p) => p.bookingId === booking.id, WAIT_MS);
      expect(change).toMatchObject({ bookingId: booking.id, from: 'requested', to: 'accepted', version: 2 });
    }

    await sleep(GRACE_MS);
    for (const client of refused) expect(roomEvents(client)).toEqual([]);
  });

  it('an unknown booking answers not_found to every role', async () => {
    const clients = await connectAll([
      ['bunk-buyer', 'buyer'],
      ['bunk-seller', 'seller'],
      ['bunk-admin', 'admin'],
    ]);
    for (const client of clients) expect(await client.ack('booking:join', 'b_no_such_booking')).toEqual(notFound);
  });
});

describe('presence:{userId} (contract §4)', () => {
  it('any user may watch a known seller; a buyer or unknown id only admins may; only the joined get presence:changed when the user comes online', async () => {
    // Known to the server through HTTP only, so none of them is online yet.
    await world.listing('pr-seller');
    const someListing = await world.listing('pr-other-listing-owner');
    await world.booking('pr-buyer', someListing.id);
    const unknownId = 'pr-unknown';

    const [buyerWatcher, sellerWatcher, adminWatcher] = await connectAll([
      ['pr-w-buyer', 'buyer'],
      ['pr-w-seller', 'seller'],
      ['pr-w-admin', 'admin'],
    ]);

    // A known seller: anyone.
    for (const client of [buyerWatcher!, sellerWatcher!, adminWatcher!]) {
      expect(await client.ack('presence:watch', 'pr-seller')).toMatchObject({ ok: true, online: false });
    }
    // A buyer: admins only.
    for (const client of [buyerWatcher!, sellerWatcher!]) {
      expect(await client.ack('presence:watch', 'pr-buyer')).toEqual(forbidden);
    }
    expect(await adminWatcher!.ack('presence:watch', 'pr-buyer')).toMatchObject({ ok: true, online: false });
    // An id the server has never seen: admins only.
    for (const client of [buyerWatcher!, sellerWatcher!]) {
      expect(await client.ack('presence:watch', unknownId)).toEqual(forbidden);
    }
    expect(await adminWatcher!.ack('presence:watch', unknownId)).toMatchObject({ ok: true, online: false });

    const online = (userId: string) => (p: any) => p.userId === userId && p.online === true;

    await world.connect('pr-seller', 'seller');
    for (const client of [buyerWatcher!, sellerWatcher!, adminWatcher!]) {
      await client.waitFor('presence:changed', online('pr-seller'), WAIT_MS);
    }
    await world.connect('pr-buyer', 'buyer');
    await adminWatcher!.waitFor('presence:changed', online('pr-buyer'), WAIT_MS);
    // It connects as a seller, which makes it a known seller only now: the refused joins stay refused.
    await world.connect(unknownId, 'seller');
    await adminWatcher!.waitFor('presence:changed', online(unknownId), WAIT_MS);

    await sleep(GRACE_MS);
    for (const client of [buyerWatcher!, sellerWatcher!]) {
      expect(client.payloadsOf('presence:changed')).toEqual([expect.objectContaining({ userId: 'pr-seller', online: true })]);
      expect(roomEvents(client).map((r) => r.event)).toEqual(['presence:changed']);
    }
  });

  it('a seller becomes known by a socket connection as well as by HTTP', async () => {
    const seller = await world.connect('prs-seller', 'seller');
    await seller.waitFor('session', () => true, WAIT_MS);
    const watcher = await world.connect('prs-w-buyer', 'buyer');
    expect(await watcher.ack('presence:watch', 'prs-seller')).toMatchObject({ ok: true, online: true });
  });

  it('a user id that has authenticated with role seller is a known seller, even if it authenticated as a buyer first', async () => {
    // First seen as a buyer (any authenticated HTTP call records the user), then as a seller.
    const asBuyer = await world.http('POST', '/api/bookings', { as: ['prx-switch', 'buyer'], body: { listingId: 'l_none' } });
    expect(asBuyer.status).toBe(404);
    await world.listing('prx-switch');
    const watcher = await world.connect('prx-w-buyer', 'buyer');
    expect(await watcher.ack('presence:watch', 'prx-switch')).toMatchObject({ ok: true });
  });
});

describe('user:{userId} (contract §4)', () => {
  it('a notification for seller A reaches A and never seller B', async () => {
    const listing = await world.listing('ur-seller-a');
    const [sellerA, sellerB] = await connectAll([
      ['ur-seller-a', 'seller'],
      ['ur-seller-b', 'seller'],
    ]);
    // There is no event to join a user room; room-shaped ids are not ids.
    expect(await sellerB!.ack('listing:watch', 'user:ur-seller-a')).toEqual(badRequest);
    expect(await sellerB!.ack('booking:join', 'user:ur-seller-a')).toEqual(badRequest);
    expect(await sellerB!.ack('presence:watch', 'user:ur-seller-a')).toEqual(badRequest);

    const booking = await world.booking('ur-buyer', listing.id);
    const note = await sellerA!.waitFor('notification', (n) => n.bookingId === booking.id, WAIT_MS);
    expect(note).toMatchObject({ type: 'booking:requested', bookingId: booking.id });

    await sleep(GRACE_MS);
    expect(roomEvents(sellerB!)).toEqual([]);
  });
});

describe('authorization is decided on every join (contract §4)', () => {
  it('a buyer refused on a private listing may watch it once it has a booking on it', async () => {
    const listing = await world.listing('ra-owner', { private: true });
    const [owner, buyer] = await connectAll([
      ['ra-owner', 'seller'],
      ['ra-buyer', 'buyer'],
    ]);
    expect(await owner!.ack('listing:watch', listing.id)).toMatchObject({ ok: true });
    expect(await buyer!.ack('listing:watch', listing.id)).toEqual(forbidden);

    // Refused: the booking's availability change reaches the owner, not the buyer.
    await world.booking('ra-buyer', listing.id);
    await owner!.waitFor('listing:availabilityChanged', (p) => p.listingId === listing.id, WAIT_MS);
    await sleep(GRACE_MS);
    expect(roomEvents(buyer!)).toEqual([]);

    expect(await buyer!.ack('listing:watch', listing.id)).toMatchObject({ ok: true });
    await changePrice('ra-owner', listing.id, 77);
    const event = await buyer!.waitFor('listing:priceChanged', (p) => p.listingId === listing.id, WAIT_MS);
    expect(event).toMatchObject({ listingId: listing.id, price: 77 });
  });

  it('a watcher refused on an unknown id may watch it once that id has authenticated as a seller', async () => {
    const watcher = await world.connect('rp-watcher', 'buyer');
    expect(await watcher.ack('presence:watch', 'rp-late-seller')).toEqual(forbidden);
    await world.listing('rp-late-seller');
    expect(await watcher.ack('presence:watch', 'rp-late-seller')).toMatchObject({ ok: true, online: false });
    await world.connect('rp-late-seller', 'seller');
    await watcher.waitFor('presence:changed', (p) => p.userId === 'rp-late-seller' && p.online === true, WAIT_MS);
  });
});

describe('an array mixing an allowed and a forbidden id joins nothing (contract §2, §4)', () => {
  it.each([
    ['allowed first', false],
    ['forbidden first', true],
  ])('listing:watch (%s) is bad_request and neither listing room is joined', async (name, reversed) => {
    const tag = reversed ? 'ml2' : 'ml1';
    const open = await world.listing(`${tag}-s-open`);
    const closed = await world.listing(`${tag}-s-closed`, { private: true });
    const [buyer, admin] = await connectAll([
      [`${tag}-buyer`, 'buyer'],
      [`${tag}-admin`, 'admin'],
    ]);
    expect(await buyer!.ack('listing:watch', open.id)).toMatchObject({ ok: true }); // each alone: allowed
    expect(await buyer!.ack('listing:unwatch', open.id)).toMatchObject({ ok: true });
    expect(await buyer!.ack('listing:watch', closed.id)).toEqual(forbidden); // each alone: refused
    for (const id of [open.id, closed.id]) expect(await admin!.ack('listing:watch', id)).toMatchObject({ ok: true });

    const ids = reversed ? [closed.id, open.id] : [open.id, closed.id];
    expect(await buyer!.ack('listing:watch', ids), name).toEqual(badRequest);

    await changePrice(`${tag}-s-open`, open.id, 5);
    await changePrice(`${tag}-s-closed`, closed.id, 6);
    await admin!.waitFor('listing:priceChanged', (p) => p.listingId === open.id, WAIT_MS);
    await admin!.waitFor('listing:priceChanged', (p) => p.listingId === closed.id, WAIT_MS);
    await sleep(GRACE_MS);
    expect(roomEvents(buyer!)).toEqual([]);
  });

  it('booking:join is bad_request and neither booking room is joined', async () => {
    const mine = await world.booking('mb-buyer', (await world.listing('mb-seller-1')).id);
    const theirs = await world.booking('mb-other-buyer', (await world.listing('mb-seller-2')).id);
    const [buyer, admin, otherBuyer] = await connectAll([
      ['mb-buyer', 'buyer'],
      ['mb-admin', 'admin'],
      ['mb-other-buyer', 'buyer'],
    ]);
    expect(await buyer!.ack('booking:join', theirs.id)).toEqual(forbidden); // alone: refused
    for (const id of [mine.id, theirs.id]) expect(await admin!.ack('booking:join', id)).toMatchObject({ ok: true });

    expect(await buyer!.ack('booking:join', [mine.id, theirs.id])).toEqual(badRequest);

    // The buyer is a party of its own booking, so it may write there without having joined.
    const a = await buyer!.ack('message:send', { bookingId: mine.id, body: 'in mine', clientMsgId: 'mb-1' });
    expect(a).toMatchObject({ ok: true });
    const b = await otherBuyer!.ack('message:send', { bookingId: theirs.id, body: 'in theirs', clientMsgId: 'mb-2' });
    expect(b).toMatchObject({ ok: true });
    await admin!.waitFor('message:new', (m) => m.bookingId === mine.id, WAIT_MS);
    await admin!.waitFor('message:new', (m) => m.bookingId === theirs.id, WAIT_MS);
    const status = await world.http('POST', `/api/bookings/${theirs.id}/transition`, {
      as: ['mb-seller-2', 'seller'],
      body: { to: 'accepted' },
    });
    expect(status.status).toBe(200);
    await admin!.waitFor('booking:statusChanged', (p) => p.bookingId === theirs.id, WAIT_MS);

    await sleep(GRACE_MS);
    expect(roomEvents(buyer!)).toEqual([]);
  });

  it('presence:watch is bad_request and neither presence room is joined', async () => {
    await world.listing('mp-seller'); // known seller, not online
    await world.booking('mp-buyer', (await world.listing('mp-seller-2')).id); // known buyer, not online
    const [watcher, admin] = await connectAll([
      ['mp-watcher', 'buyer'],
      ['mp-admin', 'admin'],
    ]);
    for (const id of ['mp-seller', 'mp-buyer']) {
      expect(await admin!.ack('presence:watch', id)).toMatchObject({ ok: true, online: false });
    }

    expect(await watcher!.ack('presence:watch', ['mp-seller', 'mp-buyer'])).toEqual(badRequest);

    await world.connect('mp-seller', 'seller');
    await world.connect('mp-buyer', 'buyer');
    await admin!.waitFor('presence:changed', (p) => p.userId === 'mp-seller' && p.online, WAIT_MS);
    await admin!.waitFor('presence:changed', (p) => p.userId === 'mp-buyer' && p.online, WAIT_MS);
    await sleep(GRACE_MS);
    expect(roomEvents(watcher!)).toEqual([]);
  });
});
