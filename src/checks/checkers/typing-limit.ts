/**
 * The typing limit (docs/contract.md §6.5): at most one `typing:start` per sender per booking
 * per interval reaches a receiver. Fed what each receiving connection got; says who got how
 * many, when. Pure: receipt times come in with the observations. One state machine for both
 * `bazaar check` (verdict() at the end) and `bazaar run` (onViolation as each extra arrives).
 */
import type { CheckerVerdict } from './presence-flicker.ts';

export interface TypingObservation {
  /** The receiving connection, `user@cN`. */
  socket: string;
  bookingId: string;
  senderId: string;
  /** When the receiver got it, epoch ms. */
  atMs: number;
}

/** One `typing:start` that got through too soon after the last one allowed, as data. */
export interface TypingViolation {
  socket: string;
  bookingId: string;
  senderId: string;
  /** e.g. `at most one typing:start per 3000 ms from b1`. */
  expected: string;
  /** e.g. `typing:start 120 ms after the one before`. */
  observed: string;
}

export interface TypingLimitChecker {
  observe(observation: TypingObservation): void;
  /** Drop what is kept for `socket` (in `bookingId`, or everywhere): it left the room, or for good. */
  forget(socket: string, bookingId?: string): void;
  /** Drop streams whose last allowed receipt is older than one interval before `nowMs`: nothing can be judged against it. */
  forgetQuiet(nowMs: number): void;
  /** Receiver-booking-sender streams held. */
  size(): number;
  verdict(): CheckerVerdict;
}

interface TypingStream {
  socket: string;
  bookingId: string;
  senderId: string;
  allowedAtMs: number;
  /** Receipt times, kept only for verdict() (not with onViolation). */
  receipts: number[];
}

export function createTypingLimitChecker(options: {
  intervalMs: number;
  /** Receipts are timed at the receiver: relays exactly one interval apart may land a little closer. */
  slackMs?: number;
  /** Times in evidence are shown relative to this (e.g. the first send); default the first receipt. */
  originMs?: number;
  /** Hands each extra receipt over as it arrives (a load run), instead of keeping receipts for verdict(). */
  onViolation?(violation: TypingViolation): void;
}): TypingLimitChecker {
  const slackMs = options.slackMs ?? 200;
  const { intervalMs, onViolation } = options;
  /** Per receiving socket (so one that leaves is forgotten at once), per booking and sender. */
  const sockets = new Map<string, Map<string, TypingStream>>();
  let count = 0;
  /** The one rule: a receipt closer than the interval (less the slack) to the last allowed one is an extra. */
  const isExtra = (stream: TypingStream, atMs: number): boolean => {
    if (atMs - stream.allowedAtMs < intervalMs - slackMs) return true;
    stream.allowedAtMs = atMs;
    return false;
  };
  return {
    observe(observation) {
      const { socket, bookingId, senderId, atMs } = observation;
      let streams = sockets.get(socket);
      if (!streams) sockets.set(socket, (streams = new Map()));
      const key = `${bookingId}\u0000${senderId}`;
      let stream = streams.get(key);
      if (!stream) {
        streams.set(key, (stream = { socket, bookingId, senderId, allowedAtMs: -Infinity, receipts: [] }));
        count++;
      }
      if (!onViolation) {
        stream.receipts.push(atMs);
        return;
      }
      const allowedAtMs = stream.allowedAtMs;
      if (isExtra(stream, atMs)) {
        onViolation({
          socket, bookingId, senderId,
          expected: `at most one typing:start per ${intervalMs} ms from ${senderId}`,
          observed: `typing:start ${Math.round(atMs - allowedAtMs)} ms after the last one let through`,
        });
      }
    },
    forget(socket, bookingId) {
      const streams = sockets.get(socket);
      if (!streams) return;
      for (const [key, stream] of streams) {
        if (bookingId === undefined || stream.bookingId === bookingId) {
          streams.delete(key);
          count--;
        }
      }
      if (streams.size === 0) sockets.delete(socket);
    },
    forgetQuiet(nowMs) {
      for (const [socket, streams] of sockets) {
        for (const [key, stream] of streams) {
          if (nowMs - stream.allowedAtMs < intervalMs) continue;
          streams.delete(key);
          count--;
        }
        if (streams.size === 0) sockets.delete(socket);
      }
    },
    size: () => count,
    verdict() {
      const evidence: string[] = [];
      for (const stream of [...sockets.values()].flatMap((streams) => [...streams.values()])) {
        const receipts = [...stream.receipts].sort((a, b) => a - b);
        if (receipts.length === 0) continue;
        // Walk the receipts keeping the last one that was allowed; any closer than the interval is an extra.
        const walk: TypingStream = { ...stream, allowedAtMs: -Infinity };
        let extras = 0;
        for (const atMs of receipts) if (isExtra(walk, atMs)) extras += 1;
        if (extras === 0) continue;
        const { socket, bookingId, senderId } = stream;
        const origin = options.originMs ?? receipts[0]!;
        const shown = receipts.slice(0, 10).map((atMs) => `+${atMs - origin}`);
        if (receipts.length > 10) shown.push('…');
        const spanMs = receipts.at(-1)! - receipts[0]!;
        evidence.push(
          `${socket} received ${receipts.length} typing:start from ${senderId} in booking ${bookingId} within ${spanMs} ms (at ${shown.join(', ')} ms); at most one per ${intervalMs} ms may reach a receiver`,
        );
      }
      return { passed: evidence.length === 0, evidence };
    },
  };
}
