/**
 * The typing limit (docs/contract.md §2.5): at most one `typing:start` per sender per booking
 * per interval reaches receivers; extras are dropped.
 */
export interface TypingGate {
  allowStart(userId: string, bookingId: string, nowMs: number): Promise<boolean>;
  /** Forget entries older than the interval, so the gate does not grow without bound. */
  prune(nowMs: number): void;
}

export function createMemoryTypingGate(intervalMs: number): TypingGate {
  const lastStartMs = new Map<string, number>();
  return {
    async allowStart(userId, bookingId, nowMs) {
      const key = `${userId}\u0000${bookingId}`;
      const last = lastStartMs.get(key);
      if (last !== undefined && nowMs - last < intervalMs) return false;
      lastStartMs.set(key, nowMs);
      return true;
    },
    prune(nowMs) {
      for (const [key, last] of lastStartMs) if (nowMs - last >= intervalMs) lastStartMs.delete(key);
    },
  };
}
