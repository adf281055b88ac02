import { isId, rooms } from '../../src/contract/index.ts';
import { touchPresence, watchPresence } from '../domain/presence.ts';
import { fail, ok } from '../result.ts';
import { joinWithinLimit } from './room-limit.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from './define-handler.ts';

export function registerPresenceHandlers(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'presence:watch', 'when-asked', async (userId) => {
    const result = await watchPresence(host.ctx, socket.data.user, userId);
    if (!result.ok) return result;
    const joined = joinWithinLimit(socket, rooms.presence(result.value.userId));
    return joined.ok ? ok({ online: result.value.online }) : joined;
  });
  defineHandler(host, socket, 'presence:unwatch', 'optional', async (userId) => {
    if (!isId(userId)) return fail('bad_request', 'userId must be a valid id');
    socket.leave(rooms.presence(userId));
    return ok({});
  });
  defineHandler(host, socket, 'presence:heartbeat', 'optional', async () => {
    await touchPresence(host.ctx, socket.data.user);
    return ok({});
  });
}
