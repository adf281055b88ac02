import { describe, expect, it } from 'vitest';
import type { RunTimeline } from '../../metrics/timeline.ts';
import { deliveredBetween, lostBetween } from './timeline-figures.ts';

const latency = (count: number[]) => ({ count, p50Us: count.map(() => null), p95Us: count.map(() => null), p99Us: count.map(() => null), maxUs: count.map(() => null) });

// Four 1 s intervals: [0,1000) [1000,2000) [2000,3000) [3000,3500).
const timeline: RunTimeline = {
  intervalMs: 1_000,
  merged: false,
  atMs: [1_000, 2_000, 3_000, 3_500],
  vus: [1, 1, 1, 0],
  liveUsers: [1, 1, 1, 0],
  latencies: { 'delivery{event:message:new}': latency([10, 8, 9, 1]), 'ack{event:message:send}': latency([5, 5, 5, 0]) },
  counters: {
    'violations{kind:loss}': [0, 2, 0, 3],
    'delivery_timeouts{event:message:new}': [0, 2, 1, 3],
    'violations{kind:order}': [0, 0, 7, 0],
  },
};

describe('timeline figures', () => {
  it('counts a lost delivery once, though it is both a loss violation and a delivery timeout', () => {
    expect(lostBetween(timeline, 0)).toBe(6);
  });

  it('gives each interval to the stretch its start falls in, so stretches that meet share none', () => {
    expect(lostBetween(timeline, 0, 2_000) + lostBetween(timeline, 2_000)).toBe(lostBetween(timeline, 0));
    expect(lostBetween(timeline, 1_500, 3_000)).toBe(1);
    expect(lostBetween(timeline, 3_001)).toBe(0);
  });

  it('counts the deliveries made, and no other latency', () => {
    expect(deliveredBetween(timeline, 2_000)).toBe(10);
    expect(deliveredBetween(timeline, 0, 1_000)).toBe(10);
  });
});
