/**
 * The typing limit (docs/contract.md §6.5): at most one `typing:start` per sender per booking
 * per interval reaches a receiver. Fed what each receiving connection got; says who got how
 * many, when. Pure: receipt times come in with the observations.
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

export interface TypingLimitChecker {
  observe(observation: TypingObservation): void;
  verdict(): CheckerVerdict;
}

export function createTypingLimitChecker(options: {
  intervalMs: number;
  /** Receipts are timed at the receiver: relays exactly one interval apart may land a little closer. */
  slackMs?: number;
  /** Times in evidence are shown relative to this (e.g. the first send); default the first receipt. */
  originMs?: number;
}): TypingLimitChecker {
  const slackMs = options.slackMs ?? 200;
  const streams = new Map<string, TypingObservation[]>();
  return {
    observe(observation) {
      const key = [observation.socket, observation.bookingId, observation.senderId].join('\u0000');
      let stream = streams.get(key);
      if (!stream) streams.set(key, (stream = []));
      stream.push(observation);
    },
    verdict() {
      const evidence: string[] = [];
      for (const stream of streams.values()) {
        stream.sort((a, b) => a.atMs - b.atMs);
        // Walk the receipts keeping the last one that was allowed; any closer than the interval is an extra.
        let allowedAtMs = -Infinity;
        let extras = 0;
        for (const o of stream) {
          if (o.atMs - allowedAtMs < options.intervalMs - slackMs) extras += 1;
          else allowedAtMs = o.atMs;
        }
        if (extras === 0) continue;
        const { socket, bookingId, senderId } = stream[0]!;
        const origin = options.originMs ?? stream[0]!.atMs;
        const shown = stream.slice(0, 10).map((o) => `+${o.atMs - origin}`);
        if (stream.length > 10) shown.push('…');
        const spanMs = stream.at(-1)!.atMs - stream[0]!.atMs;
        evidence.push(
          `${socket} received ${stream.length} typing:start from ${senderId} in booking ${bookingId} within ${spanMs} ms (at ${shown.join(', ')} ms); at most one per ${options.intervalMs} ms may reach a receiver`,
        );
      }
      return { passed: evidence.length === 0, evidence };
    },
  };
}
