import { isId, rooms } from '../../src/contract/index.ts';
import { authorizeListingRoom } from '../authz.ts';
import { fail, ok } from '../result.ts';
import { joinWithinLimit } from './room-limit.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from './define-handler.ts';

export function registerListingHandlers(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'listing:watch', 'when-asked', async (listingId) => {
    if (!isId(listingId)) return fail('bad_request', 'listingId must be a valid id');
    const access = await authorizeListingRoom(host.ctx, socket.data.user, listingId);
    if (!access.ok) return access;
    return joinWithinLimit(socket, rooms.listing(listingId));
  });
  defineHandler(host, socket, 'listing:unwatch', 'optional', async (listingId) => {
    if (!isId(listingId)) return fail('bad_request', 'listingId must be a valid id');
    socket.leave(rooms.listing(listingId));
    return ok({});
  });
}
