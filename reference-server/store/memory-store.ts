import { randomBytes } from 'node:crypto';
import type { Booking, BookingStatus, Listing, Message, Role } from '../../src/contract/index.ts';
import { RELEASING_STATUSES } from '../../src/contract/index.ts';
import type { CreateBookingResult, NewListing, NewMessage, Store, TransitionResult } from './store.ts';

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

interface BookingMessages {
  messages: Message[];
  byId: Map<string, Message>;
  byClientKey: Map<string, Message>;
}

/**
 * The single-node store. Each method does its whole read-check-write synchronously before its
 * first await, so on one event loop every decision is atomic.
 */
export function createMemoryStore(): Store {
  const users = new Map<string, Set<Role>>();
  const listings = new Map<string, Listing>();
  const bookings = new Map<string, Booking>();
  const bookingsByListing = new Map<string, Booking[]>();
  const messages = new Map<string, BookingMessages>();

  const copy = <T extends object>(value: T): T => ({ ...value });

  function threadOf(bookingId: string): BookingMessages {
    let thread = messages.get(bookingId);
    if (!thread) {
      thread = { messages: [], byId: new Map(), byClientKey: new Map() };
      messages.set(bookingId, thread);
    }
    return thread;
  }

  return {
    async recordUser(userId: string, role: Role) {
      let roles = users.get(userId);
      if (!roles) users.set(userId, (roles = new Set()));
      roles.add(role);
    },
    async hasRole(userId: string, role: Role) {
      return users.get(userId)?.has(role) === true;
    },

    async createListing(input: NewListing) {
      const listing: Listing = { id: newId('l'), ...input, available: true, version: 1 };
      listings.set(listing.id, listing);
      return copy(listing);
    },
    async getListing(listingId: string) {
      const listing = listings.get(listingId);
      return listing && copy(listing);
    },
    async changePrice(listingId: string, price: number) {
      const listing = listings.get(listingId);
      if (!listing) return undefined;
      listing.price = price;
      listing.version += 1;
      return copy(listing);
    },

    async createBooking(listingId: string, buyerId: string): Promise<CreateBookingResult> {
      const listing = listings.get(listingId);
      if (!listing) return { ok: false, reason: 'not_found' };
      if (!listing.available) return { ok: false, reason: 'conflict' };
      listing.available = false;
      listing.version += 1;
      const booking: Booking = {
        id: newId('b'),
        listingId,
        buyerId,
        sellerId: listing.sellerId,
        status: 'requested',
        version: 1,
      };
      bookings.set(booking.id, booking);
      const onListing = bookingsByListing.get(listingId) ?? [];
      onListing.push(booking);
      bookingsByListing.set(listingId, onListing);
      return { ok: true, booking: copy(booking), listing: copy(listing) };
    },
    async getBooking(bookingId: string) {
      const booking = bookings.get(bookingId);
      return booking && copy(booking);
    },
    async hasBookingOn(listingId: string, buyerId: string) {
      return (bookingsByListing.get(listingId) ?? []).some((b) => b.buyerId === buyerId);
    },
    async transitionBooking(bookingId: string, from: BookingStatus, to: BookingStatus): Promise<TransitionResult> {
      const booking = bookings.get(bookingId);
      if (!booking) return { ok: false, reason: 'not_found' };
      if (booking.status !== from) return { ok: false, reason: 'conflict' };
      booking.status = to;
      booking.version += 1;
      const result: TransitionResult = { ok: true, booking: copy(booking), from };
      if (RELEASING_STATUSES.includes(to)) {
        const listing = listings.get(booking.listingId);
        if (listing && !listing.available) {
          listing.available = true;
          listing.version += 1;
          result.releasedListing = copy(listing);
        }
      }
      return result;
    },

    async appendMessage(input: NewMessage) {
      const thread = threadOf(input.bookingId);
      const clientKey = `${input.senderId}\u0000${input.clientMsgId}`;
      const existing = thread.byClientKey.get(clientKey);
      if (existing) return { message: copy(existing), created: false };
      const message: Message = {
        id: newId('m'),
        bookingId: input.bookingId,
        seq: thread.messages.length + 1,
        senderId: input.senderId,
        body: input.body,
        clientMsgId: input.clientMsgId,
        sentAt: input.sentAt,
        readAt: null,
      };
      thread.messages.push(message);
      thread.byId.set(message.id, message);
      thread.byClientKey.set(clientKey, message);
      return { message: copy(message), created: true };
    },
    async getMessage(bookingId: string, messageId: string) {
      const message = messages.get(bookingId)?.byId.get(messageId);
      return message && copy(message);
    },
    async listMessages(bookingId: string, afterSeq: number) {
      const thread = messages.get(bookingId);
      if (!thread) return [];
      // seq n sits at index n-1
      return thread.messages.slice(Math.max(0, afterSeq)).map(copy);
    },
    async markRead(bookingId: string, messageId: string, readAt: number) {
      const message = messages.get(bookingId)?.byId.get(messageId);
      if (!message) return undefined;
      if (message.readAt !== null) return { message: copy(message), changed: false };
      message.readAt = readAt;
      return { message: copy(message), changed: true };
    },
  };
}
