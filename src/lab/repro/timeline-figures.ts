import type { RunTimeline } from '../../metrics/timeline.ts';
import { deliveriesAt, intervalStartMs, lossesAt } from '../../metrics/timeline-reads.ts';

/**
 * Figures read off a run's timeline between two moments (ms since the schedule started). Each
 * interval counts once, in the stretch its start falls in, so stretches that meet never count
 * an interval twice (a fault's own window does: src/lab/faults/fault-impact.ts).
 */

function intervalsFrom(timeline: RunTimeline, fromMs: number, toMs: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < timeline.atMs.length; i++) {
    const start = intervalStartMs(timeline, i);
    if (start >= fromMs && start < toMs) found.push(i);
  }
  return found;
}

/** Deliveries declared lost (src/metrics/timeline-reads.ts, lossesAt) in the intervals that start in [fromMs, toMs). */
export function lostBetween(timeline: RunTimeline, fromMs: number, toMs = Infinity): number {
  let lost = 0;
  for (const i of intervalsFrom(timeline, fromMs, toMs)) lost += lossesAt(timeline, i);
  return lost;
}

/** Deliveries made (every `delivery` series) in the intervals that start in [fromMs, toMs). */
export function deliveredBetween(timeline: RunTimeline, fromMs: number, toMs = Infinity): number {
  let delivered = 0;
  for (const i of intervalsFrom(timeline, fromMs, toMs)) delivered += deliveriesAt(timeline, i);
  return delivered;
}
