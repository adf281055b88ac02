import type { MessageNewPayload } from '../../contract/index.ts';
import { describeValue } from '../probes/hostile-payloads.ts';
import type { ProbeClient } from '../probe-client.ts';
import { CheckFailed, type CheckContext, type CheckDefinition } from '../types.ts';
import { bookingWorld, describeAck, joinAll } from './messaging-support.ts';

/*
 * Authorization of a booking's conversation, in the fewest words any dialect has: a booking (the
 * app's conversation, order...), joining it, sending in it, and receiving its messages. They need
 * no capability beyond what every profile maps, so they hold an app of any dialect to the two
 * rules that matter most (contract §4, §6.7): only its parties hear a booking, and a message is
 * from whoever is logged in, whatever the payload claims. Judged by receipt, as authz.* is.
 */

const WAIT_MS = 3_000;

async function connected(ctx: CheckContext, userId: string, role: 'buyer' | 'seller'): Promise<ProbeClient> {
  const probe = await ctx.connect(userId, role);
  if (!(await probe.waitFor('session', () => true, WAIT_MS))) throw new Error(`setup: ${probe.name} got no session event`);
  return probe;
}

const isOk = (ack: unknown) => (ack as { ok?: unknown } | undefined)?.ok === true;

async function strangerJoin(ctx: CheckContext): Promise<void> {
  const { seller, buyer, booking } = await bookingWorld(ctx);
  const stranger = ctx.id('stranger');
  const [buyerP, sellerP, strangerP] = await Promise.all([connected(ctx, buyer, 'buyer'), connected(ctx, seller, 'seller'), connected(ctx, stranger, 'buyer')]);
  await joinAll([buyerP, sellerP], 'booking:join', booking.id);
  const strangerAck = await strangerP.ack('booking:join', booking.id);

  const clientMsgId = ctx.id('msg');
  const sentAtMs = Date.now();
  const sent = await sellerP.ack<{ ok: boolean; message?: MessageNewPayload }>('message:send', { bookingId: booking.id, body: 'for the buyer only', clientMsgId });
  if (!isOk(sent)) throw new Error(`setup: ${sellerP.name} could not send in its booking ${booking.id}: ${describeAck(sent)}`);
  const control = await buyerP.waitFor<MessageNewPayload>('message:new', (m) => m?.clientMsgId === clientMsgId && m?.bookingId === booking.id, WAIT_MS);
  if (!control) throw new CheckFailed(`control ${buyerP.name} (the buyer) did not receive the seller's message ${clientMsgId} in booking ${booking.id} within ${WAIT_MS} ms, so absence elsewhere proves nothing`);
  ctx.observeLatency(Date.now() - sentAtMs);
  await ctx.sleep(ctx.absenceWindowMs());

  if (isOk(strangerAck)) ctx.fail(`${strangerP.name} (not a party) joined booking ${booking.id} of ${buyer} and ${seller}: booking:join answered ${JSON.stringify(strangerAck)} (a refused join answers forbidden)`);
  for (const m of strangerP.all<MessageNewPayload>('message:new', (p) => p?.bookingId === booking.id)) {
    ctx.fail(`${strangerP.name} (not a party) received message:new ${describeValue(m)} of booking ${booking.id}, sent by ${m.senderId ?? seller}`);
  }
}

async function claimedSender(ctx: CheckContext): Promise<void> {
  const { seller, buyer, booking } = await bookingWorld(ctx);
  const [buyerP, sellerP] = await Promise.all([connected(ctx, buyer, 'buyer'), connected(ctx, seller, 'seller')]);
  await joinAll([buyerP, sellerP], 'booking:join', booking.id);

  // The buyer's socket claims to be the seller; a server may refuse it, or send it as the buyer.
  const clientMsgId = ctx.id('msg');
  const ack = await buyerP.ack<{ ok: boolean; message?: MessageNewPayload }>('message:send', { bookingId: booking.id, body: 'claims to be the seller', clientMsgId, senderId: seller });
  if (!isOk(ack)) return;
  if (ack.message?.senderId !== undefined && ack.message.senderId !== buyer) {
    ctx.fail(`${buyerP.name} sent message:send claiming senderId ${seller}; the answer names sender ${ack.message.senderId}, not the logged-in ${buyer}`);
  }
  const receipt = await sellerP.waitFor<MessageNewPayload>('message:new', (m) => m?.clientMsgId === clientMsgId, WAIT_MS);
  if (!receipt) throw new Error(`${sellerP.name} did not receive the accepted message ${clientMsgId} within ${WAIT_MS} ms: no receipt to judge (delivery.* judges losses)`);
  if (receipt.senderId !== buyer) {
    ctx.fail(`${buyerP.name} (logged in as ${buyer}) sent a message claiming senderId ${seller}; ${sellerP.name} received message:new ${describeValue(receipt)} with senderId ${receipt.senderId}: the server trusted the claimed sender`);
  }
}

export const authzPartyChecks: CheckDefinition[] = [
  {
    id: 'authz.stranger-join',
    title: 'a user who is not a party may not join a booking, nor receive its messages, by receipt',
    guarantee: 'contract §4 Rooms and who may join; §6.7 Authorization',
    run: strangerJoin,
  },
  {
    id: 'authz.claimed-sender',
    title: 'a message is from the logged-in user, whatever sender id its payload claims',
    guarantee: 'contract §6.7 Authorization: identity comes from the credentials, never from a payload',
    run: claimedSender,
  },
];
