import { describe, expect, it } from 'vitest';
import {
  judgeGeneratorHealth,
  LATE_SCHEDULE_LAG_MS,
  LOOP_SAMPLE_EVERY_MS,
  loopDelayMs,
  SCHEDULE_LAG_MIN_ARRIVALS,
  startHealthSampler,
  type HealthWindow,
} from './generator-health.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

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

describe('the health sampler over a long run', () => {
  it('holds what the verdict needs, not every window: 100,000 windows (28 hours) leave the heap as it was', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const sampler = startHealthSampler();
    try {
      sampler.sample();
      gc();
      const beforeBytes = process.memoryUsage().heapUsed;
      for (let i = 0; i < 100_000; i++) sampler.sample();
      gc();
      // Kept, the windows were about 73 B each: 7 MB. Folded, nothing grows but numbers.
      expect(process.memoryUsage().heapUsed - beforeBytes).toBeLessThan(3 * 2 ** 20);
      const health = sampler.current();
      expect(health.windows).toBe(100_001);
      expect(Number.isFinite(health.loopDelayP99Ms) && Number.isFinite(health.cpuPercent)).toBe(true);
    } finally {
      sampler.stop();
    }
  });

  it('judges the folded windows as it judged the list', () => {
    const busy: HealthWindow = { loopDelayP99Ms: 80, loopDelayMaxMs: 120, cpuPercent: 99 };
    const list = [calm, busy, calm, busy, { loopDelayP99Ms: 3, loopDelayMaxMs: 400, cpuPercent: 10 }];
    expect(judgeGeneratorHealth(list)).toEqual({
      saturated: true, windows: 5, saturatedWindows: 2, loopDelayP99Ms: 80, loopDelayMaxMs: 400, cpuPercent: 49.6,
      note: expect.stringMatching(/exceeded 50 ms in 2 of 5 one-second windows \(worst 80 ms\)/),
    });
  });
});
