/* A reference point between the floor and bazaar (`--with-socketio`): a plain socket.io-client
 * loop, the library alone. One connection per user (forceNew,
 * WebSocket only, no reconnection), `emit(event, id, ackCallback)`: no timeout, no promise, no
 * metrics. bazaar minus this is the cost of bazaar's own layer; this minus the floor is the
 * library's. */
import { createRequire } from 'node:module';
import { io, type Socket } from 'socket.io-client';
import type { BenchClient, BenchUser } from './workload.ts';

export function createSocketIoClient(url: string, listingId: string): BenchClient {
  const version = (createRequire(import.meta.url)('socket.io-client/package.json') as { version: string }).version;
  return {
    name: 'socketio',
    describe: `socket.io-client@${version}, emit with an ack callback`,
    createUser: () => createSocketIoUser(url, listingId),
  };
}

function createSocketIoUser(url: string, listingId: string): BenchUser {
  let socket: Socket | undefined;
  return {
    connect() {
      return new Promise<void>((resolve, reject) => {
        const s = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
        socket = s;
        s.once('connect', () => resolve());
        s.once('connect_error', (error) => reject(error));
      });
    },
    roundTrip(done) {
      if (!socket?.connected) {
        done(false);
        return;
      }
      socket.emit('listing:watch', listingId, (answer: { ok?: unknown } | undefined) => done(answer?.ok === true));
    },
    close() {
      socket?.disconnect();
    },
  };
}
