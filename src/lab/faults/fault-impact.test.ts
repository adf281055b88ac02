import { describe, expect, it } from 'vitest';
import type { RunTimeline } from '../../metrics/timeline.ts';
import { analyzeFaultImpact, type FaultEvent } from './fault-impact.ts';

/** A 1 s timeline of `n` intervals: delivery p99 of 10 ms and 100 deliveries each, unless changed. */
function timeline(n: number, change: (t: RunTimeline) => void = () => {}): RunTimeline {
  const t: RunTimeline = {
    intervalMs: 1_000,
    merged: false,
    atMs: Array.from({ length: n }, (_, i) => (i + 1) * 1_000),
    vus: new Array(n).fill(10),
    liveUsers: new Array(n).fill(20),
    latencies: {
      'delivery{event:message:new,room:booking}': {
        count: new Array(n).fill(100),
        p50Us: new Array(n).fill(5_000),
        p95Us: new Array(n).fill(8_000),
        p99Us: new Array(n).fill(10_000),
        maxUs: new Array(n).fill(12_000),
      },
    },
    counters: {},
  };
  change(t);
  return t;
}

const p99 = (t: RunTimeline) => t.latencies['delivery{event:message:new,room:booking}']!.p99Us;
const count = (t: RunTimeline) => t.latencies['delivery{event:message:new,room:booking}']!.count;
const fault = (label: string, atMs: number, endMs = atMs): FaultEvent => ({ kind: label.split(' ')[0]!, label, atMs, endMs, applied: true });

describe('analyzeFaultImpact', () => {
  it('a fault that changed nothing recovers at once', () => {
    const [impact] = analyzeFaultImpact(timeline(10), [fault('kill-node 1 at 4s', 4_000)]);
    expect(impact).toMatchObject({ recovered: true, timeToRecoverMs: 0, violations: {}, disconnects: {}, errors: {}, reconnects: 0, baselineP99Us: 10_000 });
  });

  it('counts the violations, disconnects by reason and reconnects in the window after the fault', () => {
    const t = timeline(10, (t) => {
      t.counters['violations{kind:loss}'] = [0, 0, 0, 0, 0, 3, 0, 0, 0, 0];
      t.counters['violations{kind:order}'] = [1, 0, 0, 0, 0, 2, 0, 0, 0, 0];
      t.counters['disconnects{reason:transport close}'] = [0, 0, 0, 0, 7, 1, 0, 0, 0, 0];
      t.counters['disconnects{reason:ping timeout}'] = [0, 0, 0, 0, 0, 2, 0, 0, 0, 0];
      t.counters.reconnect_failures = [0, 0, 0, 0, 0, 0, 1, 0, 0, 0];
      t.latencies.reconnect = { count: [0, 0, 0, 0, 0, 6, 3, 0, 0, 0], p50Us: [], p95Us: [], p99Us: [], maxUs: [] };
    });
    const [impact] = analyzeFaultImpact(t, [fault('kill-node 1 at 4s', 4_000)]);
    expect(impact).toMatchObject({
      violations: { loss: 3, order: 2 },
      disconnects: { 'transport close': 8, 'ping timeout': 2 },
      reconnects: 9,
      reconnectFailures: 1,
    });
  });

  it('recovers once delivery is complete again and p99 within 2x of before, for two intervals in a row', () => {
    const t = timeline(12, (t) => {
      // fault 3-5 s: p99 spikes, losses are declared after it, then a lone good interval, then good for good
      p99(t).splice(3, 6, 500_000, 400_000, 300_000, 15_000, 90_000, 12_000);
      t.counters['violations{kind:loss}'] = [0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0];
    });
    const [impact] = analyzeFaultImpact(t, [fault('freeze-node 0 at 3s for 2s', 3_000, 5_000)], { baselineFloorUs: 1_000 });
    // interval 6-7 s (15 ms) is good but 7-8 s (90 ms) is not; 8-9 s and 9-10 s are
    expect(impact).toMatchObject({ recovered: true, recoveredAtMs: 8_000, timeToRecoverMs: 3_000, baselineP99Us: 10_000, worstP99Us: 500_000 });
    // By default a baseline counts as at least 50 ms: 90 ms is then within 2x, and 6-7 s starts the recovery.
    expect(analyzeFaultImpact(t, [fault('freeze-node 0 at 3s for 2s', 3_000, 5_000)])[0]).toMatchObject({ recoveredAtMs: 6_000 });
  });

  it('a run that ends before delivery is back has not recovered', () => {
    const t = timeline(8, (t) => {
      for (let i = 4; i < 8; i++) count(t)[i] = 0;
      for (let i = 4; i < 8; i++) p99(t)[i] = null;
    });
    const [impact] = analyzeFaultImpact(t, [fault('partition redis at 4s for 1s', 4_000, 5_000)]);
    expect(impact).toMatchObject({ recovered: false });
    expect(impact!.timeToRecoverMs).toBeUndefined();
  });

  it('a window ends where the next fault starts, and faults that were not applied are left out', () => {
    const t = timeline(10, (t) => {
      t.counters['disconnects{reason:transport close}'] = [0, 0, 5, 0, 0, 0, 9, 0, 0, 0];
    });
    const impacts = analyzeFaultImpact(t, [
      fault('kill-node 0 at 2s', 2_000),
      { ...fault('kill-node 2 at 3s', 3_000), applied: false, error: 'no such node' },
      fault('kill-node 1 at 6s', 6_000),
    ]);
    expect(impacts.map((i) => [i.label, i.windowEndMs, i.disconnects])).toEqual([
      ['kill-node 0 at 2s', 6_000, { 'transport close': 5 }],
      ['kill-node 1 at 6s', 10_000, { 'transport close': 9 }],
    ]);
  });

  it('a fault at the very start has no baseline: recovery is judged on completeness alone', () => {
    const t = timeline(5, (t) => {
      p99(t)[1] = 900_000;
      t.counters['violations{kind:loss}'] = [2, 0, 0, 0, 0];
    });
    const [impact] = analyzeFaultImpact(t, [fault('stall entry at 0ms for 500ms', 0, 500)]);
    expect(impact).toMatchObject({ baselineP99Us: null, recovered: true, recoveredAtMs: 1_000 });
  });

  it('the baseline leaves out what an earlier fault disturbed, and the run winding down does not hold recovery back', () => {
    const t = timeline(9, (t) => {
      p99(t).splice(1, 2, 800_000, 700_000); // the first fault's spike, recovered from 3 s
      p99(t)[5] = 15_000; // within 2x of the 10 ms before the first fault
      t.vus[8] = 0;
      count(t)[8] = 0;
      p99(t)[8] = null;
    });
    const [, second] = analyzeFaultImpact(t, [fault('freeze-node 0 at 1s for 1s', 1_000, 2_000), fault('kill-node 1 at 5s', 5_000)]);
    expect(second).toMatchObject({ baselineP99Us: 10_000, recovered: true, recoveredAtMs: 5_000 });
  });
});
