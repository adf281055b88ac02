import type { RunTimeline } from './timeline.ts';

/**
 * What one interval of a run's timeline says about delivery, read the same way by every report
 * on faults (src/lab/faults/fault-impact.ts, src/lab/repro/timeline-figures.ts).
 */

/** A delivery latency series: `delivery`, or `delivery{...}`. */
export const isDeliverySeries = (key: string): boolean => key === 'delivery' || key.startsWith('delivery{');

/** A delivery-timeout counter: `delivery_timeouts`, or `delivery_timeouts{...}`. */
const isDeliveryTimeouts = (key: string): boolean => key === 'delivery_timeouts' || key.startsWith('delivery_timeouts{');

/** Where interval `i` starts, ms since the schedule started (the previous one's end; the first is one interval long). */
export function intervalStartMs(timeline: RunTimeline, i: number): number {
  return i === 0 ? Math.max(0, (timeline.atMs[0] ?? 0) - timeline.intervalMs) : (timeline.atMs[i - 1] as number);
}

/** Deliveries made in interval `i`, every delivery series together. */
export function deliveriesAt(timeline: RunTimeline, i: number): number {
  let delivered = 0;
  for (const [key, latency] of Object.entries(timeline.latencies)) if (isDeliverySeries(key)) delivered += latency.count[i] ?? 0;
  return delivered;
}

/**
 * Deliveries declared lost in interval `i`: a lost delivery is a `loss` violation and a delivery
 * timeout, the same event, so the larger of the two counts (a run without checking has only the
 * timeouts). A loss is declared `deliveryTimeout` after its send.
 */
export function lossesAt(timeline: RunTimeline, i: number): number {
  const violations = timeline.counters['violations{kind:loss}']?.[i] ?? 0;
  let timeouts = 0;
  for (const [key, values] of Object.entries(timeline.counters)) if (isDeliveryTimeouts(key)) timeouts += values[i] ?? 0;
  return Math.max(violations, timeouts);
}
