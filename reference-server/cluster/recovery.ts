import type { ServerOptions } from 'socket.io';
import { rooms } from '../../src/contract/index.ts';
import { authorizeBookingRoom, authorizeListingRoom, authorizePresenceRoom } from '../authz.ts';
import type { ServerContext } from '../context.ts';
import type { BazaarSocket } from '../sockets/define-handler.ts';

type AdapterOption = NonNullable<ServerOptions['adapter']>;

interface RestorableAdapter {
  restoreSession(pid: string, offset: string): Promise<{ data?: unknown } | null | undefined>;
}

/**
 * Connection state recovery, re-authorized (issue 3; docs/scaling.md). Socket.IO restores a
 * session (id, rooms, data) and writes the packets it missed in the Socket's constructor,
 * before any middleware runs, and skips the middlewares altogether by default. So:
 *
 * 1. `skipMiddlewares: false` (server.ts): the handshake middleware verifies the token the
 *    client presents now, and refuses a different user than the session's.
 * 2. This wrapper refuses, before anything is written, to restore a session whose token has
 *    expired meanwhile: a revoked (expired) user cannot resume an old session id.
 * 3. `recheckRecoveredRooms` (on connection): every restored room is decided again from the
 *    server's records, as a fresh join would be.
 */
export function guardSessionRestore(inner: AdapterOption, nowMs: () => number): AdapterOption {
  // A plain function, not an arrow: Socket.IO calls `new adapter(nsp)`.
  return function guardedAdapter(nsp: unknown) {
    const adapter = new (inner as unknown as new (nsp: unknown) => RestorableAdapter)(nsp);
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (!session) return session;
      const data = session.data as { expiresAtMs?: unknown } | undefined;
      if (typeof data?.expiresAtMs !== 'number' || data.expiresAtMs <= nowMs()) return null;
      return session;
    };
    return adapter;
  } as unknown as AdapterOption;
}

/** Leaves every restored room this user may no longer be in. */
export async function recheckRecoveredRooms(ctx: ServerContext, socket: BazaarSocket): Promise<string[]> {
  const user = socket.data.user;
  const left: string[] = [];
  for (const room of [...socket.rooms]) {
    if (room === socket.id) continue;
    const colon = room.indexOf(':');
    const kind = room.slice(0, colon);
    const id = room.slice(colon + 1);
    let allowed = false;
    if (kind === 'user') allowed = room === rooms.user(user.userId);
    else if (kind === 'listing') allowed = (await authorizeListingRoom(ctx, user, id)).ok;
    else if (kind === 'booking') allowed = (await authorizeBookingRoom(ctx, user, id)).ok;
    else if (kind === 'presence') allowed = (await authorizePresenceRoom(ctx, user, id)).ok;
    if (!allowed) {
      socket.leave(room);
      left.push(room);
    }
  }
  return left;
}
