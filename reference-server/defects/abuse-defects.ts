import { pbkdf2Sync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { authenticate, type Authenticated } from '../auth.ts';
import { isId, rooms } from '../../src/contract/index.ts';
import type { Principal } from '../context.ts';
import { markRead, sendMessage } from '../domain/messages.ts';
import { touchPresence, watchPresence } from '../domain/presence.ts';
import { fail, ok } from '../result.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from '../sockets/define-handler.ts';
import { joinWithinLimit } from '../sockets/room-limit.ts';
import type { Defect } from './defect.ts';

/*
 * Security bugs (docs/security.md): code of the app's own, sitting where the Socket.IO stack's
 * known advisories lived, that falls to the same shapes; and limits the server should keep but
 * a developer plausibly removed or forgot. Well-formed traffic behaves exactly as the real server's.
 */

/** Hosts this deployment answers for (DNS rebinding protection); the port is whatever it listens on. */
const ALLOWED_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Refuses requests for other hosts: reads the Host header as if every request had one. */
function allowKnownHosts(req: IncomingMessage, callback: (error: string | null | undefined, success: boolean) => void): void {
  const host = req.headers.host!.split(':')[0]!.toLowerCase();
  callback(ALLOWED_HOSTS.has(host) ? null : 'unknown host', ALLOWED_HOSTS.has(host));
}

/** Counts binary uploads per event for the dashboard, reading the packet header itself. */
function countBinaryEvents(socket: BazaarSocket): void {
  const counts = new Map<string, number>();
  socket.conn.on('packet', (packet: { type: string; data?: unknown }) => {
    if (packet.type !== 'message' || typeof packet.data !== 'string' || !packet.data.startsWith('5')) return;
    const body = packet.data.slice(packet.data.indexOf('-') + 1);
    const start = body.indexOf('[');
    const [event] = JSON.parse(body.slice(start)) as [string];
    const key = event.toLowerCase();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
}

/**
 * The handshake as usual, then the token's fingerprint derived with PBKDF2 to look it up in a
 * revocation list: synchronous, on the event loop, for every connection.
 */
function authenticateWithRevocationLookup(revoked: Set<string>) {
  return (auth: Record<string, unknown> | undefined, _query: Record<string, unknown>, secret: string, nowMs: number): Authenticated => {
    const result = authenticate(auth?.token, secret, nowMs);
    if (!result.ok) return result;
    const fingerprint = pbkdf2Sync(String(auth?.token), secret, 120_000, 32, 'sha256').toString('hex');
    return revoked.has(fingerprint) ? { ok: false, reason: 'token revoked' } : result;
  };
}

/** The support console sends on behalf of users: a userId in the payload names who acts. */
function onBehalfOf(user: Principal, input: unknown): Principal {
  const claimed = (input as { userId?: unknown } | null)?.userId;
  return isId(claimed) ? { ...user, userId: claimed } : user;
}

function registerMessagesOnBehalf(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'message:send', 'required', (input) => sendMessage(host.ctx, onBehalfOf(socket.data.user, input), input));
}

function registerReadsOnBehalf(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'read:mark', 'required', (input) => markRead(host.ctx, onBehalfOf(socket.data.user, input), input));
}

/** Presence as usual, except that an id nobody ever used answers not_found ("helpful" for typos). */
function registerPresenceNotFound(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'presence:watch', 'when-asked', async (userId) => {
    if (isId(userId) && socket.data.user.role !== 'admin') {
      const roles = await Promise.all((['buyer', 'seller', 'admin'] as const).map((role) => host.ctx.store.hasRole(userId, role)));
      if (!roles.some(Boolean)) return fail('not_found', `no user ${userId}`);
    }
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

export const abuseDefects: Defect[] = [
  {
    name: 'trust-payload-user-id',
    group: 'security',
    description: 'message:send and read:mark act as payload.userId when it is given (for the support console), so any client may send or mark read as another user',
    overrides: () => ({ registrations: { messages: registerMessagesOnBehalf, reads: registerReadsOnBehalf } }),
  },
  {
    name: 'presence-reveals-users',
    group: 'security',
    description: 'presence:watch answers not_found for a user id nobody ever used and forbidden for a known buyer, so anyone can probe which user ids exist',
    overrides: () => ({ registrations: { presence: registerPresenceNotFound } }),
  },
  {
    name: 'host-check-assumes-header',
    group: 'security',
    description: 'an allowRequest hook (DNS rebinding protection) reads req.headers.host.split(":") as if every request had a Host header: a request without one (HTTP/1.0, or more headers than Node keeps) throws and kills the process',
    overrides: () => ({ allowRequest: allowKnownHosts }),
  },
  {
    name: 'binary-event-metrics',
    group: 'security',
    description: 'a socket.conn "packet" listener parses binary event packets itself to count uploads per event, calling event.toLowerCase() on whatever the first element is: a binary packet whose event name is not a string throws outside any handler and kills the process',
    overrides: () => ({ watchConnection: countBinaryEvents }),
  },
  {
    name: 'no-event-rate-limit',
    group: 'security',
    description: 'the per-socket event rate limit was taken out ("the load balancer rate-limits"), which counts HTTP requests, not the events inside one WebSocket: one socket may send thousands of events a second',
    overrides: () => ({ limits: { eventsPerSec: 1e9, eventBurst: 1e9 } }),
  },
  {
    name: 'no-room-limit',
    group: 'security',
    description: 'joins are authorized but not counted: one socket may watch every public listing and presence room there is, and every broadcast to them costs the server a write to it',
    overrides: () => ({ limits: { maxRoomsPerSocket: 1e9 } }),
  },
  {
    name: 'max-buffer-raised',
    group: 'security',
    description: 'maxHttpBufferSize raised to 100 MB so that photos fit in a message: every client may make the server buffer and parse frames of that size',
    overrides: () => ({ maxHttpBufferSizeBytes: 100 * 1024 * 1024 }),
  },
  {
    name: 'slow-handshake',
    group: 'security',
    description: 'the handshake derives each token\'s fingerprint with pbkdf2Sync (120 000 rounds) to look it up in a revocation list: synchronous hashing on the event loop, so a burst of connections stalls every user',
    overrides: () => ({ authenticateHandshake: authenticateWithRevocationLookup(new Set()) }),
  },
];
