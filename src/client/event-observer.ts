import type { Booking } from '../contract/index.ts';

/** A receiving connection as evidence names it. */
export interface ObservedReceiver {
  readonly userId: string;
  /** The user's role (admins may be in every room: src/checks/online/entitlements.ts). */
  readonly role?: string;
  /** The socket id of the connection it holds now (the server's name for it); undefined while none. */
  readonly connectionId: string | undefined;
}

/**
 * What a run's online checks see of each simulated user: every event it receives, and when it
 * stops being owed a room's events (a leave) or anything at all (gone for good). A dropped
 * connection that comes back is neither: its state is kept, so a repeat after a reconnect is
 * still caught (src/checks/online-checks.ts).
 */
export interface EventObserver {
  received(receiver: ObservedReceiver, event: string, payload: unknown): void;
  left(receiver: ObservedReceiver, room: string): void;
  closed(receiver: ObservedReceiver): void;
  /** A booking this user made during the run, or joined with its record (its buyer is now entitled to more: authz checks). */
  booked?(booking: Booking): void;
  /** The receiver's connection sent a presence heartbeat (presence is judged against it). */
  touched?(receiver: ObservedReceiver): void;
  /** The receiver's connection dropped; it may come back (its next `session` event says so). */
  dropped?(receiver: ObservedReceiver): void;
  /** The receiver's `message:send` in `bookingId` (the booking it sent to) was acked `{ok:true, message}`. */
  sent?(receiver: ObservedReceiver, message: { id: string; senderId: string }, bookingId: string): void;
  /** The receiver's `read:mark` was acked `{ok:true, readAt}`. */
  marked?(receiver: ObservedReceiver, bookingId: string, messageId: string, readAt: number): void;
  /** The receiver fetched a booking's history (requested at `requestedAtUs`) and got `messages`. */
  history?(receiver: ObservedReceiver, bookingId: string, requestedAtUs: number, messages: readonly unknown[]): void;
}
