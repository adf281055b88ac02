/**
 * Read receipts in history (docs/contract.md §6.6): an acked `read:mark` is in history with the
 * acked `readAt`. Fed the marks the run's users had acked and the history pages they fetched;
 * a page requested after a mark was acked that shows the message with another readAt is a
 * violation. And only the recipient marks (§5 read:mark): a mark acked to the message's own
 * sender is one.
 *
 * Memory follows what is active: marks are held per booking, and a booking's are dropped
 * (forgetIdle) once no run user is in its room and it has had no mark or history fetch for the
 * idle period. What is judged is therefore every history page of a booking in use (a user in its
 * room, or read activity within the idle period); a page of a booking idle and empty that long is
 * not judged (as a booking of another run is not). `remember` stays as a safety net: at most that
 * many marks in all (oldest dropped). The senders of the last `remember` sends of the run are
 * held apart, in a fixed ring with no object per send (sent-ring.ts): a mark of one of them by its
 * own sender is judged.
 * Pure: times come in as arguments.
 */
import { createSentRing } from './sent-ring.ts';

export interface ReadMarkViolation {
  receiver: object;
  bookingId: string;
  expected: string;
  observed: string;
}

interface Mark {
  readAt: number;
  ackedAtUs: number;
}

interface BookingReads {
  lastUs: number;
  /** Message id → its first acked mark, of the messages marked in this booking. */
  marks: Map<string, Mark>;
}

export function createReadMarks(options: { remember?: number; onViolation(violation: ReadMarkViolation): void }) {
  const remember = options.remember ?? 10_000;
  /** Booking id → what is held for it, least recently active first (a mark or a history fetch moves it to the end). */
  const bookings = new Map<string, BookingReads>();
  let heldMarks = 0;
  /** Who sent each of the last `remember` messages. */
  const senders = createSentRing(remember);

  const touch = (bookingId: string, atUs: number): BookingReads => {
    let b = bookings.get(bookingId);
    if (b) bookings.delete(bookingId);
    else b = { lastUs: atUs, marks: new Map() };
    b.lastUs = Math.max(b.lastUs, atUs);
    bookings.set(bookingId, b);
    return b;
  };
  /**
   * Past the cap, drop the oldest (of the least recently active bookings first) down to a
   * sixteenth under it, in one pass: dropping one at a time at the cap would run on every send
   * once a run held `remember` of them (issue 14's checked-vs-unchecked bench).
   */
  const slack = Math.floor(remember / 16);
  const dropOldest = () => {
    if (heldMarks <= remember) return;
    let excess = heldMarks - (remember - slack);
    for (const b of bookings.values()) {
      for (const id of b.marks.keys()) {
        if (excess === 0) break;
        b.marks.delete(id);
        excess--;
      }
      if (excess === 0) break;
    }
    heldMarks = remember - slack;
  };
  const drop = (bookingId: string, b: BookingReads) => {
    bookings.delete(bookingId);
    heldMarks -= b.marks.size;
  };

  return {
    /** `senderId`'s message:send was acked with this message id. */
    sent(messageId: string, senderId: string): void {
      senders.add(messageId, senderId);
    },
    /** `receiver` (user `userId`) had its read:mark of `messageId` acked `{ok:true}`: judged if it sent the message itself. */
    markedBy(receiver: object, userId: string, bookingId: string, messageId: string): void {
      if (senders.senderOf(messageId) !== userId) return;
      options.onViolation({
        receiver, bookingId,
        expected: `read:mark of its own message ${messageId} refused (forbidden: only the recipient marks a message read)`,
        observed: 'read:mark acked {ok:true}',
      });
    },
    /** A read:mark of `messageId` was acked `{ok:true, readAt}` at `atUs`. The first ack's readAt is the one kept (a repeat returns it). */
    marked(bookingId: string, messageId: string, readAt: number, atUs: number): void {
      const b = touch(bookingId, atUs);
      if (b.marks.has(messageId)) return;
      b.marks.set(messageId, { readAt, ackedAtUs: atUs });
      heldMarks++;
      dropOldest();
    },
    /** `receiver` requested `bookingId`'s history at `requestedAtUs` and got `messages`. */
    history(receiver: object, bookingId: string, requestedAtUs: number, messages: readonly unknown[]): void {
      if (!bookings.has(bookingId)) return;
      const marks = touch(bookingId, requestedAtUs).marks;
      if (marks.size === 0) return;
      for (const m of messages) {
        const message = m as { id?: unknown; readAt?: unknown } | null;
        if (typeof message?.id !== 'string') continue;
        const mark = marks.get(message.id);
        if (!mark || mark.ackedAtUs > requestedAtUs || message.readAt === mark.readAt) continue;
        options.onViolation({
          receiver, bookingId,
          expected: `readAt ${mark.readAt} for message ${message.id} in history (its read:mark was acked ${Math.round((requestedAtUs - mark.ackedAtUs) / 1000)} ms before the request)`,
          observed: `GET /api/bookings/${bookingId}/messages shows readAt ${JSON.stringify(message.readAt)}`,
        });
      }
    },
    /**
     * Drop the marks and sends of every booking with no read activity since `beforeUs` and no run
     * user in its room (`inUse` says); returns the bookings dropped. A booking in use is kept
     * (and looked at again on the next call).
     */
    forgetIdle(beforeUs: number, inUse: (bookingId: string) => boolean): string[] {
      const dropped: string[] = [];
      for (const [id, b] of bookings) {
        // Least recently active first: the rest are younger.
        if (b.lastUs >= beforeUs) break;
        if (inUse(id)) continue;
        drop(id, b);
        dropped.push(id);
      }
      return dropped;
    },
    /** Marks held: what follows the bookings in use (the senders' ring is of a fixed size). */
    size: () => heldMarks,
    sizes: () => ({ marks: heldMarks, senders: senders.size(), bookings: bookings.size }),
  };
}
