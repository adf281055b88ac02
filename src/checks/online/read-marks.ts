/**
 * Read receipts in history (docs/contract.md §6.6): an acked `read:mark` is in history with the
 * acked `readAt`. Fed the marks the run's users had acked and the history pages they fetched;
 * a page requested after a mark was acked that shows the message with another readAt is a
 * violation. Memory is bounded: the last `remember` marks (older ones are not judged). Pure.
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
  return {
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
    size: () => marks.size,
  };
}
