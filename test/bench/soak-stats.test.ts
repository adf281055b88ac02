import { describe, expect, it } from 'vitest';
import { judgeSoak, leastSquaresSlope, leastSquaresWithCovariate, type SoakSample } from '../../bench/soak-stats.ts';

const MB = 2 ** 20;
const idle = { liveUsers: 0, checkerStreams: 0, pending: 0, unclaimed: 0, pairedStreams: 0, entitlements: 0, readMarks: 0, firstDeliveries: 0, cachedTokens: 0 };
/** A sample every 20 s over 10 minutes, heap from `heapAt(ms)`. */
const series = (heapAt: (atMs: number) => number): SoakSample[] =>
  Array.from({ length: 31 }, (_, i) => ({ atMs: i * 20_000, heapUsedBytes: heapAt(i * 20_000), rssBytes: 200 * MB, inFlight: idle }));

describe('leastSquaresSlope', () => {
  it('is the slope of a line through the points, and of the best line through scattered ones', () => {
    expect(leastSquaresSlope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBeCloseTo(2);
    expect(leastSquaresSlope([{ x: 0, y: 0 }, { x: 1, y: 2 }, { x: 2, y: 0 }, { x: 3, y: 2 }])).toBeCloseTo(0.4);
  });

  it('has no slope with fewer than two points or one x', () => {
    expect(leastSquaresSlope([])).toBeUndefined();
    expect(leastSquaresSlope([{ x: 1, y: 1 }])).toBeUndefined();
    expect(leastSquaresSlope([{ x: 1, y: 1 }, { x: 1, y: 5 }])).toBeUndefined();
  });
});

describe('leastSquaresWithCovariate', () => {
  it('separates the trend over x from what follows u', () => {
    const points = [[0, 1], [1, 3], [2, 2], [3, 5], [4, 4]].map(([x, u]) => ({ x: x!, u: u!, y: 7 + 2 * x! + 10 * u! }));
    const fit = leastSquaresWithCovariate(points)!;
    expect(fit.slope).toBeCloseTo(2);
    expect(fit.perU).toBeCloseTo(10);
  });

  it('has no fit when u does not vary', () => {
    expect(leastSquaresWithCovariate([0, 1, 2, 3].map((x) => ({ x, u: 5, y: x })))).toBeUndefined();
  });
});

describe('judgeSoak', () => {
  const options = { scheduleMs: 600_000, warmupMs: 120_000 };

  it('calls a heap that grew during the warm-up and then stayed level, with noise, flat', () => {
    const verdict = judgeSoak(series((t) => (t < 120_000 ? 30 * MB + t * 40 : 35 * MB) + ((t / 20_000) % 2) * 0.2 * MB), options);
    expect(verdict.flat).toBe(true);
    expect(verdict.warmupHeapBytes).toBe(35 * MB);
    expect(Math.abs(verdict.slopeBytesPerMin!)).toBeLessThan(0.05 * MB);
  });

  it('calls a heap growing by what has happened (a leak of 1 MB a minute) growing, whatever its warm-up', () => {
    const verdict = judgeSoak(series((t) => 40 * MB + (t / 60_000) * MB), options);
    expect(verdict.flat).toBe(false);
    expect(verdict.slopeBytesPerMin! / MB).toBeCloseTo(1);
    expect(verdict.growthPer10MinBytes! / MB).toBeCloseTo(10);
    expect(verdict.endHeapBytes).toBe(50 * MB);
  });

  it('fits the second half only: growth before it does not count, growth in it does', () => {
    const early = judgeSoak(series((t) => (t < 300_000 ? 20 * MB + t * 30 : 20 * MB + 300_000 * 30)), options);
    expect(early.flat).toBe(true);
    const late = judgeSoak(series((t) => (t < 300_000 ? 30 * MB : 30 * MB + (t - 300_000) * 30)), options);
    expect(late.flat).toBe(false);
  });

  it('leaves out samples taken after the schedule (the graceful stop, users leaving)', () => {
    const samples = series(() => 30 * MB);
    samples.push({ atMs: 610_000, heapUsedBytes: 10 * MB, rssBytes: 0, inFlight: idle });
    const verdict = judgeSoak(samples, options);
    expect(verdict.endHeapBytes).toBe(30 * MB);
    expect(verdict.flat).toBe(true);
  });

  it('does not count a heap that follows more users alive at once (a loaded machine) as growth, and sees a leak beside it', () => {
    // Iterations slow down: the crowd grows from 300 to 400 users over the second half, 20 KB each.
    const crowd = (t: number) => 300 + Math.max(0, t - 300_000) / 3_000 + ((t / 20_000) % 3);
    const busy = series(() => 0).map((s) => ({ ...s, inFlight: { ...idle, liveUsers: crowd(s.atMs) } }));
    const held = judgeSoak(busy.map((s) => ({ ...s, heapUsedBytes: 30 * MB + s.inFlight.liveUsers * 20_000 })), options);
    expect(held.slopeBytesPerMin! / MB).toBeGreaterThan(0.3);
    expect(Math.abs(held.slopeBeyondLiveUsersBytesPerMin!)).toBeLessThan(1_000);
    expect(held.heapPerLiveUserBytes).toBeCloseTo(20_000);
    expect(held.flat).toBe(true);
    const leaking = judgeSoak(busy.map((s) => ({ ...s, heapUsedBytes: 30 * MB + s.inFlight.liveUsers * 20_000 + (s.atMs / 60_000) * MB })), options);
    expect(leaking.slopeBeyondLiveUsersBytesPerMin! / MB).toBeCloseTo(1);
    expect(leaking.flat).toBe(false);
  });

  it('does not judge fewer than three samples in the second half', () => {
    const verdict = judgeSoak(series(() => 30 * MB).filter((s) => s.atMs < 300_000 || s.atMs >= 580_000), options);
    expect(verdict.secondHalfSamples).toBe(2);
    expect(verdict.flat).toBeUndefined();
  });
});
