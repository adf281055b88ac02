import {
  isBody,
  isId,
  rooms,
  type MessageNewPayload,
  type ReadUpdatedPayload,
  type TypingPayload,
} from '../../src/contract/index.ts';
import { authorizeBookingWrite } from '../authz.ts';
import type { Principal, ServerContext } from '../context.ts';
import { fail, isPlainObject, ok, type Result } from '../result.ts';

/** Messages are serialized per booking so that `message:new` goes out in seq order. */
export const bookingKey = (bookingId: string) => `booking:${bookingId}`;

export async function sendMessage(
  ctx: ServerContext,
  user: Principal,
  input: unknown,
): Promise<Result<{ message: MessageNewPayload }>> {
  if (!isPlainObject(input) || !isId(input.bookingId) || !isId(input.clientMsgId)) {
    return fail('bad_request', 'payload must be {bookingId, body, clientMsgId} with valid ids');
  }
  if (!isBody(input.body)) return fail('bad_request', 'body must be a string of 1..4000 characters after trimming');
  const { bookingId, clientMsgId } = input;
  const body = input.body.trim();
  const access = await authorizeBookingWrite(ctx, user, bookingId);
  if (!access.ok) return access;
  return ctx.serial.run(bookingKey(bookingId), async () => {
    const { message, created } = await ctx.store.appendMessage({
      bookingId,
      senderId: user.userId,
      body,
      clientMsgId,
      sentAt: ctx.nowMs(),
    });
    const { readAt: _readAt, ...wire } = message;
    // A retried clientMsgId answers with the first message and emits nothing.
    if (created) ctx.fanout.emit(rooms.booking(bookingId), 'message:new', wire);
    return ok({ message: wire });
  });
}

export async function markRead(ctx: ServerContext, user: Principal, input: unknown): Promise<Result<{ readAt: number }>> {
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
    ctx.fanout.emit(rooms.user(message.senderId), 'read:updated', payload);
  }
  return ok({ readAt });
}

/** typing:start / typing:stop: relayed to the booking room except the sender's socket. */
export async function relayTyping(
  ctx: ServerContext,
  user: Principal,
  input: unknown,
  kind: 'typing:start' | 'typing:stop',
  senderSocketId: string,
): Promise<Result<{ relayed: boolean }>> {
  if (!isPlainObject(input) || !isId(input.bookingId)) return fail('bad_request', 'payload must be {bookingId}');
  const { bookingId } = input;
  const access = await authorizeBookingWrite(ctx, user, bookingId);
  if (!access.ok) return access;
  if (kind === 'typing:start' && !(await ctx.typing.allowStart(user.userId, bookingId, ctx.nowMs()))) {
    return ok({ relayed: false });
  }
  const payload: TypingPayload = { bookingId, userId: user.userId };
  ctx.fanout.emit(rooms.booking(bookingId), kind, payload, senderSocketId);
  return ok({ relayed: true });
}
