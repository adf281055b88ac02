import type { Ack } from './errors.ts';
import type { BookingStatus, EpochMs, Message, Role } from './models.ts';

/** Client → server event names (docs/contract.md §2.5). */
export const CLIENT_EVENTS = [
  'listing:watch',
  'listing:unwatch',
  'booking:join',
  'booking:leave',
  'message:send',
  'typing:start',
  'typing:stop',
  'read:mark',
  'presence:watch',
  'presence:unwatch',
  'presence:heartbeat',
] as const;
export type ClientEventName = (typeof CLIENT_EVENTS)[number];

/** Server → client event names. */
export const SERVER_EVENTS = [
  'session',
  'message:new',
  'listing:priceChanged',
  'listing:availabilityChanged',
  'booking:statusChanged',
  'typing:start',
  'typing:stop',
  'read:updated',
  'presence:changed',
  'notification',
] as const;
export type ServerEventName = (typeof SERVER_EVENTS)[number];

/** Room names, built one way on both sides. */
export const rooms = {
  user: (userId: string) => `user:${userId}`,
  listing: (listingId: string) => `listing:${listingId}`,
  booking: (bookingId: string) => `booking:${bookingId}`,
  presence: (userId: string) => `presence:${userId}`,
} as const;

// ---- payloads, server → client ----

export interface SessionPayload {
  userId: string;
  role: Role;
  presence: {
    ttlMs: number;
    heartbeatMs: number;
    /** How often lapsed presence is swept; offline is announced within ttlMs + sweepMs. */
    sweepMs?: number;
  };
}

export type MessageNewPayload = Omit<Message, 'readAt'>;

export interface PriceChangedPayload {
  listingId: string;
  price: number;
  version: number;
  at: EpochMs;
}

export interface AvailabilityChangedPayload {
  listingId: string;
  available: boolean;
  version: number;
  at: EpochMs;
}

export interface StatusChangedPayload {
  bookingId: string;
  from: BookingStatus;
  to: BookingStatus;
  version: number;
  at: EpochMs;
}

export interface TypingPayload {
  bookingId: string;
  userId: string;
}

export interface ReadUpdatedPayload {
  bookingId: string;
  messageId: string;
  readerId: string;
  readAt: EpochMs;
}

export interface PresenceChangedPayload {
  userId: string;
  online: boolean;
  at: EpochMs;
}

export interface NotificationPayload {
  type: string;
  [key: string]: unknown;
}

export interface ServerToClientEvents {
  session: (payload: SessionPayload) => void;
  'message:new': (payload: MessageNewPayload) => void;
  'listing:priceChanged': (payload: PriceChangedPayload) => void;
  'listing:availabilityChanged': (payload: AvailabilityChangedPayload) => void;
  'booking:statusChanged': (payload: StatusChangedPayload) => void;
  'typing:start': (payload: TypingPayload) => void;
  'typing:stop': (payload: TypingPayload) => void;
  'read:updated': (payload: ReadUpdatedPayload) => void;
  'presence:changed': (payload: PresenceChangedPayload) => void;
  notification: (payload: NotificationPayload) => void;
}

// ---- payloads, client → server ----

export interface SendMessageInput {
  bookingId: string;
  body: string;
  clientMsgId: string;
}

export interface ReadMarkInput {
  bookingId: string;
  messageId: string;
}

export type AckCallback<T extends object = {}> = (response: Ack<T>) => void;

/**
 * Client → server events as a well-behaved client sends them. The server must not trust these
 * types: every handler validates its payload (hostile clients send anything).
 */
export interface ClientToServerEvents {
  'listing:watch': (listingId: string, ack?: AckCallback) => void;
  'listing:unwatch': (listingId: string, ack?: AckCallback) => void;
  'booking:join': (bookingId: string, ack?: AckCallback) => void;
  'booking:leave': (bookingId: string, ack?: AckCallback) => void;
  'message:send': (input: SendMessageInput, ack: AckCallback<{ message: MessageNewPayload }>) => void;
  'typing:start': (input: { bookingId: string }) => void;
  'typing:stop': (input: { bookingId: string }) => void;
  'read:mark': (input: ReadMarkInput, ack: AckCallback<{ readAt: EpochMs }>) => void;
  'presence:watch': (userId: string, ack?: AckCallback<{ online: boolean }>) => void;
  'presence:unwatch': (userId: string, ack?: AckCallback) => void;
  'presence:heartbeat': () => void;
}

/** Limits every server holds to (docs/contract.md §2.2, §2.5, §2.6). */
export const LIMITS = {
  maxHttpBufferSizeBytes: 64 * 1024,
  eventsPerSec: 100,
  eventBurst: 200,
  sustainedLimitDisconnectMs: 5_000,
  /** Rooms one socket may have joined (listing, booking, presence; its own user room aside). */
  maxRoomsPerSocket: 100,
  typingStartMinIntervalMs: 3_000,
  defaultPresenceTtlMs: 60_000,
  defaultPresenceHeartbeatMs: 20_000,
} as const;
