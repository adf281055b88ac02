/*
 * How long a check waits before it decides that nothing arrived (docs/checks.md, "Absence
 * windows"). A fixed wait is either too short for a remote target or a cluster, where a leak
 * can trail its control by a network round trip or a cross-node hop, or needlessly long on
 * loopback. So the window is sized from the latency the check itself measured on this target:
 * its ack round trips, its HTTP calls and the deliveries it timed (a trigger to a control's
 * receipt), the slowest of them, times a factor, never below a floor nor above a ceiling.
 */

/** Loopback and a busy event loop: never decide absence sooner than this. */
export const ABSENCE_FLOOR_MS = 250;
/** A leak may take a path as slow again as the slowest one measured (another node, another hop). */
export const ABSENCE_LATENCY_FACTOR = 2;
/** Keeps a check inside its timeout when one measurement was pathological. */
export const ABSENCE_CEILING_MS = 10_000;

/** window = min(ceiling, max(floor, factor × slowest measured latency)). */
export function absenceWindowMs(measuredMs: Iterable<number>): number {
  let slowestMs = 0;
  for (const ms of measuredMs) if (Number.isFinite(ms) && ms > slowestMs) slowestMs = ms;
  return Math.min(ABSENCE_CEILING_MS, Math.max(ABSENCE_FLOOR_MS, Math.ceil(ABSENCE_LATENCY_FACTOR * slowestMs)));
}
