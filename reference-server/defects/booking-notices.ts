import { isId, rooms, type Booking } from '../../src/contract/index.ts';
import type { Principal, ServerContext } from '../context.ts';
import { emitAvailability, listingKey } from '../domain/listings.ts';
import { fail, isPlainObject, ok, type Result } from '../result.ts';

/**
 * POST /api/bookings as the real one (domain/bookings.ts), with the seller's notification also
 * sent to the rooms `alsoTo` names: what a defect or a variant changes about who is told.
 */
export function createBookingNotifying(alsoTo: (booking: Booking) => string[]) {
  return async function createBooking(ctx: ServerContext, user: Principal, body: unknown): Promise<Result<Booking>> {
    if (user.role !== 'buyer') return fail('forbidden', 'only buyers book listings');
    if (!isPlainObject(body) || !isId(body.listingId)) return fail('bad_request', 'body must be {listingId} with a valid id');
    const listingId = body.listingId;
    return ctx.serial.run(listingKey(listingId), async () => {
      const result = await ctx.store.createBooking(listingId, user.userId);
      if (!result.ok) {
        return result.reason === 'not_found' ? fail<Booking>('not_found', `no listing ${listingId}`) : fail<Booking>('conflict', `listing ${listingId} is not available`);
      }
      emitAvailability(ctx, result.listing);
      const notice = { type: 'booking:requested', bookingId: result.booking.id, listingId, buyerId: user.userId };
      for (const room of [rooms.user(result.booking.sellerId), ...alsoTo(result.booking)]) ctx.fanout.emit(room, 'notification', notice);
      return ok(result.booking);
    });
  };
}
