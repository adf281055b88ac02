import type { Message, MessageNewPayload } from '../../contract/index.ts';
import { limitEvidence } from '../checkers/messaging-evidence.ts';
import type { ProbeClient } from '../probe-client.ts';
import { CheckFailed, type CheckContext, type CheckDefinition } from '../types.ts';
import { bookingWorld, describeAck, joinAll, messagesAt, send, type SendAck } from './messaging-support.ts';

const GUARANTEE = 'contract §5 message:send: a repeated clientMsgId from the same sender in the same booking returns the first message and emits nothing';
/** How long a member may take to receive the marker sent after the retries. */
const MARKER_WAIT_MS = 3_000;

const describeMessage = (m: MessageNewPayload) => `${m.id} seq ${m.seq}`;

/** The first send must succeed: everything after is judged against it. */
async function firstSend(probe: ProbeClient, bookingId: string, body: string, clientMsgId: string): Promise<MessageNewPayload> {
  const ack = await send(probe, bookingId, body, clientMsgId);
  if (!ack.ok) throw new CheckFailed(`${probe.name} (a party) sent ${clientMsgId} into booking ${bookingId} and got ${describeAck(ack)}; expected {ok:true, message}`);
  return ack.message;
}

/** Every retry must be answered with the first message itself. */
function judgeRetryAcks(retries: { probe: ProbeClient; ack: SendAck }[], first: MessageNewPayload): string[] {
  const lines: string[] = [];
  for (const { probe, ack } of retries) {
    if (!ack.ok) lines.push(`${probe.name} retried clientMsgId ${first.clientMsgId} in booking ${first.bookingId} and got ${describeAck(ack)}; expected the first message ${describeMessage(first)}`);
    else if (ack.message.id !== first.id || ack.message.seq !== first.seq) {
      lines.push(`${probe.name} retried clientMsgId ${first.clientMsgId} in booking ${first.bookingId} and got ${describeMessage(ack.message)}; the first send was acked as ${describeMessage(first)}`);
    }
  }
  return lines;
}

/**
 * After the retries, a marker is sent; once each member has the marker, every message:new of
 * the retried id has arrived too. More than one per socket means a retry was emitted. (A
 * socket with none is a delivery failure, judged by delivery.*.)
 */
async function judgeEmitted(members: readonly ProbeClient[], first: MessageNewPayload, marker: MessageNewPayload, sender: ProbeClient): Promise<string[]> {
  await Promise.all(members.map((probe) =>
    probe.waitFor<MessageNewPayload>('message:new', (m) => m?.id === marker.id, probe === sender ? 500 : MARKER_WAIT_MS)));
  const lines: string[] = [];
  for (const probe of members) {
    const copies = messagesAt(probe, first.bookingId).filter((m) => m.senderId === first.senderId && m.clientMsgId === first.clientMsgId);
    if (copies.length > 1) {
      lines.push(`${probe.name} got ${copies.length} message:new for clientMsgId ${first.clientMsgId} of ${first.senderId} in booking ${first.bookingId} (${copies.map(describeMessage).join(', ')}); expected one`);
    }
  }
  return lines;
}

/** History holds the retried id once per sender. */
async function judgeHistory(ctx: CheckContext, first: MessageNewPayload, as: string): Promise<string[]> {
  const res = await ctx.http<{ messages: Message[] }>('GET', `/api/bookings/${first.bookingId}/messages`, { as: [as, 'buyer'] });
  if (res.status !== 200 || !Array.isArray(res.body?.messages)) {
    return [`GET /api/bookings/${first.bookingId}/messages as ${as} answered ${res.status} ${JSON.stringify(res.body)}`];
  }
  const entries = res.body.messages.filter((m) => m.senderId === first.senderId && m.clientMsgId === first.clientMsgId);
  return entries.length > 1
    ? [`history of booking ${first.bookingId} holds ${entries.length} messages with clientMsgId ${first.clientMsgId} of ${first.senderId} (seq ${entries.map((m) => m.seq).join(', ')}); expected one`]
    : [];
}

const sequentialRetry: CheckDefinition = {
  id: 'idempotency.sequential-retry',
  requires: ['idempotency'],
  title: 'a clientMsgId retried one after another (same tab and another tab) yields one message',
  guarantee: GUARANTEE,
  timeoutMs: 20_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWorld(ctx);
    const sender = await ctx.connect(buyer, 'buyer');
    const otherTab = await ctx.connect(buyer, 'buyer');
    const sellerSocket = await ctx.connect(seller, 'seller');
    const members = [sender, otherTab, sellerSocket];
    await joinAll(members, 'booking:join', booking.id);

    const clientMsgId = ctx.id('retry');
    const body = 'is it still available?';
    const first = await firstSend(sender, booking.id, body, clientMsgId);
    const retries: { probe: ProbeClient; ack: SendAck }[] = [];
    // As a client retries after a lost ack: the same payload, again and again, and from another tab.
    for (const probe of [sender, sender, otherTab]) retries.push({ probe, ack: await send(probe, booking.id, body, clientMsgId) });
    const marker = await firstSend(sender, booking.id, 'marker after the retries', ctx.id('marker'));

    const lines = judgeRetryAcks(retries, first);
    if (marker.seq !== first.seq + 1) {
      lines.push(`${sender.name} sent a new message after 3 retries of ${clientMsgId} (first acked as seq ${first.seq}) and it got seq ${marker.seq}; the retries took seqs`);
    }
    lines.push(...(await judgeEmitted(members, first, marker, sender)), ...(await judgeHistory(ctx, first, buyer)));
    for (const line of limitEvidence(lines)) ctx.fail(line);
  },
};

const concurrentRetry: CheckDefinition = {
  id: 'idempotency.concurrent-retry',
  requires: ['idempotency'],
  title: 'a clientMsgId sent 8 times at once from two tabs of one user yields one message',
  guarantee: GUARANTEE,
  timeoutMs: 20_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWorld(ctx);
    const tabs = [await ctx.connect(buyer, 'buyer'), await ctx.connect(buyer, 'buyer')];
    const sellerSocket = await ctx.connect(seller, 'seller');
    const members = [...tabs, sellerSocket];
    await joinAll(members, 'booking:join', booking.id);

    const clientMsgId = ctx.id('retry');
    const body = 'sent on a flaky network';
    const fired = tabs.flatMap((probe) => Array.from({ length: 4 }, () => probe));
    const acks = await Promise.all(fired.map(async (probe) => ({ probe, ack: await send(probe, booking.id, body, clientMsgId) })));
    const accepted = acks.flatMap(({ ack }) => (ack.ok ? [ack.message] : []));
    const first = accepted.sort((a, b) => a.seq - b.seq)[0];
    if (!first) throw new CheckFailed(`${fired.length} concurrent sends of ${clientMsgId} into booking ${booking.id} by ${buyer} were all refused: ${describeAck(acks[0]?.ack)}`);

    const lines: string[] = [];
    const distinct = [...new Map(accepted.map((m) => [m.id, m])).values()];
    if (distinct.length > 1) {
      lines.push(`${fired.length} concurrent sends of clientMsgId ${clientMsgId} by ${buyer} (on ${tabs.map((t) => t.name).join(' and ')}) were acked as ${distinct.length} different messages: ${distinct.map(describeMessage).join(', ')}; expected one`);
    }
    lines.push(...judgeRetryAcks(acks.filter(({ ack }) => !ack.ok), first));
    // The marker comes from the other party, so it reaches both tabs of the sender as well.
    const marker = await firstSend(sellerSocket, booking.id, 'marker after the retries', ctx.id('marker'));
    lines.push(...(await judgeEmitted(members, first, marker, sellerSocket)), ...(await judgeHistory(ctx, first, buyer)));
    for (const line of limitEvidence(lines)) ctx.fail(line);
  },
};

const otherSenderMayReuse: CheckDefinition = {
  id: 'idempotency.scoped-to-sender-and-booking',
  requires: ['idempotency'],
  title: 'a clientMsgId is scoped to its sender and booking: the other party, or the same sender in another booking, gets a new message',
  guarantee: GUARANTEE,
  timeoutMs: 20_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWorld(ctx);
    const otherListing = await ctx.listing(seller);
    const otherBooking = await ctx.booking(buyer, otherListing.id);
    const buyerSocket = await ctx.connect(buyer, 'buyer');
    const sellerSocket = await ctx.connect(seller, 'seller');
    await joinAll([buyerSocket, sellerSocket], 'booking:join', booking.id);

    const clientMsgId = ctx.id('shared');
    const first = await firstSend(buyerSocket, booking.id, 'from the buyer', clientMsgId);
    const lines: string[] = [];
    const reuses = [
      { probe: sellerSocket, who: `${seller} (the other party)`, bookingId: booking.id, body: 'from the seller', senderId: seller },
      { probe: buyerSocket, who: `${buyer} in another booking`, bookingId: otherBooking.id, body: 'from the buyer, elsewhere', senderId: buyer },
    ];
    for (const reuse of reuses) {
      const ack = await send(reuse.probe, reuse.bookingId, reuse.body, clientMsgId);
      const what = `${reuse.probe.name}, ${reuse.who}, sent clientMsgId ${clientMsgId} (already used by ${buyer} in booking ${booking.id} for ${describeMessage(first)}) into booking ${reuse.bookingId}`;
      if (!ack.ok) lines.push(`${what} and got ${describeAck(ack)}; expected a new message`);
      else if (ack.message.id === first.id || ack.message.senderId !== reuse.senderId || ack.message.bookingId !== reuse.bookingId || ack.message.body !== reuse.body) {
        lines.push(`${what} and got back ${describeMessage(ack.message)} by ${ack.message.senderId} in booking ${ack.message.bookingId}, body ${JSON.stringify(ack.message.body)}; expected a new message of its own`);
      }
    }
    for (const line of limitEvidence(lines)) ctx.fail(line);
  },
};

export const idempotencyChecks: CheckDefinition[] = [sequentialRetry, concurrentRetry, otherSenderMayReuse];
