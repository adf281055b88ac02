import type { AvailabilityChangedPayload, Booking, PriceChangedPayload } from '../../contract/index.ts';
import { limitEvidence, listSeqs } from '../checkers/messaging-evidence.ts';
import type { ProbeClient } from '../probe-client.ts';
import { CheckFailed, type CheckContext, type CheckDefinition, type HttpResult } from '../types.ts';
import { joinAll } from './messaging-support.ts';

/** Buyers booking the same listing at the same moment, per round. */
const BUYERS_PER_ROUND = 25;
const EVENT_WAIT_MS = 5_000;

interface Round {
  winners: { buyer: string; booking: Booking }[];
  lines: string[];
}

function describeWinners(winners: Round['winners']): string {
  if (!winners.length) return 'none';
  const shown = winners.slice(0, 4).map((w) => `${w.buyer} → booking ${w.booking?.id}`).join(', ');
  return winners.length > 4 ? `${shown}, and ${winners.length - 4} more` : shown;
}

/** Every buyer POSTs /api/bookings for the listing at once: exactly one 201, the rest 409 conflict. */
async function bookAtOnce(ctx: CheckContext, listingId: string, label: string): Promise<Round> {
  const buyers = Array.from({ length: BUYERS_PER_ROUND }, () => ctx.id('buyer'));
  const answers = await Promise.all(buyers.map((buyer) =>
    ctx.http<Booking>('POST', '/api/bookings', { as: [buyer, 'buyer'], body: { listingId } })));
  const winners: Round['winners'] = [];
  const lines: string[] = [];
  const odd: string[] = [];
  answers.forEach((res: HttpResult, i) => {
    const buyer = buyers[i]!;
    if (res.status === 201) winners.push({ buyer, booking: res.body });
    else if (res.status !== 409 || res.body?.error?.code !== 'conflict') odd.push(`${buyer} got ${res.status} ${JSON.stringify(res.body)}`);
  });
  if (winners.length !== 1) {
    lines.push(`${label}: ${BUYERS_PER_ROUND} buyers POSTed /api/bookings {listingId: ${listingId}} at once and ${winners.length} got 201 (${describeWinners(winners)}); expected exactly one`);
  }
  if (odd.length) lines.push(`${label}: the losers must get 409 {"error":{"code":"conflict"}}, but ${odd.slice(0, 3).join('; ')}${odd.length > 3 ? ` (and ${odd.length - 3} more)` : ''}`);
  return { winners, lines };
}

/**
 * The seller changes the price; once a watcher has that priceChanged, every event the round
 * caused in the listing room (sent before the 201s) has reached it too.
 */
async function settle(ctx: CheckContext, seller: string, listingId: string, watchers: readonly ProbeClient[], price: number): Promise<string[]> {
  const res = await ctx.http<{ version: number }>('PATCH', `/api/listings/${listingId}`, { as: [seller, 'seller'], body: { price } });
  if (res.status !== 200) return [`PATCH /api/listings/${listingId} {price: ${price}} as ${seller} (the owner) answered ${res.status} ${JSON.stringify(res.body)}`];
  await Promise.all(watchers.map((w) => w.waitFor<PriceChangedPayload>('listing:priceChanged', (p) => p?.listingId === listingId && p.price === price, EVENT_WAIT_MS)));
  return [];
}

function availabilityAt(probe: ProbeClient, listingId: string, available: boolean): AvailabilityChangedPayload[] {
  return probe.all<AvailabilityChangedPayload>('listing:availabilityChanged', (p) => p?.listingId === listingId && p.available === available);
}

/** Each watcher saw exactly `expected` availabilityChanged {available:false} so far. */
function judgeTaken(watchers: readonly ProbeClient[], listingId: string, expected: number, label: string): string[] {
  const lines: string[] = [];
  for (const probe of watchers) {
    const seen = availabilityAt(probe, listingId, false);
    if (seen.length !== expected) {
      lines.push(`${label}: ${probe.name}, watching listing ${listingId}, got ${seen.length} listing:availabilityChanged {available:false}${seen.length ? ` (versions ${listSeqs(seen.map((p) => p.version))})` : ''}; expected ${expected === 1 ? 'exactly one' : expected}`);
    }
  }
  return lines;
}

/**
 * Contract §3 POST /api/bookings: 25 buyers book one listing at the same moment. Exactly one
 * wins (201), every other gets 409 conflict, and the watchers of the listing see it taken
 * exactly once. The seller declines the winner: watchers see it available again, and a second
 * wave of 25 buyers again has exactly one winner.
 */
const singleWinner: CheckDefinition = {
  id: 'race.single-winner',
  requires: ['bookingRaces'],
  title: '25 buyers book one listing at once: exactly one 201, the rest 409, one availabilityChanged; again after a decline',
  guarantee: 'contract §3 POST /api/bookings: exactly one booking can win an available listing',
  timeoutMs: 30_000,
  async run(ctx) {
    const seller = ctx.id('seller');
    const watcher = ctx.id('watcher');
    const listing = await ctx.listing(seller, { price: 100 });
    const watchers = [await ctx.connect(seller, 'seller'), await ctx.connect(watcher, 'buyer')];
    await joinAll(watchers, 'listing:watch', listing.id);

    const first = await bookAtOnce(ctx, listing.id, 'first wave');
    const lines = [...first.lines, ...(await settle(ctx, seller, listing.id, watchers, 101))];
    lines.push(...judgeTaken(watchers, listing.id, 1, 'first wave'));
    const winner = first.winners[0];
    if (lines.length || !winner) throw new CheckFailed(...limitEvidence(lines.length ? lines : ['first wave: nobody won']));

    const declined = await ctx.http('POST', `/api/bookings/${winner.booking.id}/transition`, { as: [seller, 'seller'], body: { to: 'declined' } });
    if (declined.status !== 200) {
      throw new CheckFailed(`the seller ${seller} declined booking ${winner.booking.id} (requested) and got ${declined.status} ${JSON.stringify(declined.body)}; expected 200`);
    }
    const released = await Promise.all(watchers.map((w) =>
      w.waitFor<AvailabilityChangedPayload>('listing:availabilityChanged', (p) => p?.listingId === listing.id && p.available === true, EVENT_WAIT_MS)));
    released.forEach((p, i) => {
      if (!p) lines.push(`after the seller declined booking ${winner.booking.id}, ${watchers[i]!.name} got no listing:availabilityChanged {available:true} for listing ${listing.id} within ${EVENT_WAIT_MS} ms`);
    });

    const second = await bookAtOnce(ctx, listing.id, 'second wave, after the decline');
    lines.push(...second.lines, ...(await settle(ctx, seller, listing.id, watchers, 102)));
    lines.push(...judgeTaken(watchers, listing.id, 2, 'after both waves'));
    for (const line of limitEvidence(lines)) ctx.fail(line);
  },
};

export const raceChecks: CheckDefinition[] = [singleWinner];
