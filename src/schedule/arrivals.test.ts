import { describe, expect, it } from 'vitest';
import { arrivalsBetween, ratePerSecAt, totalArrivals } from './arrivals.ts';
import { planSchedule, type SchedulePlan } from './plan.ts';

/** Arrivals in each whole second of the run. */
function perSecond(plan: SchedulePlan): number[] {
  const counts: number[] = [];
  for (let startMs = 0; startMs < plan.durationMs; startMs += 1_000) {
    counts.push(arrivalsBetween(plan, startMs, startMs + 1_000).length);
  }
  return counts;
}

describe('arrival counts per second', () => {
  it.each([
    ['constant 10/s for 10s', { type: 'constant-arrival-rate', rate: 10, duration: '10s' }, Array(10).fill(10)],
    ['constant 3/s (uneven spacing)', { type: 'constant-arrival-rate', rate: 3, duration: '5s' }, Array(5).fill(3)],
    ['constant 120/1m is 2/s', { type: 'constant-arrival-rate', rate: 120, timeUnit: '1m', duration: '5s' }, Array(5).fill(2)],
    ['constant 1/2s', { type: 'constant-arrival-rate', rate: 1, timeUnit: '2s', duration: '6s' }, [1, 0, 1, 0, 1, 0]],
    ['ramping 0→100/s over 10s', { type: 'ramping-arrival-rate', stages: [{ target: 100, duration: '10s' }] }, [5, 15, 25, 35, 45, 55, 65, 75, 85, 95]],
    ['ramping 100→0/s over 10s', { type: 'ramping-arrival-rate', startRate: 100, stages: [{ target: 0, duration: '10s' }] }, [95, 85, 75, 65, 55, 45, 35, 25, 15, 5]],
    ['ramping at a constant rate', { type: 'ramping-arrival-rate', startRate: 10, stages: [{ target: 10, duration: '5s' }] }, Array(5).fill(10)],
    ['ramp, then hold', { type: 'ramping-arrival-rate', stages: [{ target: 20, duration: '2s' }, { target: 20, duration: '3s' }] }, [5, 15, 20, 20, 20]],
    ['a pause, then a ramp', { type: 'ramping-arrival-rate', stages: [{ target: 0, duration: '3s' }, { target: 20, duration: '2s' }] }, [0, 0, 0, 5, 15]],
    ['a jump (0-duration stage)', { type: 'ramping-arrival-rate', startRate: 2, stages: [{ target: 2, duration: '2s' }, { target: 7, duration: '0s' }, { target: 7, duration: '2s' }] }, [2, 2, 7, 7]],
    // 1200/1m is 20/s at the end: N(t) = 2.5·t², due by each second 2.5, 10, 22.5, 40.
    ['ramp over a timeUnit of 1m', { type: 'ramping-arrival-rate', timeUnit: '1m', stages: [{ target: 1_200, duration: '4s' }] }, [3, 7, 13, 17]],
  ])('%s', (_name, config, expected) => {
    const plan = planSchedule(config);
    expect(perSecond(plan)).toEqual(expected);
    expect(totalArrivals(plan)).toBe(expected.reduce((sum, n) => sum + n, 0));
  });

  it('ramping 0→100/s over 10 s starts 500 arrivals, more each second', () => {
    const plan = planSchedule({ type: 'ramping-arrival-rate', stages: [{ target: 100, duration: '10s' }] });
    expect(arrivalsBetween(plan, 0, 10_000)).toHaveLength(500);
    const counts = perSecond(plan);
    expect(counts.every((count, i) => i === 0 || count > (counts[i - 1] as number))).toBe(true);
  });
});

describe('arrival times', () => {
  it.each([
    ['constant: i·unit/rate, the first at 0', { type: 'constant-arrival-rate', rate: 4, duration: '1s' }, [0, 250, 500, 750]],
    ['constant, uneven', { type: 'constant-arrival-rate', rate: 3, duration: '1s' }, [0, 1_000 / 3, 2_000 / 3]],
    // N(t) = 5t² (t in s): arrival k at √(k/5) s.
    ['ramp from 0', { type: 'ramping-arrival-rate', stages: [{ target: 10, duration: '1s' }] }, [0, Math.sqrt(0.2) * 1_000, Math.sqrt(0.4) * 1_000, Math.sqrt(0.6) * 1_000, Math.sqrt(0.8) * 1_000]],
    // 7.5 arrivals due by 1.5 s; arrival 8 needs half an arrival more at 10/s: 50 ms later.
    ['fractions carry into the next stage', { type: 'ramping-arrival-rate', stages: [{ target: 10, duration: '1.5s' }, { target: 10, duration: '1s' }] }, undefined],
  ])('%s', (_name, config, expected) => {
    const plan = planSchedule(config);
    const times = arrivalsBetween(plan, 0, plan.durationMs);
    if (expected) {
      expect(times).toHaveLength(expected.length);
      times.forEach((timeMs, i) => expect(timeMs).toBeCloseTo(expected[i] as number, 6));
    } else {
      expect(times[8]).toBe(1_550);
      expect(times[9]).toBe(1_650);
    }
  });

  it('an arrival due when the rate drops to 0 waits for the rate to rise again', () => {
    // 10 arrivals in [0, 1 s), then 2 s at rate 0: arrival 10 starts at 3 s, not at 1 s.
    const plan = planSchedule({
      type: 'ramping-arrival-rate',
      startRate: 10,
      stages: [
        { target: 10, duration: '1s' },
        { target: 0, duration: '0s' },
        { target: 0, duration: '2s' },
        { target: 10, duration: '0s' },
        { target: 10, duration: '1s' },
      ],
    });
    expect(arrivalsBetween(plan, 1_000, 3_000)).toEqual([]);
    expect(arrivalsBetween(plan, 3_000, 3_001)).toEqual([3_000]);
    expect(perSecond(plan)).toEqual([10, 0, 0, 10]);
  });

  it('a run that opens with a pause starts nothing during it', () => {
    const plan = planSchedule({ type: 'ramping-arrival-rate', stages: [{ target: 0, duration: '5s' }, { target: 10, duration: '0s' }, { target: 10, duration: '1s' }] });
    expect(arrivalsBetween(plan, 0, 5_000)).toEqual([]);
    expect(arrivalsBetween(plan, 5_000, 6_000)[0]).toBe(5_000);
  });
});

describe('arrivalsBetween windows', () => {
  const plans = [
    planSchedule({ type: 'constant-arrival-rate', rate: 7, duration: '3s' }),
    planSchedule({ type: 'ramping-arrival-rate', startRate: 3, stages: [{ target: 97, duration: '1.3s' }, { target: 0, duration: '1.7s' }] }),
    planSchedule({ type: 'ramping-arrival-rate', timeUnit: '1m', stages: [{ target: 6_000, duration: '2s' }, { target: 0, duration: '0s' }, { target: 0, duration: '1s' }, { target: 600, duration: '1s' }] }),
  ];

  it.each(plans.map((plan, i) => [i, plan] as const))('plan %i: any split into windows starts every arrival exactly once, in order', (_i, plan) => {
    const whole = arrivalsBetween(plan, 0, plan.durationMs);
    for (const stepMs of [1, 7.3, 10, 16.7, 250]) {
      const pieces: number[] = [];
      for (let fromMs = 0; fromMs < plan.durationMs; fromMs += stepMs) {
        const window = arrivalsBetween(plan, fromMs, fromMs + stepMs);
        window.forEach((timeMs) => {
          expect(timeMs).toBeGreaterThanOrEqual(fromMs);
          expect(timeMs).toBeLessThan(fromMs + stepMs);
        });
        pieces.push(...window);
      }
      expect(pieces).toEqual(whole);
    }
    expect(whole).toEqual([...whole].sort((a, b) => a - b));
    expect(whole).toHaveLength(totalArrivals(plan));
  });

  it.each([
    ['before the run', -500, 0, 0],
    ['after the run', 10_000, 20_000, 0],
    ['empty window', 500, 500, 0],
    ['reversed window', 600, 500, 0],
    ['straddling the start', -500, 500, 5],
    ['straddling the end', 9_500, 20_000, 5],
  ])('%s', (_name, fromMs, toMs, count) => {
    const plan = planSchedule({ type: 'constant-arrival-rate', rate: 10, duration: '10s' });
    expect(arrivalsBetween(plan, fromMs, toMs)).toHaveLength(count);
  });

  it('is empty for a closed model', () => {
    const plan = planSchedule({ type: 'constant-vus', vus: 10, duration: '10s' });
    expect(arrivalsBetween(plan, 0, 10_000)).toEqual([]);
    expect(totalArrivals(plan)).toBe(0);
  });
});

describe('ratePerSecAt', () => {
  const plan = planSchedule({ type: 'ramping-arrival-rate', timeUnit: '1m', stages: [{ target: 600, duration: '10s' }] });
  it.each([
    [-1, 0],
    [0, 0],
    [5_000, 5],
    [9_999, 9.999],
    [10_000, 0],
  ])('at %d ms: %d/s', (timeMs, expected) => {
    expect(ratePerSecAt(plan, timeMs)).toBeCloseTo(expected, 9);
  });
});
