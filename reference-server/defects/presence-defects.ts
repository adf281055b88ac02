/*
 * Deliberate defects in presence, typing and read receipts (reference-server/DEFECTS.md). Each is
 * ordinary server code with a plausible bug in it; the default server never loads this file's
 * exports. They prove that presence.*, typing.* and reads.* can fail.
 */
import { isId, rooms, type PresenceChangedPayload, type ReadUpdatedPayload, type TypingPayload } from '../../src/contract/index.ts';
import { authorizeBookingWrite } from '../authz.ts';
import type { Principal, ServerContext } from '../context.ts';
import { sweepPresence, touchPresence, watchPresence } from '../domain/presence.ts';
import type { TypingGate } from '../presence/typing-gate.ts';
import { fail, isPlainObject, ok, type Result } from '../result.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from '../sockets/define-handler.ts';
import { joinWithinLimit } from '../sockets/room-limit.ts';
import type { Store } from '../store/store.ts';
import type { Defect } from './defect.ts';

// ---- presence ----

/** Gone is gone: expire the presence at once and sweep, so watchers need not wait out the TTL. */
function expirePresenceOnDisconnect(ctx: ServerContext, socket: BazaarSocket): void {
  const { userId } = socket.data.user;
  ctx.presence
    .touch(userId, 0, ctx.nowMs())
    .then(() => sweepPresence(ctx))
    .catch((error: unknown) => ctx.log.error({ err: error }, 'expiring presence on disconnect failed'));
}

/** Tell watchers a user left once the TTL has passed without any socket of theirs coming back. */
function offlineTimerOnDisconnect(ctx: ServerContext, socket: BazaarSocket): void {
  const { userId } = socket.data.user;
  const timer = setTimeout(async () => {
    try {
      const sockets = await socket.nsp.in(rooms.user(userId)).fetchSockets();
      if (sockets.length > 0) return;
      const payload: PresenceChangedPayload = { userId, online: false, at: ctx.nowMs() };
      ctx.fanout.emit(rooms.presence(userId), 'presence:changed', payload);
    } catch (error) {
      ctx.log.error({ err: error }, 'offline timer failed');
    }
  }, ctx.presenceSettings.ttlMs);
  timer.unref();
}

/** presence:* handlers where a heartbeat skips the write when the user is online already. */
function registerPresenceSkippingRefresh(host: HandlerHost, socket: BazaarSocket): void {
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
    // Heartbeats are the hottest write in the system: only touch when the user dropped off.
    if (!(await host.ctx.presence.isOnline(socket.data.user.userId))) await touchPresence(host.ctx, socket.data.user);
    return ok({});
  });
}

// ---- typing ----

/** The typing throttle, keyed by sender and booking. */
function createKeyedObjectTypingGate(intervalMs: number): TypingGate {
  const lastStartMs = new Map<{ userId: string; bookingId: string }, number>();
  return {
    async allowStart(userId, bookingId, nowMs) {
      const key = { userId, bookingId };
      const last = lastStartMs.get(key);
      if (last !== undefined && nowMs - last < intervalMs) return false;
      lastStartMs.set(key, nowMs);
      return true;
    },
    prune(nowMs) {
      for (const [key, last] of lastStartMs) if (nowMs - last >= intervalMs) lastStartMs.delete(key);
    },
  };
}

/** typing:start / typing:stop relayed to the booking room. */
function registerTypingToWholeRoom(host: HandlerHost, socket: BazaarSocket): void {
  for (const kind of ['typing:start', 'typing:stop'] as const) {
    defineHandler(host, socket, kind, 'none', async (input) => {
      const { ctx } = host;
      const user = socket.data.user;
      if (!isPlainObject(input) || !isId(input.bookingId)) return fail('bad_request', 'payload must be {bookingId}');
      const { bookingId } = input;
      const access = await authorizeBookingWrite(ctx, user, bookingId);
      if (!access.ok) return access;
      if (kind === 'typing:start' && !(await ctx.typing.allowStart(user.userId, bookingId, ctx.nowMs()))) return ok({ relayed: false });
      const payload: TypingPayload = { bookingId, userId: user.userId };
      ctx.fanout.emit(rooms.booking(bookingId), kind, payload);
      return ok({ relayed: true });
    });
  }
}

// ---- read receipts ----

type MarkRead = (ctx: ServerContext, user: Principal, input: unknown) => Promise<Result<{ readAt: number }>>;

const registerReads = (markRead: MarkRead) => (host: HandlerHost, socket: BazaarSocket) => {
  defineHandler(host, socket, 'read:mark', 'required', (input) => markRead(host.ctx, socket.data.user, input));
};

/** read:mark that tells the booking room: everyone in the conversation sees the receipt. */
const markReadToRoom: MarkRead = async (ctx, user, input) => {
  if (!isPlainObject(input) || !isId(input.bookingId) || !isId(input.messageId)) {
    return fail('bad_request', 'payload must be {bookingId, messageId} with valid ids');
  }
  const { bookingId, messageId } = input;
  const access = await authorizeBookingWrite(ctx, user, bookingId);
  if (!access.ok) return access;
  const message = await ctx.store.getMessage(bookingId, messageId);
  if (!message) return fail('not_found', `no message ${messageId} in booking ${bookingId}`);
  if (message.senderId === user.userId) return fail('forbidden', 'only the recipient marks a message read');
  const marked = await ctx.store.markRead(bookingId, messageId, ctx.nowMs());
  if (!marked || marked.message.readAt === null) return fail('not_found', `no message ${messageId}`);
  const readAt = marked.message.readAt;
  if (marked.changed) {
    const payload: ReadUpdatedPayload = { bookingId, messageId, readerId: user.userId, readAt };
    ctx.fanout.emit(rooms.booking(bookingId), 'read:updated', payload);
  }
  return ok({ readAt });
};

/** read:mark for the parties of the booking. */
const markReadAnyParty: MarkRead = async (ctx, user, input) => {
  if (!isPlainObject(input) || !isId(input.bookingId) || !isId(input.messageId)) {
    return fail('bad_request', 'payload must be {bookingId, messageId} with valid ids');
  }
  const { bookingId, messageId } = input;
  const access = await authorizeBookingWrite(ctx, user, bookingId);
  if (!access.ok) return access;
  const marked = await ctx.store.markRead(bookingId, messageId, ctx.nowMs());
  if (!marked || marked.message.readAt === null) return fail('not_found', `no message ${messageId} in booking ${bookingId}`);
  const readAt = marked.message.readAt;
  if (marked.changed) {
    const payload: ReadUpdatedPayload = { bookingId, messageId, readerId: user.userId, readAt };
    ctx.fanout.emit(rooms.user(marked.message.senderId), 'read:updated', payload);
  }
  return ok({ readAt });
};

/** A store whose markRead goes through getMessage. */
function withMarkReadViaGetMessage(store: Store): Store {
  return {
    ...store,
    async markRead(bookingId, messageId, readAt) {
      const message = await store.getMessage(bookingId, messageId);
      if (!message) return undefined;
      if (message.readAt !== null) return { message, changed: false };
      message.readAt = readAt;
      return { message, changed: true };
    },
  };
}

export const presenceDefects: Defect[] = [
  {
    name: 'presence-delete-on-disconnect',
    group: 'presence',
    description: 'onDisconnect expires the user\'s presence and sweeps at once: a reconnect within the TTL shows watchers offline then online (flicker)',
    overrides: () => ({ onDisconnect: expirePresenceOnDisconnect }),
  },
  {
    name: 'no-presence-sweep',
    group: 'presence',
    description: 'the presence sweeper never runs: a user whose TTL lapsed is never announced offline and stays online to new watchers (ghost)',
    overrides: () => ({ noPresenceSweep: true }),
  },
  {
    name: 'offline-timer-and-sweep',
    group: 'presence',
    description: 'onDisconnect arms a TTL timer that announces offline when the user has no socket left, on top of the sweeper: a lapse is announced twice',
    overrides: () => ({ onDisconnect: offlineTimerOnDisconnect }),
  },
  {
    name: 'heartbeat-not-refreshing',
    group: 'presence',
    description: 'presence:heartbeat only touches presence when the user is not online already, so a connected, heartbeating user lapses every TTL',
    overrides: () => ({ registrations: { presence: registerPresenceSkippingRefresh } }),
  },
  {
    name: 'no-typing-limit',
    group: 'typing',
    description: 'the typing gate keys its Map by a fresh {userId, bookingId} object, so no lookup ever matches and every typing:start is relayed',
    overrides: () => ({ typingGate: () => createKeyedObjectTypingGate(3_000) }),
  },
  {
    name: 'typing-echo-to-sender',
    group: 'typing',
    description: 'typing:start/stop are emitted to the whole booking room without excepting the sending socket, so the sender sees its own typing',
    overrides: () => ({ registrations: { typing: registerTypingToWholeRoom } }),
  },
  {
    name: 'read-receipt-to-room',
    group: 'reads',
    description: 'read:updated is emitted to booking:{id} instead of user:{senderId}, so a sender tab outside the booking room never hears of the read',
    overrides: () => ({ registrations: { reads: registerReads(markReadToRoom) } }),
  },
  {
    name: 'read-mark-any-party',
    group: 'reads',
    description: 'read:mark checks that the caller is a party but not that it did not send the message, so a sender can mark its own message read',
    overrides: () => ({ registrations: { reads: registerReads(markReadAnyParty) } }),
  },
  {
    name: 'read-mark-not-persisted',
    group: 'reads',
    description: 'the store\'s markRead sets readAt on the copy getMessage returned and never writes it back: acks and read:updated say read, history says unread',
    overrides: () => ({ wrapStore: withMarkReadViaGetMessage }),
  },
];
