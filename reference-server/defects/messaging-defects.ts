/*
 * Deliberate defects in messaging (order, delivery, idempotency). Each is the real code path
 * copied with one plausible bug in it; none is loaded unless the server starts with --defect.
 */
import { isBody, isId, rooms, type Message, type MessageNewPayload } from '../../src/contract/index.ts';
import { authorizeBookingWrite } from '../authz.ts';
import type { Principal, ServerContext } from '../context.ts';
import { bookingKey } from '../domain/messages.ts';
import { fail, isPlainObject, ok, type Result } from '../result.ts';
import { defineHandler, type BazaarSocket, type HandlerHost } from '../sockets/define-handler.ts';
import { newId } from '../store/memory-store.ts';
import type { NewMessage, Store } from '../store/store.ts';
import type { Defect } from './defect.ts';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A remote call's latency: it varies from call to call, as a real one does. */
const latency = (minMs: number, maxMs: number) => sleep(minMs + Math.random() * (maxMs - minMs));

const STORE_METHODS = Object.keys({
  recordUser: true, hasRole: true, createListing: true, getListing: true, changePrice: true, createBooking: true,
  getBooking: true, hasBookingOn: true, transitionBooking: true, appendMessage: true, getMessage: true,
  listMessages: true, markRead: true,
} satisfies Record<keyof Store, true>) as (keyof Store)[];

/** `inner` with some methods replaced; the rest delegate (bound, so class-based stores work too). */
export function delegateStore(inner: Store, replaced: Partial<Store>): Store {
  const store = {} as Record<keyof Store, unknown>;
  for (const key of STORE_METHODS) store[key] = (inner[key] as (...args: unknown[]) => unknown).bind(inner);
  return { ...(store as unknown as Store), ...replaced };
}

type SendInput = { bookingId: string; clientMsgId: string; body: string };

/** The validation and party check of message:send, exactly as the real handler has them. */
async function admitSend(ctx: ServerContext, user: Principal, input: unknown): Promise<Result<SendInput>> {
  if (!isPlainObject(input) || !isId(input.bookingId) || !isId(input.clientMsgId)) {
    return fail('bad_request', 'payload must be {bookingId, body, clientMsgId} with valid ids');
  }
  if (!isBody(input.body)) return fail('bad_request', 'body must be a string of 1..4000 characters after trimming');
  const access = await authorizeBookingWrite(ctx, user, input.bookingId);
  if (!access.ok) return access;
  return ok({ bookingId: input.bookingId, clientMsgId: input.clientMsgId, body: input.body.trim() });
}

function toWire(message: Message): MessageNewPayload {
  const { readAt: _readAt, ...wire } = message;
  return wire;
}

/**
 * A message table: `uniqueKey` is its unique index (undefined: none). The real store's index
 * is (booking, sender, clientMsgId).
 */
function messageTable(uniqueKey: (input: NewMessage) => string | undefined): Pick<Store, 'appendMessage' | 'getMessage' | 'listMessages' | 'markRead'> {
  const threads = new Map<string, { messages: Message[]; byId: Map<string, Message>; byKey: Map<string, Message> }>();
  const thread = (bookingId: string) => {
    let t = threads.get(bookingId);
    if (!t) threads.set(bookingId, (t = { messages: [], byId: new Map(), byKey: new Map() }));
    return t;
  };
  return {
    async appendMessage(input) {
      const t = thread(input.bookingId);
      const key = uniqueKey(input);
      const existing = key === undefined ? undefined : t.byKey.get(key);
      if (existing) return { message: { ...existing }, created: false };
      const message: Message = { id: newId('m'), ...input, seq: t.messages.length + 1, readAt: null };
      t.messages.push(message);
      t.byId.set(message.id, message);
      if (key !== undefined) t.byKey.set(key, message);
      return { message: { ...message }, created: true };
    },
    async getMessage(bookingId, messageId) {
      const message = threads.get(bookingId)?.byId.get(messageId);
      return message && { ...message };
    },
    async listMessages(bookingId, afterSeq) {
      return (threads.get(bookingId)?.messages ?? []).slice(Math.max(0, afterSeq)).map((m) => ({ ...m }));
    },
    async markRead(bookingId, messageId, readAt) {
      const message = threads.get(bookingId)?.byId.get(messageId);
      if (!message) return undefined;
      if (message.readAt !== null) return { message: { ...message }, changed: false };
      message.readAt = readAt;
      return { message: { ...message }, changed: true };
    },
  };
}

/** Stands in for a slow durable write (an append-only log on another service). */
const durableLog = {
  write: (_message: Message) => latency(1, 15),
};

/** message:send without the per-booking lock, emitting after the durable write returns. */
function registerSendWithDurableLog(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'message:send', 'required', async (input) => {
    const { ctx } = host;
    const admitted = await admitSend(ctx, socket.data.user, input);
    if (!admitted.ok) return admitted;
    const { bookingId, clientMsgId, body } = admitted.value;
    const { message, created } = await ctx.store.appendMessage({ bookingId, senderId: socket.data.user.userId, body, clientMsgId, sentAt: ctx.nowMs() });
    await durableLog.write(message);
    const wire = toWire(message);
    if (created) ctx.fanout.emit(rooms.booking(bookingId), 'message:new', wire);
    return ok({ message: wire });
  });
}

/** message:send that broadcasts from the socket, as typing does: socket.to() skips the sender. */
function registerSendBroadcastFromSocket(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'message:send', 'required', async (input) => {
    const { ctx } = host;
    const admitted = await admitSend(ctx, socket.data.user, input);
    if (!admitted.ok) return admitted;
    const { bookingId, clientMsgId, body } = admitted.value;
    return ctx.serial.run(bookingKey(bookingId), async () => {
      const { message, created } = await ctx.store.appendMessage({ bookingId, senderId: socket.data.user.userId, body, clientMsgId, sentAt: ctx.nowMs() });
      const wire = toWire(message);
      if (created) {
        socket.to(rooms.booking(bookingId)).emit('message:new', wire);
        host.metrics.countOut('message:new');
      }
      return ok({ message: wire });
    });
  });
}

/** Stands in for a content filter on another service. */
const spamFilter = {
  check: (_body: string) => latency(2, 20),
};

/**
 * message:send that looks for an earlier message with this clientMsgId in history, then runs
 * the spam filter, then appends: two copies sent at once both find nothing.
 */
function registerSendWithHistoryDedup(host: HandlerHost, socket: BazaarSocket): void {
  defineHandler(host, socket, 'message:send', 'required', async (input) => {
    const { ctx } = host;
    const user = socket.data.user;
    const admitted = await admitSend(ctx, user, input);
    if (!admitted.ok) return admitted;
    const { bookingId, clientMsgId, body } = admitted.value;
    const earlier = (await ctx.store.listMessages(bookingId, 0)).find((m) => m.senderId === user.userId && m.clientMsgId === clientMsgId);
    if (earlier) return ok({ message: toWire(earlier) });
    await spamFilter.check(body);
    return ctx.serial.run(bookingKey(bookingId), async () => {
      const { message } = await ctx.store.appendMessage({ bookingId, senderId: user.userId, body, clientMsgId, sentAt: ctx.nowMs() });
      const wire = toWire(message);
      ctx.fanout.emit(rooms.booking(bookingId), 'message:new', wire);
      return ok({ message: wire });
    });
  });
}

/** Chat-style history: the newest page only. */
const HISTORY_PAGE_SIZE = 50;

export const messagingDefects: Defect[] = [
  {
    name: 'async-persist-reorder',
    group: 'order',
    description: 'message:send awaits a slow durable write between taking the seq and emitting, outside the per-booking lock: concurrent sends go out of seq order',
    overrides: () => ({ registrations: { messages: registerSendWithDurableLog } }),
  },
  {
    name: 'broadcast-excludes-sender',
    group: 'delivery',
    description: 'message:new is broadcast with socket.to(room), which skips the sending socket: a sender\'s own connection never gets its message',
    overrides: () => ({ registrations: { messages: registerSendBroadcastFromSocket } }),
  },
  {
    name: 'history-newest-page-only',
    group: 'delivery',
    description: `GET /api/bookings/:id/messages returns only the newest ${HISTORY_PAGE_SIZE} messages (a chat-style LIMIT): older acked messages are missing from history`,
    overrides: () => ({
      wrapStore: (inner) => delegateStore(inner, {
        async listMessages(bookingId, afterSeq) {
          return (await inner.listMessages(bookingId, afterSeq)).slice(-HISTORY_PAGE_SIZE);
        },
      }),
    }),
  },
  {
    name: 'no-idempotency',
    group: 'idempotency',
    description: 'the message table has no unique index on (booking, sender, clientMsgId): every retry appends a new message',
    overrides: () => ({ wrapStore: (inner) => delegateStore(inner, messageTable(() => undefined)) }),
  },
  {
    name: 'dedup-ignores-sender',
    group: 'idempotency',
    description: 'the unique index on messages is (booking, clientMsgId) without the sender: the other party reusing an id gets the first party\'s message back',
    overrides: () => ({ wrapStore: (inner) => delegateStore(inner, messageTable((m) => `${m.bookingId}\u0000${m.clientMsgId}`)) }),
  },
  {
    name: 'dedup-check-then-act',
    group: 'idempotency',
    description: 'message:send looks up the clientMsgId in history, awaits a spam filter, then appends to a table with no unique index: concurrent retries all append',
    overrides: () => ({
      wrapStore: (inner) => delegateStore(inner, messageTable(() => undefined)),
      registrations: { messages: registerSendWithHistoryDedup },
    }),
  },
];
