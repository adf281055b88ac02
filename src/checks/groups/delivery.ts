import type { Message, Role } from '../../contract/index.ts';
import { createDeliveryLedger, type DeliveryLedger } from '../checkers/delivery-ledger.ts';
import { limitEvidence } from '../checkers/messaging-evidence.ts';
import type { ProbeClient } from '../probe-client.ts';
import type { CheckContext, CheckDefinition } from '../types.ts';
import { bookingWorld, describeAck, joinAll, messagesAt, send, waitUntil } from './messaging-support.ts';

interface Sender {
  probe: ProbeClient;
  count: number;
}

/** Fire every sender's messages at once; feed acks to the ledger; return the refusals as evidence. */
async function sendAll(ledger: DeliveryLedger, bookingId: string, senders: readonly Sender[], tag: string): Promise<string[]> {
  const sends = senders.flatMap(({ probe, count }, s) =>
    Array.from({ length: count }, (_, i) => ({ probe, clientMsgId: `${tag}${s}-${i}`, body: `${tag} ${s}.${i} from ${probe.name}` })),
  );
  const acks = await Promise.all(sends.map(({ probe, body, clientMsgId }) => send(probe, bookingId, body, clientMsgId)));
  const refused: string[] = [];
  acks.forEach((ack, i) => {
    const { probe, clientMsgId } = sends[i]!;
    if (ack.ok) ledger.acked(probe.name, ack.message);
    else refused.push(`${probe.name} sent ${clientMsgId} into booking ${bookingId} and got ${describeAck(ack)}`);
  });
  return refused;
}

async function readHistory(ctx: CheckContext, ledger: DeliveryLedger, bookingId: string, as: [string, Role]): Promise<string[]> {
  const res = await ctx.http<{ messages: Message[] }>('GET', `/api/bookings/${bookingId}/messages`, { as });
  if (res.status !== 200 || !Array.isArray(res.body?.messages)) {
    return [`GET /api/bookings/${bookingId}/messages as ${as[0]} answered ${res.status} ${JSON.stringify(res.body)}`];
  }
  ledger.history(as[0], bookingId, res.body.messages);
  return [];
}

/**
 * Contract §6.2, live half: two tabs of each party and an admin sit in the booking room; three
 * of them send at once. Every acked message must reach every one of those sockets, the
 * sender's own socket and its other tabs included, with the body and seq of its ack.
 */
const everyMemberSocket: CheckDefinition = {
  id: 'delivery.every-member-socket',
  requires: ['ownEcho'],
  title: 'every acked message reaches every socket in the room, the sender\'s own and its other tabs included',
  guarantee: 'contract §6.2 Delivery',
  timeoutMs: 30_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWorld(ctx);
    const admin = ctx.id('admin');
    const buyerTabs = [await ctx.connect(buyer, 'buyer'), await ctx.connect(buyer, 'buyer')];
    const sellerTabs = [await ctx.connect(seller, 'seller'), await ctx.connect(seller, 'seller')];
    // An admin watches too where the app has admins who may (contract §4).
    const watchers = ctx.claims('admin') ? [await ctx.connect(admin, 'admin')] : [];
    const members = [...buyerTabs, ...sellerTabs, ...watchers];
    await joinAll(members, 'booking:join', booking.id);

    const ledger = createDeliveryLedger();
    for (const probe of members) ledger.member(probe.name);
    const refused = await sendAll(ledger, booking.id, [
      { probe: buyerTabs[0]!, count: 8 },
      { probe: buyerTabs[1]!, count: 8 },
      { probe: sellerTabs[0]!, count: 8 },
    ], 'd');

    const feed = () => {
      for (const probe of members) for (const m of messagesAt(probe, booking.id)) ledger.received(probe.name, m);
    };
    // Wait for the sockets that send nothing first, then give the senders' own a moment more:
    // the server emits each message to the whole room at once.
    const complete = (probes: ProbeClient[]) => () => {
      feed();
      return probes.every((probe) => ledger.complete(probe.name));
    };
    await waitUntil(complete([sellerTabs[1]!, ...watchers]), 5_000, ctx.signal);
    await waitUntil(complete(members), 1_000, ctx.signal);
    feed();
    for (const line of limitEvidence([...ledger.verdict().evidence, ...refused])) ctx.fail(line);
  },
};

/** More than a typical page (50), so a history that silently stops at a page size is caught. */
const HISTORY_MESSAGES_PER_SENDER = 35;

/**
 * Contract §6.2, history half (and §3 GET messages): both parties send at once, 70 messages in
 * all; history read as either party must hold every acked message, the same id, seq, body,
 * sender and clientMsgId as its ack.
 */
const inHistory: CheckDefinition = {
  id: 'delivery.in-history',
  requires: ['history'],
  title: 'every acked message is in history (GET /api/bookings/:id/messages) as it was acked, for either party',
  guarantee: 'contract §6.2 Delivery',
  timeoutMs: 30_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWorld(ctx);
    const buyerSocket = await ctx.connect(buyer, 'buyer');
    const sellerSocket = await ctx.connect(seller, 'seller');
    await joinAll([buyerSocket, sellerSocket], 'booking:join', booking.id);

    const ledger = createDeliveryLedger();
    const refused = await sendAll(ledger, booking.id, [
      { probe: buyerSocket, count: HISTORY_MESSAGES_PER_SENDER },
      { probe: sellerSocket, count: HISTORY_MESSAGES_PER_SENDER },
    ], 'h');
    // An ack means persisted (contract §5): history is read right away, with no waiting.
    const unreadable = [
      ...(await readHistory(ctx, ledger, booking.id, [buyer, 'buyer'])),
      ...(await readHistory(ctx, ledger, booking.id, [seller, 'seller'])),
    ];
    for (const line of limitEvidence([...ledger.verdict().evidence, ...unreadable, ...refused])) ctx.fail(line);
  },
};

export const deliveryChecks: CheckDefinition[] = [everyMemberSocket, inHistory];
