import type { Booking, Listing } from '../src/contract/index.ts';
import type { Principal, ServerContext } from './context.ts';
import { fail, ok, type Result } from './result.ts';

/*
 * Who may join which room (docs/contract.md §2.4), one function per room kind. Each decides
 * from the server's own records on every call: nothing a client says about itself counts
 * beyond its verified token, and ids are validated by the caller before they get here.
 */

export function isBookingParty(booking: Booking, user: Principal): boolean {
  return booking.buyerId === user.userId || booking.sellerId === user.userId;
}

/** `listing:{id}`: anyone for a public listing; private: owner, admins, buyers with a booking on it. */
export async function authorizeListingRoom(
  ctx: ServerContext,
  user: Principal,
  listingId: string,
): Promise<Result<Listing>> {
  const listing = await ctx.store.getListing(listingId);
  if (!listing) return fail('not_found', `no listing ${listingId}`);
  if (!listing.private) return ok(listing);
  if (user.role === 'admin' || listing.sellerId === user.userId) return ok(listing);
  if (user.role === 'buyer' && (await ctx.store.hasBookingOn(listingId, user.userId))) return ok(listing);
  return fail('forbidden', `listing ${listingId} is private`);
}

/** `booking:{id}`: its buyer and seller, and admins. */
export async function authorizeBookingRoom(
  ctx: ServerContext,
  user: Principal,
  bookingId: string,
): Promise<Result<Booking>> {
  const booking = await ctx.store.getBooking(bookingId);
  if (!booking) return fail('not_found', `no booking ${bookingId}`);
  if (user.role === 'admin' || isBookingParty(booking, user)) return ok(booking);
  return fail('forbidden', `not a party to booking ${bookingId}`);
}

/** `presence:{userId}`: any user for a seller known to the server; anyone's for admins. */
export async function authorizePresenceRoom(
  ctx: ServerContext,
  user: Principal,
  userId: string,
): Promise<Result<void>> {
  if (user.role === 'admin') return ok(undefined);
  if (await ctx.store.hasRole(userId, 'seller')) return ok(undefined);
  return fail('forbidden', `presence of ${userId} is visible to admins only`);
}

/** Writes into a booking (message:send, typing:*, read:mark): its buyer and seller only. */
export async function authorizeBookingWrite(
  ctx: ServerContext,
  user: Principal,
  bookingId: string,
): Promise<Result<Booking>> {
  const booking = await ctx.store.getBooking(bookingId);
  if (!booking) return fail('not_found', `no booking ${bookingId}`);
  if (isBookingParty(booking, user)) return ok(booking);
  return fail('forbidden', `not a party to booking ${bookingId}`);
}
