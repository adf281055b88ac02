/**
 * Read receipts in history (docs/contract.md §6.6): an acked `read:mark` is in history with the
 * acked `readAt`. Fed the marks the run's users had acked and the history pages they fetched;
 * a page requested after a mark was acked that shows the message with another readAt is a
 * violation. And only the recipient marks (§5 read:mark): a mark acked to the message's own
 * sender is one.
 *
 * Memory follows what is active: marks and sends are held per booking, and a booking's are
 * dropped (forgetIdle) once no run user is in its room and it has had no send, mark or history
 * fetch for the idle period. What is judged is therefore every history page and every mark of a
 * booking in use (a user in its room, or read activity within the idle period); a page or a mark
 * of a booking idle and empty that long is not judged (as a booking of another run is not).
 * `remember` stays as a safety net: at most that many marks and sends in all (oldest dropped).
 * Pure: times come in as arguments.
 */
export interface ReadMarkViolation {
  receiver: object;
  bookingId: string;
  expected: string;
  observed: string;
}

interface Mark {
  bookingId: string;
  readAt: number;
  ackedAtUs: number;
}

interface BookingReads {
  lastUs: number;
  /** Message ids marked in this booking (keys of `marks`). */
  marked: Set<string>;
  /** Message ids sent in this booking (keys of `senders`). */
  sent: Set<string>;
}

export function createReadMarks(options: { remember?: number; onViolation(violation: ReadMarkViolation): void }) {
  const remember = options.remember ?? 10_000;
  const marks = new Map<string, Mark>();
  /** messageId → its sender and booking, from send acks. */
  const senders = new Map<string, { senderId: string; bookingId: string }>();
  /** Booking id → what is held for it, least recently active first. */
  const bookings = new Map<string, BookingReads>();

  const touch = (bookingId: string, atUs: number): BookingReads => {
    let b = bookings.get(bookingId);
    if (b) bookings.delete(bookingId);
    else b = { lastUs: atUs, marked: new Set(), sent: new Set() };
    b.lastUs = Math.max(b.lastUs, atUs);
    bookings.set(bookingId, b);
    return b;
  };
  /**
   * Past the cap, drop the oldest down to a sixteenth under it, in one pass: deleting one entry at
   * a time from the front of a Map walks every hole earlier deletions left (V8), which cost
   * several µs per send once a run held `remember` of them (issue 14's checked-vs-unchecked bench).
   */
  const slack = Math.floor(remember / 16);
  const dropOldest = <T extends { bookingId: string }>(map: Map<string, T>, field: 'marked' | 'sent') => {
    if (map.size <= remember) return;
    for (const [id, entry] of map) {
      if (map.size <= remember - slack) break;
      map.delete(id);
      bookings.get(entry.bookingId)?.[field].delete(id);
    }
  };

  return {
    /** A message:send in `bookingId` was acked at `atUs` with this message. */
    sent(messageId: string, senderId: string, bookingId: string, atUs: number): void {
      touch(bookingId, atUs).sent.add(messageId);
      senders.set(messageId, { senderId, bookingId });
      dropOldest(senders, 'sent');
    },
    /** `receiver` (user `userId`) had its read:mark of `messageId` acked `{ok:true}`: judged if it sent the message itself. */
    markedBy(receiver: object, userId: string, bookingId: string, messageId: string): void {
      if (senders.get(messageId)?.senderId !== userId) return;
      options.onViolation({
        receiver, bookingId,
        expected: `read:mark of its own message ${messageId} refused (forbidden: only the recipient marks a message read)`,
        observed: 'read:mark acked {ok:true}',
      });
    },
    /** A read:mark of `messageId` was acked `{ok:true, readAt}` at `atUs`. The first ack's readAt is the one kept (a repeat returns it). */
    marked(bookingId: string, messageId: string, readAt: number, atUs: number): void {
      const b = touch(bookingId, atUs);
      if (marks.has(messageId)) return;
      b.marked.add(messageId);
      marks.set(messageId, { bookingId, readAt, ackedAtUs: atUs });
      dropOldest(marks, 'marked');
    },
    /** `receiver` requested `bookingId`'s history at `requestedAtUs` and got `messages`. */
    history(receiver: object, bookingId: string, requestedAtUs: number, messages: readonly unknown[]): void {
      if (!bookings.has(bookingId)) return;
      touch(bookingId, requestedAtUs);
      if (marks.size === 0) return;
      for (const m of messages) {
        const message = m as { id?: unknown; readAt?: unknown } | null;
        if (typeof message?.id !== 'string') continue;
        const mark = marks.get(message.id);
        if (!mark || mark.bookingId !== bookingId || mark.ackedAtUs > requestedAtUs || message.readAt === mark.readAt) continue;
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
        bookings.delete(id);
        for (const m of b.marked) marks.delete(m);
        for (const m of b.sent) senders.delete(m);
        dropped.push(id);
      }
      return dropped;
    },
    size: () => marks.size + senders.size,
    sizes: () => ({ marks: marks.size, senders: senders.size, bookings: bookings.size }),
  };
}
