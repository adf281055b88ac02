/*
 * typing.*: contract §5 and §6.5. `typing:start` / `typing:stop` from a party are relayed to the
 * booking room except the sending socket, and at most one `typing:start` per sender per booking
 * per 3 s reaches anyone. Writes from non-parties are authz.* territory, not checked here.
 */
import { LIMITS, type Booking, type Role } from '../../contract/index.ts';
import { createTypingLimitChecker } from '../checkers/typing-limit.ts';
import type { ProbeClient } from '../probe-client.ts';
import { CheckFailed, type CheckContext, type CheckDefinition } from '../types.ts';

const TYPING_INTERVAL_MS = LIMITS.typingStartMinIntervalMs;
/** A burst well inside one interval: a server that holds the limit relays exactly one of it. */
const BURST_STARTS = 20;
const BURST_SPACING_MS = 75;
/** How long a relay may take to arrive. */
const RELAY_WAIT_MS = 3_000;

/** A fresh booking between a fresh seller and buyer. */
async function bookingWithParties(ctx: CheckContext): Promise<{ seller: string; buyer: string; booking: Booking }> {
  const seller = ctx.id('seller');
  const buyer = ctx.id('buyer');
  const listing = await ctx.listing(seller);
  const booking = await ctx.booking(buyer, listing.id);
  return { seller, buyer, booking };
}

/** A connection of `userId` in the booking room, its join acked. */
async function joined(ctx: CheckContext, userId: string, role: Role, bookingId: string): Promise<ProbeClient> {
  const client = await ctx.connect(userId, role);
  const ack = await client.ack('booking:join', bookingId);
  if (!ack?.ok) throw new CheckFailed(`${client.name} (a party) sent booking:join ${bookingId} and got ${JSON.stringify(ack)}; expected {ok:true}`);
  return client;
}

const from = (userId: string, bookingId: string) => (p: any) => p?.userId === userId && p?.bookingId === bookingId;

const startLimited: CheckDefinition = {
  id: 'typing.start-limited',
  requires: ['typing', 'typingLimits'],
  title: 'a burst of typing:start reaches the other party at most once per 3 s',
  guarantee: 'contract §6.5 Typing: at most one typing:start per sender per booking per 3 s',
  timeoutMs: 15_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWithParties(ctx);
    const sender = await joined(ctx, buyer, 'buyer', booking.id);
    // Two tabs of the other party, both in the room.
    const receivers = [await joined(ctx, seller, 'seller', booking.id), await joined(ctx, seller, 'seller', booking.id)];

    const firstSentMs = Date.now();
    for (let i = 0; i < BURST_STARTS; i++) {
      sender.emit('typing:start', { bookingId: booking.id });
      if (i < BURST_STARTS - 1) await ctx.sleep(BURST_SPACING_MS);
    }
    const burstMs = Date.now() - firstSentMs;
    // typing:stop after the burst: once it is in, the starts before it have been handled.
    sender.emit('typing:stop', { bookingId: booking.id });
    await Promise.all(receivers.map((r) => r.waitFor('typing:stop', from(buyer, booking.id), RELAY_WAIT_MS)));
    await ctx.sleep(ctx.absenceWindowMs());

    const limit = createTypingLimitChecker({ intervalMs: TYPING_INTERVAL_MS, originMs: firstSentMs });
    for (const receiver of receivers) {
      const starts = receiver.received.filter((r) => r.event === 'typing:start' && from(buyer, booking.id)(r.payload));
      if (starts.length === 0) {
        ctx.fail(`${receiver.name} received none of the ${BURST_STARTS} typing:start ${sender.name} sent in booking ${booking.id} over ${burstMs} ms; the first must be relayed`);
      }
      for (const start of starts) limit.observe({ socket: receiver.name, bookingId: booking.id, senderId: buyer, atMs: start.atMs });
    }
    const { evidence } = limit.verdict();
    for (const line of evidence) ctx.fail(line);
    if (evidence.length) ctx.fail(`${sender.name} sent ${BURST_STARTS} typing:start {bookingId: ${booking.id}} over ${burstMs} ms, one every ${BURST_SPACING_MS} ms`);
  },
};

const relay: CheckDefinition = {
  id: 'typing.relay',
  requires: ['typing'],
  title: 'typing:start and typing:stop reach the other party, never the sending socket',
  guarantee: 'contract §5 typing:start / typing:stop: relayed to the room except the sending socket',
  timeoutMs: 20_000,
  async run(ctx) {
    const { seller, buyer, booking } = await bookingWithParties(ctx);
    const buyerSocket = await joined(ctx, buyer, 'buyer', booking.id);
    const sellerSocket = await joined(ctx, seller, 'seller', booking.id);

    // Both parties type within the same 3 s: the limit is per sender, so both are relayed.
    const rounds: [ProbeClient, string, ProbeClient][] = [
      [buyerSocket, buyer, sellerSocket],
      [sellerSocket, seller, buyerSocket],
    ];
    for (const [sender, senderId, receiver] of rounds) {
      for (const kind of ['typing:start', 'typing:stop'] as const) {
        sender.emit(kind, { bookingId: booking.id });
        const got = await receiver.waitFor(kind, from(senderId, booking.id), RELAY_WAIT_MS);
        if (!got) {
          const other = receiver.all(kind);
          ctx.fail(
            `${sender.name} sent ${kind} {bookingId: ${booking.id}}; ${receiver.name} (the other party, in the room) did not receive {bookingId: ${booking.id}, userId: ${senderId}} within ${RELAY_WAIT_MS} ms` +
              (other.length ? ` (it got ${JSON.stringify(other)})` : ''),
          );
        }
      }
    }
    await ctx.sleep(ctx.absenceWindowMs());
    for (const [sender, senderId] of rounds) {
      const echoes = sender.received.filter((r) => (r.event === 'typing:start' || r.event === 'typing:stop') && r.payload?.userId === senderId);
      if (echoes.length) {
        ctx.fail(`${sender.name} received its own typing back: ${echoes.map((e) => `${e.event} ${JSON.stringify(e.payload)}`).join(', ')}; the sending socket is excluded from the relay`);
      }
    }
  },
};

export const typingChecks: CheckDefinition[] = [startLimited, relay];
