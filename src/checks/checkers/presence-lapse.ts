/**
 * A user gone for good (docs/contract.md §6.4): each watcher is told `online:false` exactly
 * once, not before the TTL has lapsed since the user's last touch (a disconnect does not end
 * presence) and within TTL + sweep (plus a margin for the wire). Pure: one watcher's receipt
 * times in, evidence lines out (none when it holds).
 */
import { clockTime } from './presence-flicker.ts';

export interface OfflineAnnouncements {
  /** The watcher's connection, `user@cN`. */
  watcher: string;
  userId: string;
  /** When the user's last touch (a heartbeat) was sent, epoch ms: the TTL runs from no earlier. */
  lastTouchMs: number;
  ttlMs: number;
  sweepMs: number;
  marginMs: number;
  /** When this watcher received each `presence:changed {online:false}` for the user, in order. */
  offlineAtMs: number[];
  /** Timers may fire a hair early; an offline this much before the lapse is not held against the server. */
  toleranceMs?: number;
}

export function judgeOfflineAnnouncements(input: OfflineAnnouncements): string[] {
  const { watcher, userId, lastTouchMs, ttlMs, sweepMs, marginMs, offlineAtMs } = input;
  const toleranceMs = input.toleranceMs ?? 50;
  const deadlineMs = ttlMs + sweepMs + marginMs;
  const since = `${userId}'s last heartbeat at ${clockTime(lastTouchMs)}`;
  const first = offlineAtMs[0];
  if (first === undefined) {
    return [
      `${watcher} saw no presence:changed {online:false} for ${userId} within ${deadlineMs} ms of ${since} (TTL ${ttlMs} ms + sweep ${sweepMs} ms + ${marginMs} ms margin)`,
    ];
  }
  const evidence: string[] = [];
  const afterMs = first - lastTouchMs;
  if (afterMs < ttlMs - toleranceMs) {
    evidence.push(
      `${watcher} saw ${userId} go offline at ${clockTime(first)}, ${afterMs} ms after ${since}, before its ${ttlMs} ms TTL lapsed (a disconnect must not end presence)`,
    );
  } else if (afterMs > deadlineMs) {
    evidence.push(
      `${watcher} saw ${userId} go offline only at ${clockTime(first)}, ${afterMs} ms after ${since}, later than TTL ${ttlMs} ms + sweep ${sweepMs} ms + ${marginMs} ms margin`,
    );
  }
  if (offlineAtMs.length > 1) {
    evidence.push(
      `${watcher} saw ${userId} announced offline ${offlineAtMs.length} times (at ${offlineAtMs.map(clockTime).join(', ')}); a lapse is announced exactly once`,
    );
  }
  return evidence;
}
