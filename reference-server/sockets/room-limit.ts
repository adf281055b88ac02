import { fail, ok, type Result } from '../result.ts';
import type { BazaarSocket } from './define-handler.ts';

/**
 * Joins `room` unless the socket is already in `socket.data.maxRooms` rooms it joined (its own
 * id and user room aside; docs/contract.md §2). Called after the join was authorized and in the
 * same tick as the join, so that concurrent joins cannot all pass a count taken before any of them.
 */
export function joinWithinLimit(socket: BazaarSocket, room: string): Result<object> {
  const joined = socket.rooms.size - 2;
  if (!socket.rooms.has(room) && joined >= socket.data.maxRooms) {
    return fail('rate_limited', `a socket may be in at most ${socket.data.maxRooms} rooms; leave some first`);
  }
  socket.join(room);
  return ok({});
}
