export const ROLES = ['buyer', 'seller', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Times on the wire are epoch milliseconds. */
export type EpochMs = number;

export interface Listing {
  id: string;
  sellerId: string;
  title: string;
  price: number;
  private: boolean;
  available: boolean;
  version: number;
}

export const BOOKING_STATUSES = [
  'requested',
  'accepted',
  'declined',
  'cancelled',
  'paid',
  'completed',
  'disputed',
  'resolved',
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

export function isBookingStatus(value: unknown): value is BookingStatus {
  return typeof value === 'string' && (BOOKING_STATUSES as readonly string[]).includes(value);
}

export interface Booking {
  id: string;
  listingId: string;
  buyerId: string;
  sellerId: string;
  status: BookingStatus;
  version: number;
}

export interface Message {
  id: string;
  bookingId: string;
  seq: number;
  senderId: string;
  body: string;
  clientMsgId: string;
  sentAt: EpochMs;
  /** null until the other party marks it read. */
  readAt: EpochMs | null;
}

/** Who may move a booking along which edge (docs/contract.md §2.3). */
export type Actor = 'buyer' | 'seller' | 'admin';

interface Transition {
  from: BookingStatus;
  to: BookingStatus;
  by: readonly Actor[];
}

export const BOOKING_TRANSITIONS: readonly Transition[] = [
  { from: 'requested', to: 'accepted', by: ['seller'] },
  { from: 'requested', to: 'declined', by: ['seller'] },
  { from: 'requested', to: 'cancelled', by: ['buyer'] },
  { from: 'accepted', to: 'paid', by: ['buyer'] },
  { from: 'paid', to: 'completed', by: ['seller'] },
  { from: 'requested', to: 'disputed', by: ['buyer', 'seller'] },
  { from: 'accepted', to: 'disputed', by: ['buyer', 'seller'] },
  { from: 'paid', to: 'disputed', by: ['buyer', 'seller'] },
  { from: 'disputed', to: 'resolved', by: ['admin'] },
];

/** Statuses that give the listing back to the market. */
export const RELEASING_STATUSES: readonly BookingStatus[] = ['declined', 'cancelled'];

export type TransitionVerdict = 'allowed' | 'forbidden' | 'conflict';

/**
 * Whether `actor` may move a booking from `from` to `to`. `forbidden` when no edge into `to`
 * is open to this actor at all; `conflict` when the actor could reach `to` but not from `from`.
 */
export function judgeTransition(from: BookingStatus, to: BookingStatus, actor: Actor): TransitionVerdict {
  const edgesToTarget = BOOKING_TRANSITIONS.filter((t) => t.to === to && t.by.includes(actor));
  if (edgesToTarget.length === 0) return 'forbidden';
  return edgesToTarget.some((t) => t.from === from) ? 'allowed' : 'conflict';
}
