import { isId, rooms } from '../../src/contract/index.ts';
import { authorizeBookingRoom } from '../authz.ts';
import { fail, ok } from '../result.ts';
import { joinWithinLimit } from './room-limit.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from './define-handler.ts';

export function registerBookingHandlers(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'booking:join', 'when-asked', async (bookingId) => {
    if (!isId(bookingId)) return fail('bad_request', 'bookingId must be a valid id');
    const access = await authorizeBookingRoom(host.ctx, socket.data.user, bookingId);
    if (!access.ok) return access;
    return joinWithinLimit(socket, rooms.booking(bookingId));
  });
  defineHandler(host, socket, 'booking:leave', 'optional', async (bookingId) => {
    if (!isId(bookingId)) return fail('bad_request', 'bookingId must be a valid id');
    socket.leave(rooms.booking(bookingId));
    return ok({});
  });
}
