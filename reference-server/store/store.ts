import type { Booking, BookingStatus, EpochMs, Listing, Message, Role } from '../../src/contract/index.ts';

export interface NewListing {
  sellerId: string;
  title: string;
  price: number;
  private: boolean;
}

export type CreateBookingResult =
  | { ok: true; booking: Booking; listing: Listing }
  | { ok: false; reason: 'not_found' | 'conflict' };

export type TransitionResult =
  | { ok: true; booking: Booking; from: BookingStatus; releasedListing?: Listing }
  | { ok: false; reason: 'not_found' | 'conflict' };

export interface NewMessage {
  bookingId: string;
  senderId: string;
  body: string;
  clientMsgId: string;
  sentAt: EpochMs;
}

/**
 * Everything the reference server remembers. Every method is async so that a Redis-backed
 * store can take its place without touching the handlers. Methods that decide a race
 * (createBooking, transitionBooking, appendMessage, markRead) are atomic: whatever the
 * interleaving of callers, exactly one of them wins.
 */
export interface Store {
  /** Remember that this user authenticated with this role (the server's record of sellers). */
  recordUser(userId: string, role: Role): Promise<void>;
  /** Whether this user has ever authenticated with this role. */
  hasRole(userId: string, role: Role): Promise<boolean>;

  createListing(input: NewListing): Promise<Listing>;
  getListing(listingId: string): Promise<Listing | undefined>;
  /** Sets the price and bumps the listing's version; undefined when the listing is unknown. */
  changePrice(listingId: string, price: number): Promise<Listing | undefined>;

  /** Single winner: only an available listing can be booked, and it then becomes unavailable. */
  createBooking(listingId: string, buyerId: string): Promise<CreateBookingResult>;
  getBooking(bookingId: string): Promise<Booking | undefined>;
  hasBookingOn(listingId: string, buyerId: string): Promise<boolean>;
  /** Compare-and-set on the current status; a releasing status makes the listing available. */
  transitionBooking(bookingId: string, from: BookingStatus, to: BookingStatus): Promise<TransitionResult>;

  /**
   * Appends with the booking's next seq, or returns the first message when this sender has
   * already used this clientMsgId in this booking (`created: false`).
   */
  appendMessage(input: NewMessage): Promise<{ message: Message; created: boolean }>;
  getMessage(bookingId: string, messageId: string): Promise<Message | undefined>;
  listMessages(bookingId: string, afterSeq: number): Promise<Message[]>;
  /** Sets readAt once; later calls return the first readAt with `changed: false`. */
  markRead(bookingId: string, messageId: string, readAt: EpochMs): Promise<{ message: Message; changed: boolean } | undefined>;
}
