import { describe, expect, it } from 'vitest';
import { emptyTrendSummary } from './histogram.ts';
import { createTimeline, timelineIntervalMs, type TimelineWindow } from './timeline.ts';

const figures = (p95Us: number, count = 10) => ({ ...emptyTrendSummary(), count, p50Us: p95Us / 2, p95Us, p99Us: p95Us * 2, maxUs: p95Us * 3 });

function window(atMs: number, overrides: Partial<TimelineWindow> = {}): TimelineWindow {
  return { atMs, vus: 1, liveUsers: 2, latencies: [], counters: [], ...overrides };
}

describe('timelineIntervalMs', () => {
  it.each([
    [0, 1_000],
    [60_000, 1_000],
    [300_000, 1_000],
    [301_000, 2_000],
    [3_600_000, 12_000],
  ])('a run of %i ms is sampled every %i ms', (plannedMs, intervalMs) => expect(timelineIntervalMs(plannedMs)).toBe(intervalMs));
});

describe('createTimeline', () => {
  it('keeps one column entry per interval, nulls where a series had no sample, and counter growth per interval', () => {
    const timeline = createTimeline({ intervalMs: 1_000 });
    timeline.add(window(1_000, { latencies: [{ key: 'ack', summary: figures(100) }], counters: [{ key: 'errors{code:x}', value: 2 }] }));
    timeline.add(window(2_000, { vus: 3, counters: [{ key: 'errors{code:x}', value: 2 }, { key: 'iterations', value: 5 }] }));
    timeline.add(window(3_000, { latencies: [{ key: 'ack', summary: figures(300, 4) }], counters: [{ key: 'errors{code:x}', value: 7 }, { key: 'iterations', value: 9 }] }));
    expect(timeline.snapshot()).toEqual({
      intervalMs: 1_000,
      merged: false,
      atMs: [1_000, 2_000, 3_000],
      vus: [1, 3, 1],
      liveUsers: [2, 2, 2],
      latencies: { ack: { count: [10, 0, 4], p50Us: [50, null, 150], p95Us: [100, null, 300], p99Us: [200, null, 600], maxUs: [300, null, 900] } },
      counters: { 'errors{code:x}': [2, 0, 5], iterations: [0, 5, 4] },
    });
  });

  it('stays within maxPoints however long the run: pairs merge, counts add, percentiles take the higher', () => {
    const timeline = createTimeline({ intervalMs: 1_000, maxPoints: 4 });
    for (let s = 1; s <= 9; s++) {
      timeline.add(window(s * 1_000, { vus: s, latencies: [{ key: 'ack', summary: figures(s * 100) }], counters: [{ key: 'iterations', value: s * 10 }] }));
    }
    const snapshot = timeline.snapshot();
    expect(snapshot.merged).toBe(true);
    expect(snapshot.intervalMs).toBe(4_000);
    expect(snapshot.atMs).toEqual([4_000, 8_000, 9_000]);
    expect(snapshot.vus).toEqual([4, 8, 9]);
    expect(snapshot.latencies.ack?.count).toEqual([40, 40, 10]);
    expect(snapshot.latencies.ack?.p95Us).toEqual([400, 800, 900]);
    // nothing lost: the growth of a counter adds up to its total
    expect(snapshot.counters.iterations).toEqual([40, 40, 10]);
  });

  it('keeps intervals of one width through every halving: each point holds a full interval but the last', () => {
    for (const maxPoints of [2, 3, 4, 5, 7]) {
      for (let windows = 1; windows <= 40; windows++) {
        const timeline = createTimeline({ intervalMs: 1_000, maxPoints });
        for (let s = 1; s <= windows; s++) timeline.add(window(s * 1_000, { latencies: [{ key: 'ack', summary: figures(100, 1) }] }));
        const { intervalMs, atMs, latencies } = timeline.snapshot();
        const counts = latencies.ack!.count;
        const perPoint = intervalMs / 1_000;
        expect(atMs.length, `${windows} windows, maxPoints ${maxPoints}`).toBeLessThanOrEqual(maxPoints);
        expect(counts.slice(0, -1).every((n) => n === perPoint), `${windows} windows, maxPoints ${maxPoints}: ${counts}`).toBe(true);
        expect(counts.at(-1)).toBeLessThanOrEqual(perPoint);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(windows);
        // Each point ends where its windows do.
        expect(atMs).toEqual(counts.map((_, i) => 1_000 * counts.slice(0, i + 1).reduce((a, b) => a + b, 0)));
      }
    }
  });

  it('counts growth from the totals it started with', () => {
    const timeline = createTimeline({ intervalMs: 1_000 });
    timeline.start([{ key: 'errors{code:x}', value: 3 }]);
    timeline.add(window(1_000, { counters: [{ key: 'errors{code:x}', value: 4 }] }));
    expect(timeline.snapshot().counters).toEqual({ 'errors{code:x}': [1] });
  });

  it('holds at most maxPoints for a long run', () => {
    const timeline = createTimeline({ intervalMs: 1_000, maxPoints: 300 });
    for (let s = 1; s <= 10_000; s++) timeline.add(window(s * 1_000, { counters: [{ key: 'iterations', value: s }] }));
    const snapshot = timeline.snapshot();
    expect(snapshot.atMs.length).toBeLessThanOrEqual(300);
    expect(snapshot.counters.iterations?.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(snapshot.atMs.at(-1)).toBe(10_000_000);
  });
});
