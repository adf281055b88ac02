/**
 * Read receipts in history (docs/contract.md §6.6): an acked `read:mark` is in history with the
 * acked `readAt`. Fed the marks the run's users had acked and the history pages they fetched;
 * a page requested after a mark was acked that shows the message with another readAt is a
 * violation. And only the recipient marks (§5 read:mark): a mark acked to the message's own
 * sender is one. Memory is bounded: the last `remember` marks and sends (older ones are not
 * judged). Pure.
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

export function createReadMarks(options: { remember?: number; onViolation(violation: ReadMarkViolation): void }) {
  const remember = options.remember ?? 10_000;
  const marks = new Map<string, Mark>();
  /** messageId → its sender, from send acks. */
  const senders = new Map<string, string>();
  return {
    /** A message:send was acked with this message. */
    sent(messageId: string, senderId: string): void {
      senders.set(messageId, senderId);
      if (senders.size > remember) senders.delete(senders.keys().next().value as string);
    },
    /** `receiver` (user `userId`) had its read:mark of `messageId` acked `{ok:true}`: judged if it sent the message itself. */
    markedBy(receiver: object, userId: string, bookingId: string, messageId: string): void {
      if (senders.get(messageId) !== userId) return;
      options.onViolation({
        receiver, bookingId,
        expected: `read:mark of its own message ${messageId} refused (forbidden: only the recipient marks a message read)`,
        observed: 'read:mark acked {ok:true}',
      });
    },
    /** A read:mark of `messageId` was acked `{ok:true, readAt}` at `atUs`. The first ack's readAt is the one kept (a repeat returns it). */
    marked(bookingId: string, messageId: string, readAt: number, atUs: number): void {
      if (marks.has(messageId)) return;
      marks.set(messageId, { bookingId, readAt, ackedAtUs: atUs });
      if (marks.size > remember) marks.delete(marks.keys().next().value as string);
    },
    /** `receiver` requested `bookingId`'s history at `requestedAtUs` and got `messages`. */
    history(receiver: object, bookingId: string, requestedAtUs: number, messages: readonly unknown[]): void {
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
    size: () => marks.size + senders.size,
  };
}
