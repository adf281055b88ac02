import { isBody, isId, rooms } from '../../src/contract/index.ts';
import { authorizeBookingRoom, authorizeListingRoom } from '../authz.ts';
import type { Principal, ServerContext } from '../context.ts';
import { bookingKey } from '../domain/messages.ts';
import { fail, isPlainObject, ok } from '../result.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from '../sockets/define-handler.ts';
import { joinWithinLimit } from '../sockets/room-limit.ts';
import { createBookingNotifying } from './booking-notices.ts';
import type { Defect } from './defect.ts';

/*
 * Room authorization bugs (contract §4, §6.7). Each is a copy of the real handler with the bug a
 * developer plausibly writes; everything else about the domain is registered as usual.
 */

function registerBookingLeave(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'booking:leave', 'optional', async (bookingId) => {
    if (!isId(bookingId)) return fail('bad_request', 'bookingId must be a valid id');
    socket.leave(rooms.booking(bookingId));
    return ok({});
  });
}

/** listing:watch and booking:join take one id or several (a search page watches every listing on it). */
function registerJoinsAcceptingArrays(domain: 'listings' | 'bookings') {
  return (host: HandlerHost, socket: BazaarSocket): void => {
    if (domain === 'listings') {
      defineHandler(host, socket, 'listing:watch', 'when-asked', async (payload) => {
        const listingIds = Array.isArray(payload) ? payload : [payload];
        const [first] = listingIds;
        if (!isId(first)) return fail('bad_request', 'listingId must be a valid id');
        const access = await authorizeListingRoom(host.ctx, socket.data.user, first);
        if (!access.ok) return access;
        for (const id of listingIds) {
          const joined = joinWithinLimit(socket, rooms.listing(String(id)));
          if (!joined.ok) return joined;
        }
        return ok({});
      });
      defineHandler(host, socket, 'listing:unwatch', 'optional', async (listingId) => {
        if (!isId(listingId)) return fail('bad_request', 'listingId must be a valid id');
        socket.leave(rooms.listing(listingId));
        return ok({});
      });
      return;
    }
    defineHandler(host, socket, 'booking:join', 'when-asked', async (payload) => {
      const bookingIds = Array.isArray(payload) ? payload : [payload];
      const [first] = bookingIds;
      if (!isId(first)) return fail('bad_request', 'bookingId must be a valid id');
      const access = await authorizeBookingRoom(host.ctx, socket.data.user, first);
      if (!access.ok) return access;
      for (const id of bookingIds) {
        const joined = joinWithinLimit(socket, rooms.booking(String(id)));
        if (!joined.ok) return joined;
      }
      return ok({});
    });
    registerBookingLeave(host, socket);
  };
}

/** booking:join that only checks the booking exists: "booking ids are unguessable anyway". */
function registerBookingJoinWithoutPartyCheck(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'booking:join', 'when-asked', async (bookingId) => {
    if (!isId(bookingId)) return fail('bad_request', 'bookingId must be a valid id');
    const booking = await host.ctx.store.getBooking(bookingId);
    if (!booking) return fail('not_found', `no booking ${bookingId}`);
    return joinWithinLimit(socket, rooms.booking(bookingId));
  });
  registerBookingLeave(host, socket);
}

/** sendMessage, authorized with the room rule (parties and admins) instead of the write rule (parties only). */
async function sendMessageAsRoomMember(ctx: ServerContext, user: Principal, input: unknown) {
  if (!isPlainObject(input) || !isId(input.bookingId) || !isId(input.clientMsgId)) {
    return fail('bad_request', 'payload must be {bookingId, body, clientMsgId} with valid ids');
  }
  if (!isBody(input.body)) return fail('bad_request', 'body must be a string of 1..4000 characters after trimming');
  const { bookingId, clientMsgId } = input;
  const body = input.body.trim();
  // Whoever may be in the booking's room may write in it.
  const access = await authorizeBookingRoom(ctx, user, bookingId);
  if (!access.ok) return access;
  return ctx.serial.run(bookingKey(bookingId), async () => {
    const { message, created } = await ctx.store.appendMessage({ bookingId, senderId: user.userId, body, clientMsgId, sentAt: ctx.nowMs() });
    const { readAt: _readAt, ...wire } = message;
    if (created) ctx.fanout.emit(rooms.booking(bookingId), 'message:new', wire);
    return ok({ message: wire });
  });
}

export const authzDefects: Defect[] = [
  {
    name: 'join-first-element',
    group: 'authz',
    description: 'listing:watch and booking:join accept an array of ids, authorize only its first element, then join every room in it',
    overrides: () => ({ registrations: { listings: registerJoinsAcceptingArrays('listings'), bookings: registerJoinsAcceptingArrays('bookings') } }),
  },
  {
    name: 'booking-join-no-party-check',
    group: 'authz',
    description: 'booking:join only checks that the booking exists, not that the caller is its buyer, its seller or an admin',
    overrides: () => ({ registrations: { bookings: registerBookingJoinWithoutPartyCheck } }),
  },
  {
    name: 'booking-notice-to-listing-room',
    group: 'authz',
    description: 'POST /api/bookings sends the seller\'s booking:requested notification to the listing\'s room as well, so an open listing page updates live: every watcher of the listing reads the seller\'s user-room event',
    overrides: () => ({ http: { createBooking: createBookingNotifying((booking) => [rooms.listing(booking.listingId)]) } }),
  },
  {
    name: 'admin-writes-as-party',
    group: 'authz',
    description: 'message:send authorizes with the room rule (parties and admins) instead of the write rule, so an admin watching a booking can post into it',
    overrides: () => ({
      registrations: {
        messages: (host, socket) => defineHandler(host, socket, 'message:send', 'required', (input) => sendMessageAsRoomMember(host.ctx, socket.data.user, input)),
      },
    }),
  },
];
