/*
 * Deliberate defects in listing and booking state (versions, race). Each is the real code path
 * copied with one plausible bug in it; none is loaded unless the server starts with --defect.
 */
import {
  isId,
  RELEASING_STATUSES,
  rooms,
  type Booking,
  type BookingStatus,
  type Listing,
  type PriceChangedPayload,
} from '../../src/contract/index.ts';
import type { Principal, ServerContext } from '../context.ts';
import { emitAvailability, PRICE_MAX } from '../domain/listings.ts';
import { fail, isPlainObject, ok, type Result } from '../result.ts';
import { newId } from '../store/memory-store.ts';
import type { CreateBookingResult, Store, TransitionResult } from '../store/store.ts';
import type { Defect } from './defect.ts';
import { delegateStore } from './messaging-defects.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A remote call's latency: it varies from call to call, as a real one does. */
const latency = (minMs: number, maxMs: number) => sleep(minMs + Math.random() * (maxMs - minMs));

const isPrice = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= PRICE_MAX;

/**
 * Listing and booking rows kept by the defect's own store (the real store decides races inside
 * one atomic call, which these defects replace). Users and messages stay in the real store.
 */
function listingBookingRows() {
  const listings = new Map<string, Listing>();
  const bookings = new Map<string, Booking>();
  const bookingsByListing = new Map<string, Booking[]>();
  const copy = <T extends object>(value: T): T => ({ ...value });

  function insertBooking(listing: Listing, buyerId: string): CreateBookingResult {
    listing.available = false;
    listing.version += 1;
    const booking: Booking = { id: newId('b'), listingId: listing.id, buyerId, sellerId: listing.sellerId, status: 'requested', version: 1 };
    bookings.set(booking.id, booking);
    bookingsByListing.set(listing.id, [...(bookingsByListing.get(listing.id) ?? []), booking]);
    return { ok: true, booking: copy(booking), listing: copy(listing) };
  }

  const store: Pick<Store, 'createListing' | 'getListing' | 'changePrice' | 'createBooking' | 'getBooking' | 'hasBookingOn' | 'transitionBooking'> = {
    async createListing(input) {
      const listing: Listing = { id: newId('l'), ...input, available: true, version: 1 };
      listings.set(listing.id, listing);
      return copy(listing);
    },
    async getListing(listingId) {
      const listing = listings.get(listingId);
      return listing && copy(listing);
    },
    async changePrice(listingId, price) {
      const listing = listings.get(listingId);
      if (!listing) return undefined;
      listing.price = price;
      listing.version += 1;
      return copy(listing);
    },
    async createBooking(listingId, buyerId) {
      const listing = listings.get(listingId);
      if (!listing) return { ok: false, reason: 'not_found' };
      if (!listing.available) return { ok: false, reason: 'conflict' };
      return insertBooking(listing, buyerId);
    },
    async getBooking(bookingId) {
      const booking = bookings.get(bookingId);
      return booking && copy(booking);
    },
    async hasBookingOn(listingId, buyerId) {
      return (bookingsByListing.get(listingId) ?? []).some((b) => b.buyerId === buyerId);
    },
    async transitionBooking(bookingId, from, to): Promise<TransitionResult> {
      const booking = bookings.get(bookingId);
      if (!booking) return { ok: false, reason: 'not_found' };
      if (booking.status !== from) return { ok: false, reason: 'conflict' };
      booking.status = to;
      booking.version += 1;
      return { ok: true, booking: copy(booking), from, ...release(booking, to) };
    },
  };

  function release(booking: Booking, to: BookingStatus): { releasedListing?: Listing } {
    const listing = listings.get(booking.listingId);
    if (!RELEASING_STATUSES.includes(to) || !listing || listing.available) return {};
    listing.available = true;
    listing.version += 1;
    return { releasedListing: copy(listing) };
  }

  return { store, listings, bookings, insertBooking, copy };
}

// ---- unordered-price-emits --------------------------------------------------------------

/** Stands in for purging the listing page from a CDN before telling watchers. */
const priceCache = {
  invalidate: (_listingId: string) => latency(1, 20),
};

/** PATCH /api/listings/:id without the per-listing lock, emitting after the cache purge. */
async function changePriceThenPurge(ctx: ServerContext, user: Principal, listingId: string, body: unknown): Promise<Result<Listing>> {
  if (!isId(listingId)) return fail('bad_request', 'listing id is not a valid id');
  if (!isPlainObject(body) || !isPrice(body.price)) return fail('bad_request', `body must be {price} with a number from 0 to ${PRICE_MAX}`);
  const current = await ctx.store.getListing(listingId);
  if (!current) return fail('not_found', `no listing ${listingId}`);
  if (current.sellerId !== user.userId) return fail('forbidden', 'only the owning seller changes the price');
  const listing = await ctx.store.changePrice(listingId, body.price);
  if (!listing) return fail('not_found', `no listing ${listingId}`);
  await priceCache.invalidate(listingId);
  const payload: PriceChangedPayload = { listingId, price: listing.price, version: listing.version, at: ctx.nowMs() };
  ctx.fanout.emit(rooms.listing(listingId), 'listing:priceChanged', payload);
  return ok(listing);
}

// ---- booking-check-then-act ----------------------------------------------------------------

/** Stands in for a remote fraud screening of the buyer. */
const buyerScreening = {
  screen: (_buyerId: string) => latency(5, 25),
};

/**
 * POST /api/bookings with the availability check moved out of the store into the handler,
 * ahead of the buyer screening: every buyer who passes the check while another is being
 * screened gets a booking too.
 */
async function createBookingAfterScreening(ctx: ServerContext, user: Principal, body: unknown): Promise<Result<Booking>> {
  if (user.role !== 'buyer') return fail('forbidden', 'only buyers book listings');
  if (!isPlainObject(body) || !isId(body.listingId)) return fail('bad_request', 'body must be {listingId} with a valid id');
  const listingId = body.listingId;
  const listing = await ctx.store.getListing(listingId);
  if (!listing) return fail('not_found', `no listing ${listingId}`);
  if (!listing.available) return fail('conflict', `listing ${listingId} is not available`);
  await buyerScreening.screen(user.userId);
  const result = await ctx.store.createBooking(listingId, user.userId);
  if (!result.ok) {
    return result.reason === 'not_found' ? fail('not_found', `no listing ${listingId}`) : fail('conflict', `listing ${listingId} is not available`);
  }
  emitAvailability(ctx, result.listing);
  ctx.fanout.emit(rooms.user(result.booking.sellerId), 'notification', {
    type: 'booking:requested',
    bookingId: result.booking.id,
    listingId,
    buyerId: user.userId,
  });
  return ok(result.booking);
}

/** The store half: the handler checked availability, so the write just writes. */
function storeTrustingTheHandler(inner: Store): Store {
  const rows = listingBookingRows();
  return delegateStore(inner, {
    ...rows.store,
    async createBooking(listingId, buyerId) {
      const listing = rows.listings.get(listingId);
      if (!listing) return { ok: false, reason: 'not_found' };
      return rows.insertBooking(listing, buyerId);
    },
  });
}

// ---- dispute-skips-version -----------------------------------------------------------------

/** Disputes go through their own write, which sets the status and leaves the version alone. */
function storeWithDisputeShortcut(inner: Store): Store {
  const rows = listingBookingRows();
  async function raiseDispute(bookingId: string, from: BookingStatus): Promise<TransitionResult> {
    const booking = rows.bookings.get(bookingId);
    if (!booking) return { ok: false, reason: 'not_found' };
    if (booking.status !== from) return { ok: false, reason: 'conflict' };
    booking.status = 'disputed';
    return { ok: true, booking: rows.copy(booking), from };
  }
  return delegateStore(inner, {
    ...rows.store,
    transitionBooking: (bookingId, from, to) => (to === 'disputed' ? raiseDispute(bookingId, from) : rows.store.transitionBooking(bookingId, from, to)),
  });
}

export const stateDefects: Defect[] = [
  {
    name: 'unordered-price-emits',
    group: 'versions',
    description: 'PATCH /api/listings/:id is not serialized per listing and awaits a cache purge between the write and the emit: rapid price changes reach watchers out of version order',
    overrides: () => ({ http: { changePrice: changePriceThenPurge } }),
  },
  {
    name: 'dispute-skips-version',
    group: 'versions',
    description: 'opening a dispute updates the booking status without bumping its version: booking:statusChanged repeats the previous version',
    overrides: () => ({ wrapStore: storeWithDisputeShortcut }),
  },
  {
    name: 'booking-check-then-act',
    group: 'race',
    description: 'POST /api/bookings checks availability, awaits a remote buyer screening, then writes without re-checking or a per-listing lock: several concurrent buyers win',
    overrides: () => ({ http: { createBooking: createBookingAfterScreening }, wrapStore: storeTrustingTheHandler }),
  },
];
