import type { AvailabilityChangedPayload, Booking, BookingStatus, PriceChangedPayload, Role, StatusChangedPayload } from '../../contract/index.ts';
import { limitEvidence } from '../checkers/messaging-evidence.ts';
import { createVersionChecker } from '../checkers/version-checker.ts';
import type { ProbeClient } from '../probe-client.ts';
import type { CheckContext, CheckDefinition, HttpResult } from '../types.ts';
import { joinAll, waitUntil } from './messaging-support.ts';

const GUARANTEE = 'contract §6.3 Versions';
/** How long every watcher may take to receive every event the writes caused. */
const EVENTS_WAIT_MS = 5_000;

type ListingEvent = { event: 'listing:priceChanged'; payload: PriceChangedPayload } | { event: 'listing:availabilityChanged'; payload: AvailabilityChangedPayload };

function listingEventsAt(probe: ProbeClient, listingId: string): ListingEvent[] {
  return probe.received
    .filter((r) => (r.event === 'listing:priceChanged' || r.event === 'listing:availabilityChanged') && r.payload?.listingId === listingId)
    .map((r) => ({ event: r.event, payload: r.payload }) as ListingEvent);
}

function statusEventsAt(probe: ProbeClient, bookingId: string): StatusChangedPayload[] {
  return probe.all<StatusChangedPayload>('booking:statusChanged', (p) => p?.bookingId === bookingId);
}

/** `count` PATCHes of the price, all sent at once (prices from, from+1, ...). */
function patchPrices(ctx: CheckContext, seller: string, listingId: string, count: number, from: number): Promise<HttpResult>[] {
  return Array.from({ length: count }, (_, i) =>
    ctx.http('PATCH', `/api/listings/${listingId}`, { as: [seller, 'seller'], body: { price: from + i } }));
}

function answered(what: string, res: HttpResult, expected: number): string[] {
  return res.status === expected ? [] : [`${what} answered ${res.status} ${JSON.stringify(res.body)}; expected ${expected}`];
}

/**
 * Rapid successive price changes (40 PATCHes, in three bursts), with a booking and its
 * decline landing in the middle of the bursts. Price and availability events share the
 * listing's version, and every watcher (the owner, two tabs of a buyer) must see them in
 * strictly increasing version.
 */
const listingEvents: CheckDefinition = {
  id: 'versions.listing-events',
  requires: ['versions', 'listings'],
  title: 'concurrent price changes, a booking and a decline reach every listing watcher in strictly increasing version',
  guarantee: GUARANTEE,
  timeoutMs: 30_000,
  async run(ctx) {
    const seller = ctx.id('seller');
    const watcher = ctx.id('watcher');
    const booker = ctx.id('buyer');
    const listing = await ctx.listing(seller, { price: 100 });
    const watchers = [await ctx.connect(seller, 'seller'), await ctx.connect(watcher, 'buyer'), await ctx.connect(watcher, 'buyer')];
    await joinAll(watchers, 'listing:watch', listing.id);

    const lines: string[] = [];
    let expectedEvents = 0;
    const count = (results: HttpResult[], what: string) => {
      for (const res of results) {
        if (res.status === 200) expectedEvents += 1;
        else lines.push(...answered(what, res, 200));
      }
    };
    count(await Promise.all(patchPrices(ctx, seller, listing.id, 20, 1_000)), `PATCH /api/listings/${listing.id} as ${seller}`);

    const [booked, ...patched] = await Promise.all([
      ctx.http<Booking>('POST', '/api/bookings', { as: [booker, 'buyer'], body: { listingId: listing.id } }),
      ...patchPrices(ctx, seller, listing.id, 10, 2_000),
    ]);
    count(patched, `PATCH /api/listings/${listing.id} as ${seller}`);
    if (booked!.status === 201) expectedEvents += 1;
    else lines.push(...answered(`POST /api/bookings {listingId: ${listing.id}} as ${booker}`, booked!, 201));

    if (booked!.status === 201) {
      const [declined, ...more] = await Promise.all([
        ctx.http('POST', `/api/bookings/${booked!.body.id}/transition`, { as: [seller, 'seller'], body: { to: 'declined' } }),
        ...patchPrices(ctx, seller, listing.id, 10, 3_000),
      ]);
      count(more, `PATCH /api/listings/${listing.id} as ${seller}`);
      if (declined!.status === 200) expectedEvents += 1;
      else lines.push(...answered(`POST /api/bookings/${booked!.body.id}/transition {to: declined} as ${seller}`, declined!, 200));
    }

    await waitUntil(() => watchers.every((probe) => listingEventsAt(probe, listing.id).length >= expectedEvents), EVENTS_WAIT_MS, ctx.signal);
    const versions = createVersionChecker();
    for (const probe of watchers) {
      for (const { event, payload } of listingEventsAt(probe, listing.id)) {
        versions.observe({ socket: probe.name, entity: `listing ${listing.id}`, event, version: payload.version });
      }
    }
    for (const line of limitEvidence([...versions.verdict().evidence, ...lines])) ctx.fail(line);
  },
};

interface Step {
  as: [string, Role];
  to: BookingStatus;
}

/**
 * Booking transitions one right after another (accepted, paid, disputed, resolved: each sent
 * as soon as the previous answered), and on a second booking five conflicting transitions from
 * both parties at once. Every socket in the booking room (both parties, an admin) must see
 * booking:statusChanged in strictly increasing version.
 */
const bookingTransitions: CheckDefinition = {
  id: 'versions.booking-transitions',
  requires: ['versions', 'transitions'],
  title: 'rapid and concurrent booking transitions reach every booking watcher in strictly increasing version',
  guarantee: GUARANTEE,
  timeoutMs: 30_000,
  async run(ctx) {
    const seller = ctx.id('seller');
    const buyer = ctx.id('buyer');
    const admin = ctx.id('admin');
    const first = await ctx.booking(buyer, (await ctx.listing(seller)).id);
    const second = await ctx.booking(buyer, (await ctx.listing(seller)).id);
    const watchers = [await ctx.connect(buyer, 'buyer'), await ctx.connect(seller, 'seller'), await ctx.connect(admin, 'admin')];
    await joinAll(watchers, 'booking:join', first.id);
    await joinAll(watchers, 'booking:join', second.id);

    const lines: string[] = [];
    const expected = new Map<string, number>([[first.id, 0], [second.id, 0]]);
    const transition = (bookingId: string, { as, to }: Step) =>
      ctx.http('POST', `/api/bookings/${bookingId}/transition`, { as, body: { to } });

    const chain: Step[] = [
      { as: [seller, 'seller'], to: 'accepted' },
      { as: [buyer, 'buyer'], to: 'paid' },
      { as: [buyer, 'buyer'], to: 'disputed' },
      { as: [admin, 'admin'], to: 'resolved' },
    ];
    for (const step of chain) {
      const res = await transition(first.id, step);
      if (res.status === 200) expected.set(first.id, expected.get(first.id)! + 1);
      else {
        lines.push(...answered(`POST /api/bookings/${first.id}/transition {to: ${step.to}} as ${step.as[0]}`, res, 200));
        break;
      }
    }

    // Conflicting moves at once: the server picks an order; each success is one event.
    const racing: Step[] = [
      { as: [seller, 'seller'], to: 'accepted' },
      { as: [buyer, 'buyer'], to: 'disputed' },
      { as: [seller, 'seller'], to: 'disputed' },
      { as: [buyer, 'buyer'], to: 'cancelled' },
      { as: [seller, 'seller'], to: 'declined' },
    ];
    const results = await Promise.all(racing.map((step) => transition(second.id, step)));
    results.forEach((res, i) => {
      if (res.status === 200) expected.set(second.id, expected.get(second.id)! + 1);
      else if (res.status !== 409) lines.push(...answered(`POST /api/bookings/${second.id}/transition {to: ${racing[i]!.to}} as ${racing[i]!.as[0]}`, res, 409));
    });

    await waitUntil(() => watchers.every((probe) => [...expected].every(([id, n]) => statusEventsAt(probe, id).length >= n)), EVENTS_WAIT_MS, ctx.signal);
    const versions = createVersionChecker();
    for (const probe of watchers) {
      for (const id of expected.keys()) {
        for (const p of statusEventsAt(probe, id)) {
          versions.observe({ socket: probe.name, entity: `booking ${id}`, event: `booking:statusChanged (${p.from}→${p.to})`, version: p.version });
        }
      }
    }
    for (const line of limitEvidence([...versions.verdict().evidence, ...lines])) ctx.fail(line);
  },
};

export const versionsChecks: CheckDefinition[] = [listingEvents, bookingTransitions];
