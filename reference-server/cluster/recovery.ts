import type { Server, Socket } from 'socket.io';
import { rooms } from '../../src/contract/index.ts';
import { authorizeBookingRoom, authorizeListingRoom, authorizePresenceRoom } from '../authz.ts';
import type { ServerContext } from '../context.ts';
import type { BazaarSocket } from '../sockets/define-handler.ts';

/** What Socket.IO's session-aware adapters (in memory, Redis streams) restore. */
interface RestoredSession {
  sid: string;
  pid: string;
  rooms: string[];
  data: unknown;
  missedPackets: unknown[][];
}

interface RestorableAdapter {
  nsp: { sockets: Map<string, unknown> };
  restoreSession(pid: string, offset: string): Promise<RestoredSession | null | undefined> | RestoredSession | null | undefined;
}

/** Socket.IO's own way of writing one EVENT packet to one socket (private in its types). */
interface PacketWriter {
  packet(packet: { type: number; data: unknown[] }): void;
}

const EVENT_PACKET = 2;

/** Whether a socket with this id is connected, or between its restore and its middleware. */
function isInUse(adapter: RestorableAdapter, sid: string): boolean {
  // _preConnectSockets is Socket.IO's own (4.8), private; without it only connected ids count.
  const preConnect = (adapter.nsp as { _preConnectSockets?: Map<string, unknown> })._preConnectSockets;
  return adapter.nsp.sockets.has(sid) || preConnect?.has(sid) === true;
}

export interface SessionGuard {
  /** Guards a namespace's adapter; call for '/' and on every `new_namespace`. */
  guard(adapter: unknown): void;
  /**
   * The handshake has re-authorized this restored socket as the session's own user: its missed
   * packets are released to it. Call before `socket.data` is replaced.
   */
  authorized(socket: Socket): void;
  /** On connection, after the CONNECT answer: writes the released packets, in their order. */
  replay(socket: Socket): void;
}

/**
 * Connection state recovery, re-authorized (issue 3, issue 12 item 14). Socket.IO restores a
 * session (id, rooms, data) and writes the packets it missed in the Socket's constructor, before
 * any middleware runs, and skips the middlewares altogether by default
 * (https://socket.io/docs/v4/connection-state-recovery). So:
 *
 * 1. `skipMiddlewares: false` (server.ts): the handshake middleware verifies the token the
 *    client presents now, and refuses a different user than the session's.
 * 2. `restoreSession` is wrapped: a session whose token has expired meanwhile is not restored
 *    (a revoked user cannot resume an old session id), nor one whose socket is connected now
 *    (a second restore would share its id), and the missed packets of any other are
 *    withheld from the constructor. Whoever presents a session id, nothing it missed is on the
 *    wire until the handshake has re-authorized the socket as the session's own user; then they
 *    are written on connection, right after the CONNECT answer and before any live event.
 * 3. `recheckRecoveredRooms` (on connection): every restored room is decided again from the
 *    server's records, as a fresh join would be.
 *
 * `replayBeforeAuth` (the defect `recovery-replay-before-auth` only) is the guard as it was, with
 * the expiry rule alone: Socket.IO's order, the packets go out in the constructor before the
 * handshake has looked at the token, and a connected session can be restored again.
 */
export function createSessionGuard(options: { nowMs: () => number; replayBeforeAuth?: boolean; ignoreExpiry?: boolean }): SessionGuard {
  // Keyed by the restored `data` object, which becomes the socket's `data` in its constructor.
  const withheld = new WeakMap<object, unknown[][]>();
  const released = new WeakMap<Socket, unknown[][]>();
  const guarded = new WeakSet<object>();
  return {
    guard(candidate) {
      const adapter = candidate as RestorableAdapter;
      if (guarded.has(adapter)) return;
      guarded.add(adapter);
      const restore = adapter.restoreSession.bind(adapter);
      adapter.restoreSession = async (pid, offset) => {
        const session = await restore(pid, offset);
        if (!session) return session;
        const data = session.data as { expiresAtMs?: unknown } | undefined;
        // ignoreExpiry: the defect `recovery-resume-ignores-exp` only.
        if (!options.ignoreExpiry && (typeof data?.expiresAtMs !== 'number' || data.expiresAtMs <= options.nowMs())) return null;
        if (options.replayBeforeAuth) return session;
        // A session whose socket is connected (or being connected) is not restored a second time.
        // Socket.IO's in-memory adapter keeps a session after restoring it, and a restored socket
        // takes the session's id: refused, its cleanup would take the live socket with that id
        // out of its rooms and out of the namespace.
        if (isInUse(adapter, session.sid)) return null;
        const restoredData = { ...data };
        withheld.set(restoredData, session.missedPackets);
        return { ...session, data: restoredData, missedPackets: [] };
      };
    },
    authorized(socket) {
      const packets = withheld.get(socket.data as object);
      if (packets === undefined) return;
      withheld.delete(socket.data as object);
      released.set(socket, packets);
    },
    replay(socket) {
      const packets = released.get(socket);
      if (packets === undefined) return;
      released.delete(socket);
      // Socket.IO's constructor writes them exactly so; the trailing offset stays in each packet.
      for (const data of packets) (socket as unknown as PacketWriter).packet({ type: EVENT_PACKET, data });
    },
  };
}

/** Guards the adapter of every namespace the server has now or creates later. */
export function guardNamespaces(io: Server, guard: SessionGuard): void {
  guard.guard(io.of('/').adapter);
  io.on('new_namespace', (nsp) => guard.guard(nsp.adapter));
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
