import type { Message } from '../../contract/index.ts';
import { limitEvidence } from '../checkers/messaging-evidence.ts';
import { createOrderChecker, judgeHistoryOrder, judgeSeqAssignment } from '../checkers/order-checker.ts';
import type { ProbeClient } from '../probe-client.ts';
import type { CheckDefinition } from '../types.ts';
import { bookingWorld, describeAck, joinAll, messagesAt, send, waitUntil } from './messaging-support.ts';

const SENDERS_PER_PARTY = 2;
/** 4 senders x 25, fired at once: enough that an unserialized persist reorders reliably. */
const MESSAGES_PER_SENDER = 25;

/**
 * Contract §6.1: several senders (two tabs of the buyer, two of the seller) fire into one
 * booking at once. Every socket that joined before the sends (the senders themselves, another
 * tab of each party, an admin) must see `seq` strictly increasing and never twice; the acks
 * must hand out exactly 1..N; history must list them in seq order. Missing messages at a
 * socket are delivery.* business, so a delivery bug does not fail this check.
 */
const concurrentSenders: CheckDefinition = {
  id: 'order.concurrent-senders',
  requires: ['ordering'],
  title: 'concurrent senders on several connections: every receiver sees seq strictly increasing, never twice',
  guarantee: 'contract §6.1 Order',
  timeoutMs: 30_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWorld(ctx);
    const admin = ctx.id('admin');
    const senders: ProbeClient[] = [];
    for (let i = 0; i < SENDERS_PER_PARTY; i++) senders.push(await ctx.connect(buyer, 'buyer'), await ctx.connect(seller, 'seller'));
    // Sockets that only listen: another tab of each party and an admin in the room.
    const listeners = [await ctx.connect(buyer, 'buyer'), await ctx.connect(seller, 'seller'), await ctx.connect(admin, 'admin')];
    const everyone = [...senders, ...listeners];
    await joinAll(everyone, 'booking:join', booking.id);

    const sends = senders.flatMap((probe, s) =>
      Array.from({ length: MESSAGES_PER_SENDER }, (_, i) => ({ probe, clientMsgId: `o${s}-${i}`, body: `order ${s}.${i} from ${probe.name}` })),
    );
    const acks = await Promise.all(sends.map(({ probe, body, clientMsgId }) => send(probe, booking.id, body, clientMsgId)));
    const refused: string[] = [];
    const ackedSeqs: number[] = [];
    acks.forEach((ack, i) => {
      if (ack.ok) ackedSeqs.push(ack.message.seq);
      else refused.push(`${sends[i]!.probe.name} sent ${sends[i]!.clientMsgId} into booking ${booking.id} and got ${describeAck(ack)}`);
    });
    const total = ackedSeqs.length;

    // Wait until the listeners (which send nothing) have everything, then give the senders'
    // own sockets a moment more. Whatever arrived by then is judged; what never arrived is not.
    const hasAll = (probe: ProbeClient) => messagesAt(probe, booking.id).length >= total;
    await waitUntil(() => listeners.every(hasAll), 5_000, ctx.signal);
    await waitUntil(() => everyone.every(hasAll), 500, ctx.signal);

    const order = createOrderChecker({ maxLinesPerSocket: 2 });
    for (const probe of everyone) {
      for (const m of messagesAt(probe, booking.id)) order.observe({ socket: probe.name, booking: booking.id, seq: m.seq });
    }
    const history = await ctx.http<{ messages: Message[] }>('GET', `/api/bookings/${booking.id}/messages`, { as: [buyer, 'buyer'] });
    const historyLines = history.status === 200 && Array.isArray(history.body?.messages)
      ? judgeHistoryOrder(booking.id, history.body.messages.map((m) => m.seq), buyer).evidence
      : [`GET /api/bookings/${booking.id}/messages as ${buyer} answered ${history.status} ${JSON.stringify(history.body)}`];
    const lines = [
      ...order.verdict().evidence,
      ...judgeSeqAssignment(booking.id, ackedSeqs, `acks of ${total} concurrent sends`).evidence,
      ...historyLines,
      ...refused,
    ];
    for (const line of limitEvidence(lines, 16)) ctx.fail(line);
  },
};

export const orderChecks: CheckDefinition[] = [concurrentSenders];
