import {
  isBookingStatus,
  isId,
  judgeTransition,
  rooms,
  type Actor,
  type Booking,
  type Message,
  type StatusChangedPayload,
} from '../../src/contract/index.ts';
import { authorizeBookingRoom } from '../authz.ts';
import type { Principal, ServerContext } from '../context.ts';
import { fail, isPlainObject, ok, type Result } from '../result.ts';
import { emitAvailability, listingKey } from './listings.ts';

export async function createBooking(ctx: ServerContext, user: Principal, body: unknown): Promise<Result<Booking>> {
  if (user.role !== 'buyer') return fail('forbidden', 'only buyers book listings');
  if (!isPlainObject(body) || !isId(body.listingId)) {
    return fail('bad_request', 'body must be {listingId} with a valid id');
  }
  const listingId = body.listingId;
  return ctx.serial.run(listingKey(listingId), async () => {
    const result = await ctx.store.createBooking(listingId, user.userId);
    if (!result.ok) {
      return result.reason === 'not_found'
        ? fail<Booking>('not_found', `no listing ${listingId}`)
        : fail<Booking>('conflict', `listing ${listingId} is not available`);
    }
    // Watchers learn the listing is gone before the winner hears it won (contract §2.3).
    emitAvailability(ctx, result.listing);
    ctx.fanout.emit(rooms.user(result.booking.sellerId), 'notification', {
      type: 'booking:requested',
      bookingId: result.booking.id,
      listingId,
      buyerId: user.userId,
    });
    return ok(result.booking);
  });
}

function actorOf(booking: Booking, user: Principal): Actor | undefined {
  if (user.role === 'admin') return 'admin';
  if (booking.buyerId === user.userId) return 'buyer';
  if (booking.sellerId === user.userId) return 'seller';
  return undefined;
}

export async function transitionBooking(
  ctx: ServerContext,
  user: Principal,
  bookingId: string,
  body: unknown,
): Promise<Result<Booking>> {
  if (!isId(bookingId)) return fail('bad_request', 'booking id is not a valid id');
  if (!isPlainObject(body) || !isBookingStatus(body.to)) {
    return fail('bad_request', 'body must be {to} with a booking status');
  }
  const to = body.to;
  const found = await ctx.store.getBooking(bookingId);
  if (!found) return fail('not_found', `no booking ${bookingId}`);
  // Serialized on the listing: a release bumps the listing's version too.
  return ctx.serial.run(listingKey(found.listingId), async () => {
    const booking = await ctx.store.getBooking(bookingId);
    if (!booking) return fail<Booking>('not_found', `no booking ${bookingId}`);
    const actor = actorOf(booking, user);
    if (!actor) return fail<Booking>('forbidden', `not a party to booking ${bookingId}`);
    const verdict = judgeTransition(booking.status, to, actor);
    if (verdict === 'forbidden') return fail<Booking>('forbidden', `a ${actor} cannot move a booking to ${to}`);
    if (verdict === 'conflict') return fail<Booking>('conflict', `booking is ${booking.status}, cannot move to ${to}`);
    const result = await ctx.store.transitionBooking(bookingId, booking.status, to);
    if (!result.ok) return fail<Booking>('conflict', `booking ${bookingId} changed meanwhile; retry`);
    const payload: StatusChangedPayload = {
      bookingId,
      from: result.from,
      to,
      version: result.booking.version,
      at: ctx.nowMs(),
    };
    ctx.fanout.emit(rooms.booking(bookingId), 'booking:statusChanged', payload);
    if (result.releasedListing) emitAvailability(ctx, result.releasedListing);
    return ok(result.booking);
  });
}

export async function listMessages(
  ctx: ServerContext,
  user: Principal,
  bookingId: string,
  afterParam: string | null,
): Promise<Result<{ messages: Message[] }>> {
  if (!isId(bookingId)) return fail('bad_request', 'booking id is not a valid id');
  const after = afterParam === null ? 0 : Number(afterParam);
  if (afterParam !== null && (!/^\d{1,15}$/.test(afterParam) || !Number.isSafeInteger(after))) {
    return fail('bad_request', 'after must be a non-negative integer seq');
  }
  const access = await authorizeBookingRoom(ctx, user, bookingId);
  if (!access.ok) return access;
  return ok({ messages: await ctx.store.listMessages(bookingId, after) });
}
