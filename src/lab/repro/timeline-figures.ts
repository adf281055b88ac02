import type { RunTimeline } from '../../metrics/timeline.ts';

/**
 * Figures read off a run's timeline between two moments (ms since the schedule started). Each
 * interval counts once, in the stretch its start falls in, so stretches that meet never count
 * an interval twice (a fault's own window does: src/lab/faults/fault-impact.ts).
 */

function intervalStartMs(timeline: RunTimeline, i: number): number {
  return i === 0 ? Math.max(0, (timeline.atMs[0] ?? 0) - timeline.intervalMs) : (timeline.atMs[i - 1] as number);
}

function intervalsFrom(timeline: RunTimeline, fromMs: number, toMs: number): number[] {
  const found: number[] = [];
  for (let i = 0; i < timeline.atMs.length; i++) {
    const start = intervalStartMs(timeline, i);
    if (start >= fromMs && start < toMs) found.push(i);
  }
  return found;
}

function sumSeries(series: Record<string, number[]>, matches: (key: string) => boolean, i: number): number {
  let sum = 0;
  for (const [key, values] of Object.entries(series)) if (matches(key)) sum += values[i] ?? 0;
  return sum;
}

/**
 * Deliveries declared lost in the intervals that start in [fromMs, toMs): a lost delivery is a
 * `loss` violation and a delivery timeout, the same event, so each interval counts the larger.
 * A loss is declared `deliveryTimeout` after its send.
 */
export function lostBetween(timeline: RunTimeline, fromMs: number, toMs = Infinity): number {
  let lost = 0;
  for (const i of intervalsFrom(timeline, fromMs, toMs)) {
    const violations = timeline.counters['violations{kind:loss}']?.[i] ?? 0;
    const timeouts = sumSeries(timeline.counters, (k) => k === 'delivery_timeouts' || k.startsWith('delivery_timeouts{'), i);
    lost += Math.max(violations, timeouts);
  }
  return lost;
}

/** Deliveries made (every `delivery` series) in the intervals that start in [fromMs, toMs). */
export function deliveredBetween(timeline: RunTimeline, fromMs: number, toMs = Infinity): number {
  let delivered = 0;
  for (const i of intervalsFrom(timeline, fromMs, toMs)) {
    for (const [key, latency] of Object.entries(timeline.latencies)) {
      if (key === 'delivery' || key.startsWith('delivery{')) delivered += latency.count[i] ?? 0;
    }
  }
  return delivered;
}
