import type { Role } from '../../contract/index.ts';
import { LIVENESS_PING, type ProbeClient, type Received } from '../probe-client.ts';
import { describeValue, smugglingIdValues, withField } from '../probes/hostile-payloads.ts';
import { CheckFailed, type CheckContext, type CheckDefinition } from '../types.ts';

/*
 * Authorization (docs/contract.md §4, §6.7), verified by receipt: an ack is never trusted on its
 * own. After the join attempts a legitimate user causes an event in each room; a control socket
 * that may be there proves it happened, and after an absence window sized from the latency this
 * check measured on the target (ctx.absenceWindowMs) a socket that may not be there must not have
 * received it. Writes from non-parties must change nothing anyone can observe. Independent acks
 * and setup calls go out together, so a check costs a few round trips, not one per step, on a
 * remote target.
 */

/** How long an allowed socket or a control may take to receive an event. */
const WAIT_MS = 3_000;

type RoomKind = 'listing' | 'booking' | 'presence' | 'user';

const ackText = (ack: unknown) => JSON.stringify(ack);
const isOk = (ack: any) => ack?.ok === true;
const sameReceipt = (a: Received, b: Received) => a.event === b.event && JSON.stringify(a.payload) === JSON.stringify(b.payload);

/**
 * Does an event received by a socket belong to this room? By the ids the contract puts in each
 * payload. Every kind but `user` is named by its payload alone (listing:*, booking:*, typing:*,
 * presence:changed go to their own room only). A `notification` names the booking it is about,
 * not the user room it went to: which room it came through is attributed by `userRoomLeaks`.
 */
function belongsTo(kind: RoomKind, id: string, r: Received): boolean {
  const p = r.payload as Record<string, unknown> | null | undefined;
  if (!p || typeof p !== 'object') return false;
  switch (kind) {
    case 'listing':
      return r.event.startsWith('listing:') && p.listingId === id;
    case 'booking':
      return ['message:new', 'booking:statusChanged', 'typing:start', 'typing:stop'].includes(r.event) && p.bookingId === id;
    case 'presence':
      return r.event === 'presence:changed' && p.userId === id;
    case 'user':
      // `id` here is the booking whose request notified the user.
      return r.event === 'notification' && p.bookingId === id;
  }
}

/**
 * Which notifications about a booking reached `probe` through a room it joined rather than its
 * own user room. A notification goes to `user:{userId}` (contract §5), and a server may notify
 * any user it likes through that user's own room (the buyer of a booking, say). `twin` is another
 * connection of the same user that joined nothing: whatever reached both came through their user
 * room; a receipt on `probe` without its match on `twin` came through a room `probe` joined.
 */
function userRoomLeaks(probe: ProbeClient, twin: ProbeClient, bookingId: string): Received[] {
  const unmatched = twin.received.filter((r) => belongsTo('user', bookingId, r));
  const viaJoin: Received[] = [];
  for (const r of probe.received.filter((x) => belongsTo('user', bookingId, x))) {
    const match = unmatched.findIndex((t) => sameReceipt(t, r));
    if (match === -1) viaJoin.push(r);
    else unmatched.splice(match, 1);
  }
  return viaJoin;
}

const describeReceived = (r: Received) => `${r.event} ${describeValue(r.payload)}`;

async function connected(ctx: CheckContext, userId: string, role: Role): Promise<ProbeClient> {
  const probe = await ctx.connect(userId, role);
  // The user room is joined before `session` is sent; wait for it so nothing is missed.
  if (!(await probe.waitFor('session', () => true, WAIT_MS))) throw new Error(`setup: ${probe.name} got no session event`);
  return probe;
}

async function patchPrice(ctx: CheckContext, sellerId: string, listingId: string, price: number): Promise<void> {
  const res = await ctx.http('PATCH', `/api/listings/${listingId}`, { as: [sellerId, 'seller'], body: { price } });
  if (res.status !== 200) throw new Error(`setup: PATCH /api/listings/${listingId} as ${sellerId} answered ${res.status} ${JSON.stringify(res.body)}`);
}

async function accept(ctx: CheckContext, sellerId: string, bookingId: string): Promise<void> {
  const res = await ctx.http('POST', `/api/bookings/${bookingId}/transition`, { as: [sellerId, 'seller'], body: { to: 'accepted' } });
  if (res.status !== 200) throw new Error(`setup: accepting booking ${bookingId} as ${sellerId} answered ${res.status} ${JSON.stringify(res.body)}`);
}

async function history(ctx: CheckContext, bookingId: string, as: [string, Role]): Promise<any[]> {
  const res = await ctx.http('GET', `/api/bookings/${bookingId}/messages`, { as });
  if (res.status !== 200) throw new Error(`GET /api/bookings/${bookingId}/messages as ${as[0]} answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body?.messages ?? [];
}

/**
 * Wait until a control socket has the event; it proves the event happened. With `sinceMs` (when
 * the action that causes it was started), the delivery is timed: the absence window grows with it.
 */
async function control(ctx: CheckContext, probe: ProbeClient, what: string, kind: RoomKind, id: string, sinceMs?: number): Promise<void> {
  const matches = (p: any) => belongsTo(kind, id, { event: what, payload: p, atMs: 0 });
  const got = await probe.waitFor(what, matches, WAIT_MS);
  if (!got) throw new CheckFailed(`control ${probe.name} did not receive ${what} in ${kind} ${id} within ${WAIT_MS} ms, so absence elsewhere proves nothing`);
  const receipt = probe.received.find((r) => r.event === what && matches(r.payload));
  if (sinceMs !== undefined && receipt) ctx.observeLatency(receipt.atMs - sinceMs);
}

/** Start an action and note when it started: the deliveries it causes are timed from then. */
function timed<T>(run: () => Promise<T>): { startedAtMs: number; done: Promise<T> } {
  const startedAtMs = Date.now();
  return { startedAtMs, done: run() };
}

// ---------------------------------------------------------------------------------------------
// authz.join-matrix
// ---------------------------------------------------------------------------------------------

interface Attempt {
  relation: string;
  probe: ProbeClient;
  /** The join event and payload; none for the user room (the server joins it at connect). */
  join?: { event: string; id: string };
  ack?: unknown;
}

interface Row {
  /** For evidence: 'private listing l_x'. */
  room: string;
  kind: RoomKind;
  /** The id events of this room carry (the booking id for a user room's notification). */
  eventKey: string;
  /** The event the legitimate action causes. */
  expected: string;
  /** When that action started, for rows whose action is one HTTP call: its deliveries are timed. */
  triggeredAtMs?: number;
  allowed: Attempt[];
  refused: Attempt[];
}

async function joinMatrix(ctx: CheckContext): Promise<void> {
  const owner = ctx.id('owner');
  const party = ctx.id('party');
  const stranger = ctx.id('stranger');
  const otherSeller = ctx.id('otherseller');
  const admin = ctx.id('admin');
  const watchedSeller = ctx.id('watchedseller');
  const watchedBuyer = ctx.id('watchedbuyer');
  const booker = ctx.id('booker');

  // Records, all through HTTP: the watched users are known to the server but not online.
  const [publicListing, privateListing, , watchedBuyersListing, toBeBooked] = await Promise.all([
    ctx.listing(owner),
    ctx.listing(owner, { private: true }),
    ctx.listing(watchedSeller),
    ctx.listing(owner),
    ctx.listing(owner),
  ]);
  const [booking] = await Promise.all([ctx.booking(party, privateListing.id), ctx.booking(watchedBuyer, watchedBuyersListing.id)]);

  const [ownerTab1, ownerTab2, partyP, strangerP, otherSellerP, adminP, bookerP] = await Promise.all([
    connected(ctx, owner, 'seller'),
    connected(ctx, owner, 'seller'),
    connected(ctx, party, 'buyer'),
    connected(ctx, stranger, 'buyer'),
    connected(ctx, otherSeller, 'seller'),
    connected(ctx, admin, 'admin'),
    connected(ctx, booker, 'buyer'),
  ]);
  // Another tab of each user tried on the owner's user room, joining nothing: it tells what
  // reached that user through its own user room (see userRoomLeaks).
  const userRoomRefused: [string, string, ProbeClient][] = [
    ['buyer whose booking notified it', booker, bookerP],
    ['buyer with a booking with the user', party, partyP],
    ['stranger buyer', stranger, strangerP],
    ['other seller', otherSeller, otherSellerP],
    ['admin', admin, adminP],
  ];
  const roleOf = (p: ProbeClient): Role => (p === otherSellerP ? 'seller' : p === adminP ? 'admin' : 'buyer');
  const twins = new Map<ProbeClient, ProbeClient>(
    await Promise.all(userRoomRefused.map(async ([, userId, probe]) => [probe, await connected(ctx, userId, roleOf(probe))] as const)),
  );

  const attempt = (relation: string, probe: ProbeClient, event?: string, id?: string): Attempt =>
    event && id ? { relation, probe, join: { event, id } } : { relation, probe };
  const watchListing = (id: string) => (relation: string, probe: ProbeClient) => attempt(relation, probe, 'listing:watch', id);
  const joinBooking = (relation: string, probe: ProbeClient) => attempt(relation, probe, 'booking:join', booking.id);
  const watchPresence = (id: string) => (relation: string, probe: ProbeClient) => attempt(relation, probe, 'presence:watch', id);

  const pub = watchListing(publicListing.id);
  const priv = watchListing(privateListing.id);
  const booked = watchListing(toBeBooked.id);
  const sellerPresence = watchPresence(watchedSeller);
  const buyerPresence = watchPresence(watchedBuyer);
  const rows: Row[] = [
    {
      room: `public listing ${publicListing.id}`,
      kind: 'listing',
      eventKey: publicListing.id,
      expected: 'listing:priceChanged',
      allowed: [pub('owner', ownerTab1), pub('buyer with a booking elsewhere', partyP), pub('stranger buyer', strangerP), pub('other seller', otherSellerP), pub('admin', adminP)],
      refused: [],
    },
    {
      room: `private listing ${privateListing.id}`,
      kind: 'listing',
      eventKey: privateListing.id,
      expected: 'listing:priceChanged',
      allowed: [priv('owner', ownerTab1), priv('buyer with a booking on it', partyP), priv('admin', adminP)],
      refused: [priv('stranger buyer', strangerP), priv('other seller', otherSellerP)],
    },
    {
      // Watched by the buyer about to book it, as a listing page is: the owner's notification of
      // that booking must not reach them through this room.
      room: `public listing ${toBeBooked.id}, about to be booked`,
      kind: 'listing',
      eventKey: toBeBooked.id,
      expected: 'listing:availabilityChanged',
      allowed: [booked('buyer about to book it', bookerP), booked('stranger buyer', strangerP), booked('admin', adminP)],
      refused: [],
    },
    {
      room: `booking ${booking.id}`,
      kind: 'booking',
      eventKey: booking.id,
      expected: 'booking:statusChanged',
      allowed: [joinBooking('its seller', ownerTab1), joinBooking('its buyer', partyP), joinBooking('admin', adminP)],
      refused: [joinBooking('stranger buyer', strangerP), joinBooking('other seller', otherSellerP)],
    },
    {
      room: `presence of known seller ${watchedSeller}`,
      kind: 'presence',
      eventKey: watchedSeller,
      expected: 'presence:changed',
      allowed: [sellerPresence('other seller', otherSellerP), sellerPresence('stranger buyer', strangerP), sellerPresence('admin', adminP)],
      refused: [],
    },
    {
      room: `presence of buyer ${watchedBuyer}`,
      kind: 'presence',
      eventKey: watchedBuyer,
      expected: 'presence:changed',
      allowed: [buyerPresence('admin', adminP)],
      refused: [buyerPresence('seller of their booking', ownerTab2), buyerPresence('other buyer', partyP), buyerPresence('stranger buyer', strangerP), buyerPresence('other seller', otherSellerP)],
    },
  ];

  // Joins first, each acked before anything happens in the rooms (all at once: a socket's
  // events are taken in order, and no join depends on another).
  await Promise.all(rows.flatMap((row) => [...row.allowed, ...row.refused].map(async (a) => (a.ack = await a.probe.ack(a.join!.event, a.join!.id)))));
  for (const row of rows) {
    for (const a of row.allowed) {
      if (!isOk(a.ack)) ctx.fail(`${a.probe.name} (${a.relation}) may join ${row.room} but ${a.join!.event} ${a.join!.id} answered ${ackText(a.ack)}`);
    }
    for (const a of row.refused) {
      if (isOk(a.ack)) ctx.fail(`${a.probe.name} (${a.relation}) may not join ${row.room} but ${a.join!.event} ${a.join!.id} answered ${ackText(a.ack)} (a refused join answers forbidden)`);
    }
  }
  // There is no event to join a user room; room-shaped ids are tried anyway (judged by receipt).
  await Promise.all(
    userRoomRefused.flatMap(([, , probe]) => ['listing:watch', 'booking:join', 'presence:watch'].map((event) => probe.ack(event, `user:${owner}`))),
  );

  // Legitimate events in every room, all at once; the HTTP-caused deliveries are timed.
  const triggers = {
    publicPrice: timed(() => patchPrice(ctx, owner, publicListing.id, publicListing.price + 1)),
    privatePrice: timed(() => patchPrice(ctx, owner, privateListing.id, privateListing.price + 1)),
    accepted: timed(() => accept(ctx, owner, booking.id)),
    sellerOnline: timed(() => connected(ctx, watchedSeller, 'seller')),
    buyerOnline: timed(() => connected(ctx, watchedBuyer, 'buyer')),
    booked: timed(() => ctx.http('POST', '/api/bookings', { as: [booker, 'buyer'], body: { listingId: toBeBooked.id } })),
  };
  await Promise.all(Object.values(triggers).map((t) => t.done));
  const bookedRes = await triggers.booked.done;
  if (bookedRes.status !== 201) throw new Error(`setup: POST /api/bookings as ${booker} answered ${bookedRes.status} ${JSON.stringify(bookedRes.body)}`);
  const notifying = bookedRes.body.id as string;
  rows[0]!.triggeredAtMs = triggers.publicPrice.startedAtMs;
  rows[1]!.triggeredAtMs = triggers.privatePrice.startedAtMs;
  rows[2]!.triggeredAtMs = triggers.booked.startedAtMs;
  rows[3]!.triggeredAtMs = triggers.accepted.startedAtMs;
  const userRow: Row = {
    room: `user room of ${owner}`,
    kind: 'user',
    eventKey: notifying,
    expected: 'notification',
    triggeredAtMs: triggers.booked.startedAtMs,
    allowed: [attempt('the user, first tab', ownerTab1), attempt('the user, second tab', ownerTab2)],
    refused: userRoomRefused.map(([relation, , probe]) => attempt(relation, probe)),
  };
  rows.push(userRow);

  // Every allowed socket receives its room's event (the admin doubles as the control).
  await Promise.all(
    rows.flatMap((row) =>
      row.allowed.map(async (a) => {
        const matches = (r: Received) => r.event === row.expected && belongsTo(row.kind, row.eventKey, r);
        const got = await a.probe.waitFor(row.expected, (p: any) => matches({ event: row.expected, payload: p, atMs: 0 }), WAIT_MS);
        if (!got) {
          ctx.fail(`${a.probe.name} (${a.relation}) is in ${row.room}${a.ack !== undefined ? ` (join answered ${ackText(a.ack)})` : ''} but did not receive ${row.expected} within ${WAIT_MS} ms`);
          return;
        }
        const receipt = a.probe.received.find(matches);
        if (receipt && row.triggeredAtMs !== undefined) ctx.observeLatency(receipt.atMs - row.triggeredAtMs);
      }),
    ),
  );
  await ctx.sleep(ctx.absenceWindowMs());

  for (const row of rows) {
    for (const a of row.refused) {
      const how = a.join ? `its ${a.join.event} ${a.join.id} was answered ${ackText(a.ack)}` : 'it never joined';
      if (row.kind !== 'user') {
        for (const leak of a.probe.received.filter((r) => belongsTo(row.kind, row.eventKey, r))) {
          ctx.fail(`${a.probe.name} (${a.relation}) received ${describeReceived(leak)} of ${row.room}, which it may not join; ${how}`);
        }
        continue;
      }
      const twin = twins.get(a.probe)!;
      for (const leak of userRoomLeaks(a.probe, twin, row.eventKey)) {
        ctx.fail(
          `${a.probe.name} (${a.relation}) received ${describeReceived(leak)} of ${row.room}, which it may not join; ${twin.name}, ` +
            `another connection of the same user that joined nothing, did not get it, so it came through a room ${a.probe.name} joined`,
        );
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// authz.hostile-join-payloads
// ---------------------------------------------------------------------------------------------

async function hostileJoins(ctx: CheckContext): Promise<void> {
  const hostile = ctx.id('hostile');
  const pubSeller = ctx.id('pubseller');
  const privSeller = ctx.id('privseller');
  const ownSeller = ctx.id('ownseller');
  const otherBuyer = ctx.id('otherbuyer');
  const otherSeller = ctx.id('otherseller');
  const knownSeller = ctx.id('knownseller');
  const watchedBuyer = ctx.id('watchedbuyer');
  const admin = ctx.id('admin');

  const [allowedListing, forbiddenListing, ownListing, otherListing, , watchedBuyersListing, victimListing] = await Promise.all([
    ctx.listing(pubSeller),
    ctx.listing(privSeller, { private: true }),
    ctx.listing(ownSeller),
    ctx.listing(otherSeller),
    ctx.listing(knownSeller),
    ctx.listing(otherSeller),
    ctx.listing(privSeller),
  ]);
  const [allowedBooking, forbiddenBooking] = await Promise.all([
    ctx.booking(hostile, ownListing.id),
    ctx.booking(otherBuyer, otherListing.id),
    ctx.booking(watchedBuyer, watchedBuyersListing.id),
  ]);

  const [adminP, victimP] = await Promise.all([connected(ctx, admin, 'admin'), connected(ctx, privSeller, 'seller')]);
  const rooms: { kind: RoomKind; id: string; event: string }[] = [
    { kind: 'listing', id: allowedListing.id, event: 'listing:watch' },
    { kind: 'listing', id: forbiddenListing.id, event: 'listing:watch' },
    { kind: 'booking', id: allowedBooking.id, event: 'booking:join' },
    { kind: 'booking', id: forbiddenBooking.id, event: 'booking:join' },
    { kind: 'presence', id: knownSeller, event: 'presence:watch' },
    { kind: 'presence', id: watchedBuyer, event: 'presence:watch' },
  ];
  const controlAcks = await Promise.all(rooms.map((room) => adminP.ack(room.event, room.id)));
  for (const [i, room] of rooms.entries()) {
    if (!isOk(controlAcks[i])) throw new CheckFailed(`control ${adminP.name} (admin) could not ${room.event} ${room.id}: ${ackText(controlAcks[i])}`);
  }

  const cases: { event: string; roomPrefix: string; allowed: string; forbidden: string }[] = [
    { event: 'listing:watch', roomPrefix: 'listing', allowed: allowedListing.id, forbidden: forbiddenListing.id },
    { event: 'booking:join', roomPrefix: 'booking', allowed: allowedBooking.id, forbidden: forbiddenBooking.id },
    { event: 'presence:watch', roomPrefix: 'presence', allowed: knownSeller, forbidden: watchedBuyer },
  ];
  // One hostile socket per event, so a leak names the event that caused it; its payloads all go
  // out at once (a socket's events are taken in order; well under the rate limit's burst).
  const sent = await Promise.all(
    cases.map(async (c) => {
      const probe = await connected(ctx, hostile, 'buyer');
      const answers = await Promise.all(
        smugglingIdValues({ ...c, victimUserId: privSeller }).map(async (shape) => ({
          shape,
          ack: (shape.value === undefined ? await probe.ack(c.event) : await probe.ack(c.event, shape.value)) as unknown,
        })),
      );
      return { event: c.event, probe, answers };
    }),
  );

  // Legitimate events in every room any payload named, all at once; the HTTP-caused deliveries are timed.
  const triggers = {
    allowedPrice: timed(() => patchPrice(ctx, pubSeller, allowedListing.id, allowedListing.price + 1)),
    forbiddenPrice: timed(() => patchPrice(ctx, privSeller, forbiddenListing.id, forbiddenListing.price + 1)),
    allowedAccept: timed(() => accept(ctx, ownSeller, allowedBooking.id)),
    forbiddenAccept: timed(() => accept(ctx, otherSeller, forbiddenBooking.id)),
    sellerOnline: timed(() => connected(ctx, knownSeller, 'seller')),
    buyerOnline: timed(() => connected(ctx, watchedBuyer, 'buyer')),
    booked: timed(() => ctx.booking(ctx.id('booker'), victimListing.id)),
  };
  await Promise.all(Object.values(triggers).map((t) => t.done));
  const notifying = await triggers.booked.done;

  await Promise.all([
    control(ctx, adminP, 'listing:priceChanged', 'listing', allowedListing.id, triggers.allowedPrice.startedAtMs),
    control(ctx, adminP, 'listing:priceChanged', 'listing', forbiddenListing.id, triggers.forbiddenPrice.startedAtMs),
    control(ctx, adminP, 'booking:statusChanged', 'booking', allowedBooking.id, triggers.allowedAccept.startedAtMs),
    control(ctx, adminP, 'booking:statusChanged', 'booking', forbiddenBooking.id, triggers.forbiddenAccept.startedAtMs),
    control(ctx, adminP, 'presence:changed', 'presence', knownSeller),
    control(ctx, adminP, 'presence:changed', 'presence', watchedBuyer),
    control(ctx, victimP, 'notification', 'user', notifying.id, triggers.booked.startedAtMs),
  ]);
  await ctx.sleep(ctx.absenceWindowMs());

  const named = [...rooms.map((r) => ({ kind: r.kind, id: r.id, label: `${r.kind} ${r.id}` })), { kind: 'user' as RoomKind, id: notifying.id, label: `user room of ${privSeller}` }];
  for (const { event, probe, answers } of sent) {
    const leaks = probe.received.filter((r) => named.some((room) => belongsTo(room.kind, room.id, r)));
    if (leaks.length === 0) continue;
    const okAnswers = answers.filter((a) => isOk(a.ack));
    const accepted = okAnswers.slice(0, 3).map((a) => `${a.shape.name} ${describeValue(a.shape.value)} → ${ackText(a.ack)}`);
    if (okAnswers.length > 3) accepted.push(`and ${okAnswers.length - 3} more`);
    for (const leak of leaks) {
      const room = named.find((n) => belongsTo(n.kind, n.id, leak))!;
      ctx.fail(
        `${probe.name} sent only malformed ${event} payloads and received ${describeReceived(leak)} of ${room.label}` +
          (accepted.length ? `; payloads answered ok: ${accepted.join('; ')}` : '; no payload was answered ok'),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// authz.non-party-writes
// ---------------------------------------------------------------------------------------------

async function nonPartyWrites(ctx: CheckContext): Promise<void> {
  const buyer = ctx.id('buyer');
  const seller = ctx.id('seller');
  const strangerBuyer = ctx.id('strangerbuyer');
  const otherSeller = ctx.id('otherseller');
  const admin = ctx.id('admin');

  // The stranger buyer and the other seller are parties of a booking of their own.
  const [victim, own] = await Promise.all([
    ctx.listing(seller).then((l) => ctx.booking(buyer, l.id)),
    ctx.listing(otherSeller).then((l) => ctx.booking(strangerBuyer, l.id)),
  ]);

  const [buyerP, sellerP, adminP, strangerP, otherSellerP] = await Promise.all([
    connected(ctx, buyer, 'buyer'),
    connected(ctx, seller, 'seller'),
    connected(ctx, admin, 'admin'),
    connected(ctx, strangerBuyer, 'buyer'),
    connected(ctx, otherSeller, 'seller'),
  ]);
  await Promise.all(
    [buyerP, sellerP, adminP].map(async (probe) => {
      const ack = await probe.ack('booking:join', victim.id);
      if (!isOk(ack)) throw new CheckFailed(`setup: ${probe.name} could not join booking ${victim.id}: ${ackText(ack)}`);
    }),
  );
  const first = await sellerP.ack('message:send', { bookingId: victim.id, body: 'from the seller', clientMsgId: ctx.id('msg') });
  if (!isOk(first)) throw new CheckFailed(`setup: ${sellerP.name} could not send in its booking ${victim.id}: ${ackText(first)}`);
  const firstId = first.message.id as string;
  await buyerP.waitFor('message:new', (m: any) => m.id === firstId, WAIT_MS);

  const actors = [
    { relation: 'stranger buyer', userId: strangerBuyer, probe: strangerP },
    { relation: 'other seller', userId: otherSeller, probe: otherSellerP },
    { relation: 'admin (may watch, is not a party)', userId: admin, probe: adminP },
  ];
  const okWrites: string[] = [];
  const write = async (probe: ProbeClient, relation: string, event: string, payload: unknown, name: string) => {
    if (event.startsWith('typing:')) {
      if (payload === undefined) probe.emit(event);
      else probe.emit(event, payload);
      return;
    }
    const ack = payload === undefined ? await probe.ack(event) : await probe.ack(event, payload);
    if (isOk(ack)) okWrites.push(`${probe.name} (${relation}) ${event} ${name} ${describeValue(payload)} answered ${ackText(ack)}`);
  };

  // Plain writes into the victim's booking from every kind of non-party.
  await Promise.all(
    actors.flatMap(({ relation, probe }) => [
      write(probe, relation, 'message:send', { bookingId: victim.id, body: 'intruding', clientMsgId: ctx.id('msg') }, 'into the booking'),
      write(probe, relation, 'read:mark', { bookingId: victim.id, messageId: firstId }, 'of the seller\'s message'),
      write(probe, relation, 'typing:start', { bookingId: victim.id }, 'in the booking'),
      write(probe, relation, 'typing:stop', { bookingId: victim.id }, 'in the booking'),
    ]),
  );

  // Hostile shapes from the stranger buyer: its own booking is the allowed id, the victim's the forbidden one.
  const stranger = actors[0]!;
  const shapes = smugglingIdValues({ allowed: own.id, forbidden: victim.id, roomPrefix: 'booking', victimUserId: seller });
  const hostileWrites: [string, string, unknown][] = [];
  for (const shape of shapes) {
    hostileWrites.push(['message:send', `with bookingId ${shape.name}`, withField({ body: 'smuggled', clientMsgId: ctx.id('msg') }, 'bookingId', shape.value)]);
    hostileWrites.push(['read:mark', `with bookingId ${shape.name}`, withField({ messageId: firstId }, 'bookingId', shape.value)]);
    hostileWrites.push(['typing:start', `with bookingId ${shape.name}`, withField({}, 'bookingId', shape.value)]);
    hostileWrites.push(['typing:stop', `with bookingId ${shape.name}`, withField({}, 'bookingId', shape.value)]);
  }
  for (const event of ['message:send', 'read:mark', 'typing:start', 'typing:stop']) {
    hostileWrites.push([event, 'with the bare booking id instead of an object', victim.id]);
  }
  hostileWrites.push(['read:mark', 'naming its own booking and the victim\'s message', { bookingId: own.id, messageId: firstId }]);
  hostileWrites.push(['read:mark', 'with messageId an array', { bookingId: victim.id, messageId: [firstId] }]);
  hostileWrites.push(['read:mark', 'with messageId an object', { bookingId: victim.id, messageId: { id: firstId } }]);
  // A socket per event keeps each far below the rate limit; each socket's writes go out at once.
  const byEvent = new Map<string, [string, unknown][]>();
  for (const [event, name, payload] of hostileWrites) byEvent.set(event, [...(byEvent.get(event) ?? []), [name, payload]]);
  const sockets = await Promise.all(
    [...byEvent].map(async ([event, writes]) => {
      const probe = await connected(ctx, strangerBuyer, 'buyer');
      await Promise.all(writes.map(([name, payload]) => write(probe, stranger.relation, event, payload, name)));
      return probe;
    }),
  );
  // Flush: every socket's earlier events were taken before this answer (a required ack, never an optional one).
  await Promise.all(
    [...actors.map((a) => a.probe), ...sockets].map(async (probe) => {
      const answer = await probe.ping(WAIT_MS);
      if (answer.kind !== 'ack') throw new CheckFailed(`${probe.name} (a non-party) sent ${LIVENESS_PING.label} after its writes and it ${answer.kind === 'disconnected' ? `was disconnected (${answer.reason})` : `got no answer within ${WAIT_MS} ms`}`);
    }),
  );

  // Controls: the parties' own writes still work and are seen.
  const sentAtMs = Date.now();
  buyerP.emit('typing:start', { bookingId: victim.id });
  const second = await buyerP.ack('message:send', { bookingId: victim.id, body: 'from the buyer', clientMsgId: ctx.id('msg') });
  if (!isOk(second)) throw new CheckFailed(`control: ${buyerP.name} could not send in its booking ${victim.id}: ${ackText(second)}`);
  const secondId = second.message.id as string;
  // Not the sending socket: whether a sender's own socket gets its message is delivery's question.
  await Promise.all(
    [sellerP, adminP].map(async (probe) => {
      if (!(await probe.waitFor('message:new', (m: any) => m.id === secondId, WAIT_MS))) {
        throw new CheckFailed(`control ${probe.name} did not receive the party's message ${secondId} in booking ${victim.id} within ${WAIT_MS} ms`);
      }
      const receipt = probe.received.find((r) => r.event === 'message:new' && r.payload?.id === secondId);
      if (receipt) ctx.observeLatency(receipt.atMs - sentAtMs);
    }),
  );
  if (!(await sellerP.waitFor('typing:start', (p: any) => p.userId === buyer && p.bookingId === victim.id, WAIT_MS))) {
    throw new CheckFailed(`control ${sellerP.name} did not receive typing:start from ${buyer} in booking ${victim.id} within ${WAIT_MS} ms`);
  }
  await ctx.sleep(ctx.absenceWindowMs());

  for (const line of okWrites) ctx.fail(`a write from a non-party was accepted: ${line}`);
  const nonParties = new Set([strangerBuyer, otherSeller, admin]);
  for (const observer of [buyerP, sellerP, adminP]) {
    for (const r of observer.received) {
      const p = r.payload as any;
      if (r.event === 'message:new' && nonParties.has(p?.senderId) && !observer.name.startsWith(`${p.senderId}@`)) ctx.fail(`${observer.name} received ${describeReceived(r)}: a message from non-party ${p.senderId}`);
      if (r.event.startsWith('typing:') && nonParties.has(p?.userId)) ctx.fail(`${observer.name} received ${describeReceived(r)}: typing relayed from non-party ${p.userId}`);
      if (r.event === 'read:updated') ctx.fail(`${observer.name} received ${describeReceived(r)}, but only non-parties marked anything read`);
    }
  }
  const messages = await history(ctx, victim.id, [buyer, 'buyer']);
  const summary = JSON.stringify(messages.map((m) => ({ id: m.id, senderId: m.senderId, readAt: m.readAt })));
  const ids = messages.map((m) => m.id);
  if (messages.length !== 2 || ids[0] !== firstId || ids[1] !== secondId) {
    ctx.fail(`history of booking ${victim.id} should be exactly the seller's ${firstId} and the buyer's ${secondId}, but is ${summary}`);
  }
  const firstInHistory = messages.find((m) => m.id === firstId);
  if (firstInHistory && firstInHistory.readAt !== null) ctx.fail(`message ${firstId} in booking ${victim.id} has readAt ${firstInHistory.readAt}, but only non-parties marked it read`);
  const ownMessages = await history(ctx, own.id, [strangerBuyer, 'buyer']);
  if (ownMessages.length) ctx.fail(`history of booking ${own.id} (the stranger's own, named only inside malformed payloads) is ${JSON.stringify(ownMessages.map((m) => ({ id: m.id, body: m.body })))}, expected empty`);
}

export const authzChecks: CheckDefinition[] = [
  {
    id: 'authz.join-matrix',
    requires: ['listings', 'presence', 'notifications', 'transitions'],
    title: 'Every room kind (listing public/private, booking, presence, user) against every relation (owner, party, stranger, other role, admin), by receipt',
    guarantee: 'contract §4 Rooms and who may join; §6.7 Authorization',
    run: joinMatrix,
  },
  {
    id: 'authz.hostile-join-payloads',
    requires: ['contractWire', 'listings', 'presence', 'notifications'],
    title: 'Hostile payloads on listing:watch, booking:join, presence:watch (mixed arrays, objects, prototype names, room names, overlong) join no room, by receipt',
    guarantee: 'contract §2 ids, §4 Rooms; §6.7 Authorization: no socket receives an event of a room it may not join',
    run: hostileJoins,
  },
  {
    id: 'authz.non-party-writes',
    requires: ['typing', 'reads', 'history'],
    title: 'message:send, typing:*, read:mark from non-parties (plain and hostile shapes) have no observable effect',
    guarantee: 'contract §6.7 Authorization: no write from a non-party has any effect',
    run: nonPartyWrites,
  },
];
