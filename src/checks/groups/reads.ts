/*
 * reads.*: contract §5 (read:mark) and §6.6. An acked read:mark by the recipient is in history
 * with the acked readAt and reaches every connection of the sender through user:{senderId},
 * whether or not it joined the booking; repeating it changes nothing; a sender who was offline
 * finds readAt in history; the sender itself may not mark its own message.
 */
import type { Booking, MessageNewPayload, Role } from '../../contract/index.ts';
import type { ProbeClient } from '../probe-client.ts';
import { CheckFailed, type CheckContext, type CheckDefinition } from '../types.ts';

/** How long a read:updated may take to arrive. */
const RECEIPT_WAIT_MS = 3_000;

async function bookingWithParties(ctx: CheckContext): Promise<{ seller: string; buyer: string; booking: Booking }> {
  const seller = ctx.id('seller');
  const buyer = ctx.id('buyer');
  const listing = await ctx.listing(seller);
  const booking = await ctx.booking(buyer, listing.id);
  return { seller, buyer, booking };
}

/** Connected, with the `session` event in: the server has put it in its user room. */
async function connected(ctx: CheckContext, userId: string, role: Role): Promise<ProbeClient> {
  const client = await ctx.connect(userId, role);
  await client.waitFor('session');
  return client;
}

async function send(client: ProbeClient, bookingId: string, clientMsgId: string): Promise<MessageNewPayload> {
  const ack = await client.ack('message:send', { bookingId, body: `read me (${clientMsgId})`, clientMsgId });
  if (!ack?.ok || typeof ack.message?.id !== 'string') {
    throw new CheckFailed(`setup: ${client.name} sent message:send in booking ${bookingId} as a party and got ${JSON.stringify(ack)}`);
  }
  return ack.message;
}

/** The recipient marks; a refusal ends the check with what was sent and answered. */
async function mark(reader: ProbeClient, bookingId: string, messageId: string): Promise<number> {
  const ack = await reader.ack('read:mark', { bookingId, messageId });
  if (!ack?.ok || typeof ack.readAt !== 'number') {
    throw new CheckFailed(`${reader.name} (the recipient) sent read:mark {bookingId: ${bookingId}, messageId: ${messageId}} and got ${JSON.stringify(ack)}; expected {ok:true, readAt}`);
  }
  return ack.readAt;
}

/** readAt of one message in GET /api/bookings/:id/messages, read as `as`. */
async function readAtInHistory(ctx: CheckContext, bookingId: string, messageId: string, as: [string, Role]): Promise<{ readAt: unknown; detail: string }> {
  const res = await ctx.http('GET', `/api/bookings/${bookingId}/messages`, { as });
  if (res.status !== 200 || !Array.isArray(res.body?.messages)) {
    throw new CheckFailed(`GET /api/bookings/${bookingId}/messages as ${as[0]} (a party) answered ${res.status} ${JSON.stringify(res.body)}`);
  }
  const message = res.body.messages.find((m: any) => m?.id === messageId);
  if (!message) throw new CheckFailed(`GET /api/bookings/${bookingId}/messages as ${as[0]} has no message ${messageId} (it was acked)`);
  return { readAt: message.readAt, detail: `GET /api/bookings/${bookingId}/messages as ${as[0]} shows readAt ${JSON.stringify(message.readAt)}` };
}

const receiptsOf = (client: ProbeClient, messageId: string) => client.all('read:updated', (p: any) => p?.messageId === messageId);

const reachesSender: CheckDefinition = {
  id: 'reads.receipt-reaches-sender',
  requires: ['reads'],
  title: 'an acked read:mark is in history and reaches every connection of the sender',
  guarantee: 'contract §6.6 Read receipts: in history and to user:{senderId}',
  timeoutMs: 20_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWithParties(ctx);
    const sellerInRoom = await connected(ctx, seller, 'seller');
    const joinAck = await sellerInRoom.ack('booking:join', booking.id);
    if (!joinAck?.ok) throw new CheckFailed(`${sellerInRoom.name} (a party) sent booking:join ${booking.id} and got ${JSON.stringify(joinAck)}`);
    // A second tab of the sender that never joins the booking: only its user room reaches it.
    const sellerElsewhere = await connected(ctx, seller, 'seller');
    const reader = await connected(ctx, buyer, 'buyer');
    const message = await send(sellerInRoom, booking.id, ctx.id('msg'));
    const readAt = await mark(reader, booking.id, message.id);
    const expected = { bookingId: booking.id, messageId: message.id, readerId: buyer, readAt };

    for (const tab of [sellerInRoom, sellerElsewhere]) {
      const where = tab === sellerInRoom ? 'joined to the booking' : 'never joined the booking';
      const got = await tab.waitFor('read:updated', (p: any) => p?.messageId === message.id, RECEIPT_WAIT_MS);
      if (!got) {
        ctx.fail(`${reader.name} marked message ${message.id} read (ack readAt ${readAt}); ${tab.name}, the sender's connection that ${where}, got no read:updated within ${RECEIPT_WAIT_MS} ms`);
      } else if (got.bookingId !== expected.bookingId || got.readerId !== expected.readerId || got.readAt !== expected.readAt) {
        ctx.fail(`${tab.name} got read:updated ${JSON.stringify(got)}; expected ${JSON.stringify(expected)} (the ack's readAt)`);
      }
    }
    for (const as of [[seller, 'seller'], [buyer, 'buyer']] as [string, Role][]) {
      const { readAt: stored, detail } = await readAtInHistory(ctx, booking.id, message.id, as);
      if (stored !== readAt) ctx.fail(`${reader.name}'s read:mark of ${message.id} was acked with readAt ${readAt}, but ${detail}`);
    }
  },
};

const repeatIsNoop: CheckDefinition = {
  id: 'reads.repeat-is-noop',
  requires: ['reads'],
  title: 'repeating read:mark returns the same readAt and emits no second read:updated',
  guarantee: 'contract §5 read:mark: repeating it is a no-op returning the same readAt',
  timeoutMs: 20_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWithParties(ctx);
    const sellerSocket = await connected(ctx, seller, 'seller');
    const reader = await connected(ctx, buyer, 'buyer');
    const message = await send(sellerSocket, booking.id, ctx.id('msg'));
    const control = await send(sellerSocket, booking.id, ctx.id('msg'));
    const readAt = await mark(reader, booking.id, message.id);
    await sellerSocket.waitFor('read:updated', (p: any) => p?.messageId === message.id, RECEIPT_WAIT_MS);
    for (let i = 0; i < 2; i++) {
      const again = await reader.ack('read:mark', { bookingId: booking.id, messageId: message.id });
      if (!again?.ok || again.readAt !== readAt) {
        ctx.fail(`${reader.name} repeated read:mark of ${message.id} (first acked readAt ${readAt}) and got ${JSON.stringify(again)}; expected {ok:true, readAt:${readAt}}`);
      }
    }
    // Control: a fresh mark after the repeats; once its receipt is in, any receipt of the repeats would be too.
    await mark(reader, booking.id, control.id);
    const controlReceipt = await sellerSocket.waitFor('read:updated', (p: any) => p?.messageId === control.id, RECEIPT_WAIT_MS);
    await ctx.sleep(ctx.absenceWindowMs());
    const receipts = receiptsOf(sellerSocket, message.id);
    if (receipts.length !== 1) {
      ctx.fail(
        `${sellerSocket.name} (the sender) got ${receipts.length} read:updated for ${message.id} after ${reader.name} marked it 3 times: ${JSON.stringify(receipts)}; expected exactly one` +
          (controlReceipt ? '' : ` (nor did it get one for the control message ${control.id})`),
      );
    }
    const { readAt: stored, detail } = await readAtInHistory(ctx, booking.id, message.id, [seller, 'seller']);
    if (stored !== readAt) ctx.fail(`the first read:mark of ${message.id} was acked with readAt ${readAt}, but after the repeats ${detail}`);
  },
};

const offlineSender: CheckDefinition = {
  id: 'reads.offline-sender-sees-history',
  requires: ['reads', 'history'],
  title: 'a sender who was offline when its message was read finds readAt in history when back',
  guarantee: 'contract §6.6 Read receipts: an acked read:mark is in history',
  timeoutMs: 20_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWithParties(ctx);
    const before = await connected(ctx, seller, 'seller');
    const message = await send(before, booking.id, ctx.id('msg'));
    before.close();
    const reader = await connected(ctx, buyer, 'buyer');
    const readAt = await mark(reader, booking.id, message.id);
    const back = await connected(ctx, seller, 'seller');
    const { readAt: stored, detail } = await readAtInHistory(ctx, booking.id, message.id, [seller, 'seller']);
    if (stored !== readAt) {
      ctx.fail(`${before.name} sent ${message.id} and disconnected; ${reader.name} marked it read (ack readAt ${readAt}); ${seller} came back as ${back.name} and ${detail}`);
    }
  },
};

const onlyRecipient: CheckDefinition = {
  id: 'reads.only-recipient-marks',
  requires: ['reads'],
  title: 'the sender marking its own message is forbidden and changes nothing',
  guarantee: 'contract §5 read:mark: only the party who did not send it',
  timeoutMs: 20_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWithParties(ctx);
    const sellerSocket = await connected(ctx, seller, 'seller');
    const reader = await connected(ctx, buyer, 'buyer');
    const message = await send(sellerSocket, booking.id, ctx.id('msg'));

    const own = await sellerSocket.ack('read:mark', { bookingId: booking.id, messageId: message.id });
    if (own?.ok !== false || own.error?.code !== 'forbidden') {
      ctx.fail(`${sellerSocket.name} (the sender) sent read:mark of its own message ${message.id} and got ${JSON.stringify(own)}; expected {ok:false, error:{code:'forbidden'}}`);
    }
    const { readAt: stored, detail } = await readAtInHistory(ctx, booking.id, message.id, [buyer, 'buyer']);
    if (stored !== null) ctx.fail(`after the sender's own read:mark of ${message.id} (before the recipient read it), ${detail}; expected null`);

    // Control: the recipient's mark; once its receipt is in, one caused by the sender would be too.
    const readAt = await mark(reader, booking.id, message.id);
    await sellerSocket.waitFor('read:updated', (p: any) => p?.messageId === message.id && p?.readerId === buyer, RECEIPT_WAIT_MS);
    await ctx.sleep(ctx.absenceWindowMs());
    const bySender = receiptsOf(sellerSocket, message.id).filter((p: any) => p?.readerId !== buyer);
    if (bySender.length) ctx.fail(`${sellerSocket.name} got read:updated for its own mark: ${JSON.stringify(bySender)}`);
    const after = await readAtInHistory(ctx, booking.id, message.id, [buyer, 'buyer']);
    if (after.readAt !== readAt) {
      ctx.fail(`${reader.name} (the recipient) then marked ${message.id} and was acked readAt ${readAt}, but ${after.detail}`);
    }
  },
};

export const readsChecks: CheckDefinition[] = [reachesSender, repeatIsNoop, offlineSender, onlyRecipient];
