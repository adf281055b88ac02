import { ackError, isId, rooms, type Ack, type ClientEventName } from '../../src/contract/index.ts';
import { authorizeBookingRoom } from '../authz.ts';
import { fail, ok } from '../result.ts';
import { registerPresenceHandlers } from '../sockets/presence.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from '../sockets/define-handler.ts';
import { joinWithinLimit } from '../sockets/room-limit.ts';
import type { Defect } from './defect.ts';

/*
 * Robustness bugs (contract §2, §6.8): handlers that trust the shape of what a client sends.
 * Both take the process down; well-formed traffic behaves exactly as the real server's.
 */

/** booking:join as usual; booking:leave written straight on the socket, since leaving needs no lookup. */
function registerBookingsWithQuickLeave(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'booking:join', 'when-asked', async (bookingId) => {
    if (!isId(bookingId)) return fail('bad_request', 'bookingId must be a valid id');
    const access = await authorizeBookingRoom(host.ctx, socket.data.user, bookingId);
    if (!access.ok) return access;
    return joinWithinLimit(socket, rooms.booking(bookingId));
  });
  socket.on('booking:leave', (bookingId: string, ack?: (response: Ack) => void) => {
    const id = bookingId.trim(); // ids copied from the web app sometimes carry a newline
    if (!isId(id)) {
      if (typeof ack === 'function') ack(ackError('bad_request', 'bookingId must be a valid id'));
      return;
    }
    socket.leave(rooms.booking(id));
    if (typeof ack === 'function') ack({ ok: true });
  });
}

/** Which client events count as the user being active, for the "active 2 min ago" badge. */
const ACTIVITY: Record<ClientEventName, { countsAsActive: boolean }> = {
  'listing:watch': { countsAsActive: false },
  'listing:unwatch': { countsAsActive: false },
  'booking:join': { countsAsActive: true },
  'booking:leave': { countsAsActive: false },
  'message:send': { countsAsActive: true },
  'typing:start': { countsAsActive: true },
  'typing:stop': { countsAsActive: false },
  'read:mark': { countsAsActive: true },
  'presence:watch': { countsAsActive: false },
  'presence:unwatch': { countsAsActive: false },
  'presence:heartbeat': { countsAsActive: false },
};

/** Presence as usual, plus a last-active time per user fed by every event the socket sends. */
function registerPresenceWithLastActive(lastActiveAt: Map<string, number>) {
  return (host: HandlerHost, socket: BazaarSocket): void => {
    registerPresenceHandlers(host, socket);
    socket.onAny(async (event: string) => {
      if (!ACTIVITY[event as ClientEventName].countsAsActive) return;
      const userId = socket.data.user.userId;
      await host.ctx.store.recordUser(userId, socket.data.user.role);
      lastActiveAt.set(userId, host.ctx.nowMs());
    });
  };
}

export const robustnessDefects: Defect[] = [
  {
    name: 'crash-on-object-payload',
    group: 'robustness',
    description: 'booking:leave is a raw socket.on handler that calls bookingId.trim() before validating, so any non-string payload throws and kills the process',
    overrides: () => ({ registrations: { bookings: registerBookingsWithQuickLeave } }),
  },
  {
    name: 'crash-on-unknown-event',
    group: 'robustness',
    description: 'an async socket.onAny listener looks every event name up in a table of known events, so an unknown event name is an unhandled rejection that kills the process',
    overrides: () => ({ registrations: { presence: registerPresenceWithLastActive(new Map()) } }),
  },
];
