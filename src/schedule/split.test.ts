import { describe, expect, it } from 'vitest';
import { arrivalsBetween, totalArrivals } from './arrivals.ts';
import { planSchedule } from './plan.ts';
import { splitCount, splitPlan } from './split.ts';
import { vusAt } from './vus.ts';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('splitCount', () => {
  it.each([
    [7, 2, [4, 3]],
    [8, 2, [4, 4]],
    [1, 3, [1, 0, 0]],
    [0, 2, [0, 0]],
    [10, 3, [4, 3, 3]],
  ])('%i over %i workers is %j', (total, parts, expected) => {
    expect(splitCount(total, parts)).toEqual(expected);
  });

  it('refuses a fractional VU count and a bad number of parts', () => {
    expect(() => splitCount(2.5, 2)).toThrow(/whole number/);
    expect(() => splitCount(4, 0)).toThrow(/cannot split a schedule into 0 parts/);
  });
});

describe('splitPlan', () => {
  it('splits constant VUs 7 over 2 as 4 + 3', () => {
    const parts = splitPlan(planSchedule({ type: 'constant-vus', vus: 7, duration: '10s' }), 2);
    expect(parts.map((p) => p.maxVUs)).toEqual([4, 3]);
    expect(parts.map((p) => vusAt(p, 5_000))).toEqual([4, 3]);
  });

  it('splits a VU ramp so that every stage end sums to the plan', () => {
    const plan = planSchedule({ type: 'ramping-vus', startVUs: 0, stages: [{ target: 9, duration: '9s' }, { target: 3, duration: '3s' }] });
    const parts = splitPlan(plan, 2);
    for (const atMs of [0, 4_500, 8_999, 9_000, 10_500, 11_999]) {
      const whole = vusAt(plan, atMs);
      const split = sum(parts.map((p) => vusAt(p, atMs)));
      // Between stage ends each worker rounds its own line: off by less than one VU per worker.
      expect(Math.abs(whole - split)).toBeLessThan(2);
    }
    expect(parts.map((p) => p.segments.at(-1)?.to)).toEqual([2, 1]);
    expect(sum(parts.map((p) => p.maxVUs))).toBe(plan.maxVUs);
  });

  it('splits 10 arrivals/s over 2 workers as 5 + 5, together exactly the plan\'s arrivals', () => {
    const plan = planSchedule({ type: 'constant-arrival-rate', rate: 10, duration: '1s', preAllocatedVUs: 5, maxVUs: 7 });
    const parts = splitPlan(plan, 2);
    const each = parts.map((p) => arrivalsBetween(p, 0, 1_000));
    expect(each.map((a) => a.length)).toEqual([5, 5]);
    expect([...(each[0] ?? []), ...(each[1] ?? [])].sort((a, b) => a - b)).toEqual(arrivalsBetween(plan, 0, 1_000));
    expect(parts.map((p) => p.maxVUs)).toEqual([4, 3]);
    expect(parts.map((p) => p.preAllocatedVUs)).toEqual([3, 2]);
  });

  it('splits an odd rate and a ramp exactly, window by window', () => {
    for (const config of [
      { type: 'constant-arrival-rate', rate: 3, duration: '5s' },
      { type: 'ramping-arrival-rate', startRate: 1, stages: [{ target: 37, duration: '7s' }, { target: 0, duration: '3s' }] },
    ]) {
      const plan = planSchedule(config);
      const parts = splitPlan(plan, 3);
      expect(sum(parts.map(totalArrivals))).toBe(totalArrivals(plan));
      for (let fromMs = 0; fromMs < plan.durationMs; fromMs += 1_000) {
        const merged = parts.flatMap((p) => arrivalsBetween(p, fromMs, fromMs + 1_000)).sort((a, b) => a - b);
        expect(merged).toEqual(arrivalsBetween(plan, fromMs, fromMs + 1_000));
      }
    }
  });

  it('leaves a one-part split as the plan itself', () => {
    const plan = planSchedule({ type: 'constant-arrival-rate', rate: 3, duration: '5s' });
    expect(splitPlan(plan, 1)).toEqual([plan]);
  });
});
