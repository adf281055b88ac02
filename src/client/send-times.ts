/**
 * When each fan-out cause was sent, so that every receiver in this process can measure
 * delivery from the sender's send time to its own arrival. Keys name the event's cause:
 * a message's clientMsgId, or a listing/booking change. Entries expire, so the map stays small.
 */
export interface SendTimes {
  mark(key: string, sentAtUs: number): void;
  get(key: string): number | undefined;
  /** Drop entries older than `maxAgeUs`. */
  expire(nowUs: number, maxAgeUs: number): void;
  readonly size: number;
}

export function createSendTimes(): SendTimes {
  const sent = new Map<string, number>();
  return {
    mark: (key, sentAtUs) => void sent.set(key, sentAtUs),
    get: (key) => sent.get(key),
    expire(nowUs, maxAgeUs) {
      // Insertion order is send order: stop at the first young entry.
      for (const [key, at] of sent) {
        if (nowUs - at <= maxAgeUs) break;
        sent.delete(key);
      }
    },
    get size() {
      return sent.size;
    },
  };
}

export const causeKeys = {
  message: (clientMsgId: string) => `m|${clientMsgId}`,
  price: (listingId: string, price: number) => `p|${listingId}|${price}`,
  availability: (listingId: string, available: boolean) => `a|${listingId}|${available}`,
  status: (bookingId: string, to: string) => `s|${bookingId}|${to}`,
} as const;
