import { describe, expect, it } from 'vitest';
import {
  judgeGeneratorHealth,
  LATE_SCHEDULE_LAG_MS,
  LOOP_SAMPLE_EVERY_MS,
  loopDelayMs,
  SCHEDULE_LAG_MIN_ARRIVALS,
  type HealthWindow,
} from './generator-health.ts';

const calm: HealthWindow = { loopDelayP99Ms: 1, loopDelayMaxMs: 3, cpuPercent: 20 };
const windows = Array<HealthWindow>(10).fill(calm);

describe('judgeGeneratorHealth: schedule lag', () => {
  it('reports the schedule-lag p99 beside the loop delay', () => {
    expect(judgeGeneratorHealth(windows, { scheduleLag: { count: 400, p99Us: 1_240 } })).toMatchObject({ saturated: false, scheduleLagP99Ms: 1.2 });
  });

  it('has no schedule lag without arrivals (closed model)', () => {
    expect(judgeGeneratorHealth(windows)).not.toHaveProperty('scheduleLagP99Ms');
    expect(judgeGeneratorHealth(windows, { scheduleLag: { count: 0, p99Us: 0 } })).not.toHaveProperty('scheduleLagP99Ms');
  });

  it('calls a generator whose arrivals started late saturated, and says so', () => {
    const health = judgeGeneratorHealth(windows, { scheduleLag: { count: 500, p99Us: (LATE_SCHEDULE_LAG_MS + 20) * 1000 } });
    expect(health.saturated).toBe(true);
    expect(health.note).toMatch(/arrivals started late: schedule lag p99 70 ms \(limit 50 ms\).*did not offer the load/);
  });

  it('does not judge a handful of arrivals: their p99 is one GC pause', () => {
    const health = judgeGeneratorHealth(windows, { scheduleLag: { count: SCHEDULE_LAG_MIN_ARRIVALS - 1, p99Us: 200_000 } });
    expect(health).toMatchObject({ saturated: false, scheduleLagP99Ms: 200 });
  });

  it('still judges the event loop on its own', () => {
    const busy: HealthWindow = { loopDelayP99Ms: 80, loopDelayMaxMs: 120, cpuPercent: 99 };
    const health = judgeGeneratorHealth([busy, busy, calm], { scheduleLag: { count: 500, p99Us: 1_000 } });
    expect(health.saturated).toBe(true);
    expect(health.note).toMatch(/event-loop delay p99 exceeded 50 ms in 2 of 3/);
    expect(health.note).not.toMatch(/arrivals started late/);
  });
});

describe('loop delay', () => {
  it('is the sample interval beyond the sampling interval, not the interval itself', () => {
    // monitorEventLoopDelay records the time between its timer callbacks: an idle loop records ~10 ms.
    expect(loopDelayMs(LOOP_SAMPLE_EVERY_MS * 1e6 + 70_000)).toBeCloseTo(0.07, 5);
    expect(loopDelayMs((LOOP_SAMPLE_EVERY_MS + 42) * 1e6)).toBe(42);
    expect(loopDelayMs(3e6)).toBe(0);
  });

  it('reports the p99 over the whole run beside the worst window', () => {
    expect(judgeGeneratorHealth(windows, { loopDelayP99OverRunMs: 0.84 })).toMatchObject({ loopDelayP99Ms: 1, loopDelayP99OverRunMs: 0.8 });
  });
});
