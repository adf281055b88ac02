/*
 * What the order, delivery, idempotency, versions and race checks share: a booking with its
 * parties, joining rooms verified by ack, sending, and waiting on what sockets received.
 * Nothing here judges; the checkers under ../checkers do.
 */
import type { Booking, Listing, MessageNewPayload } from '../../contract/index.ts';
import type { ProbeClient } from '../probe-client.ts';
import type { CheckContext } from '../types.ts';

export interface BookingWorld {
  seller: string;
  buyer: string;
  listing: Listing;
  booking: Booking;
}

/** A fresh seller, listing, buyer and booking under this check's prefix. */
export async function bookingWorld(ctx: CheckContext): Promise<BookingWorld> {
  const seller = ctx.id('seller');
  const buyer = ctx.id('buyer');
  const listing = await ctx.listing(seller);
  const booking = await ctx.booking(buyer, listing.id);
  return { seller, buyer, listing, booking };
}

/**
 * Join a room on every socket and wait for each ack, so no event the check causes can race the
 * join. A refused join is a setup failure here (authz.* judges joins), not evidence.
 */
export async function joinAll(probes: readonly ProbeClient[], event: 'booking:join' | 'listing:watch', id: string): Promise<void> {
  const acks = await Promise.all(probes.map((probe) => probe.ack<{ ok: boolean; error?: { code: string } }>(event, id)));
  acks.forEach((ack, i) => {
    if (!ack?.ok) {
      throw new Error(`setup: ${probes[i]!.name} could not ${event} ${id}: ${ack?.error?.code ?? JSON.stringify(ack)}`);
    }
  });
}

export type SendAck = { ok: true; message: MessageNewPayload } | { ok: false; error: { code: string; message?: string } };

export function send(probe: ProbeClient, bookingId: string, body: string, clientMsgId: string): Promise<SendAck> {
  return probe.ack<SendAck>('message:send', { bookingId, body, clientMsgId });
}

/** `message:new` payloads one socket received for one booking, in arrival order. */
export function messagesAt(probe: ProbeClient, bookingId: string): MessageNewPayload[] {
  return probe.all<MessageNewPayload>('message:new', (m) => m?.bookingId === bookingId);
}

/** Polls `condition` until it holds, `timeoutMs` passes or the check is stopped (`signal`); says whether it held. */
export async function waitUntil(condition: () => boolean, timeoutMs: number, signal?: AbortSignal, stepMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() >= deadline || signal?.aborted) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return true;
}

/** "ack ok:false forbidden" / "no ack": how a refused send reads in evidence. */
export function describeAck(ack: unknown): string {
  const a = ack as { ok?: boolean; error?: { code?: string; message?: string } } | undefined;
  if (a?.error?.code === 'ack_timeout') return 'no ack within 5 s';
  if (a?.error) return `ack {ok:false, code:${a.error.code}${a.error.message ? `, "${a.error.message}"` : ''}}`;
  return `ack ${JSON.stringify(ack)}`;
}
