import { describe, expect, it } from 'vitest';
import { planSchedule } from './plan.ts';
import { vusAt } from './vus.ts';

describe('vusAt for ramping-vus (k6: a VU count is reached when the line reaches it)', () => {
  // 0 → 10 over 10 s, hold 10 for 5 s, 10 → 0 over 10 s.
  const plan = planSchedule({
    type: 'ramping-vus',
    startVUs: 0,
    stages: [{ target: 10, duration: '10s' }, { target: 10, duration: '5s' }, { target: 0, duration: '10s' }],
  });

  it.each([
    [0, 0],
    [999, 0],
    [1_000, 1],
    [5_500, 5],
    [9_999, 9],
    [10_000, 10],
    [14_999, 10],
    [15_000, 10],
    [15_999, 10], // ramping down rounds up: still 10 until the line reaches 9
    [16_000, 9],
    [20_000, 5],
    [24_000, 1],
    [24_999, 1],
    [25_000, 0], // the run is over
    [-1, 0],
  ])('at %d ms: %d VUs', (timeMs, vus) => {
    expect(vusAt(plan, timeMs)).toBe(vus);
  });
});

describe('vusAt', () => {
  it.each([
    ['ramping-vus starts at 1 by default', { type: 'ramping-vus', stages: [{ target: 5, duration: '4s' }] }, [[0, 1], [999, 1], [1_000, 2], [3_999, 4]]],
    ['a 0-duration stage jumps', { type: 'ramping-vus', startVUs: 2, stages: [{ target: 2, duration: '1s' }, { target: 8, duration: '0s' }, { target: 8, duration: '1s' }] }, [[999, 2], [1_000, 8], [1_999, 8]]],
    ['ramping down from the start', { type: 'ramping-vus', startVUs: 4, stages: [{ target: 0, duration: '4s' }] }, [[0, 4], [999, 4], [1_000, 3], [3_999, 1]]],
    ['uneven steps', { type: 'ramping-vus', startVUs: 0, stages: [{ target: 3, duration: '1s' }] }, [[333, 0], [334, 1], [666, 1], [667, 2]]],
    ['constant-vus', { type: 'constant-vus', vus: 7, duration: '10s' }, [[0, 7], [9_999, 7], [10_000, 0]]],
    ['per-vu-iterations until maxDuration', { type: 'per-vu-iterations', vus: 3, iterations: 2, maxDuration: '1m' }, [[0, 3], [59_999, 3], [60_000, 0]]],
    ['open model', { type: 'constant-arrival-rate', rate: 10, duration: '10s' }, [[0, 0], [5_000, 0]]],
  ])('%s', (_name, config, points) => {
    const plan = planSchedule(config);
    for (const [timeMs, vus] of points as [number, number][]) expect([timeMs, vusAt(plan, timeMs)]).toEqual([timeMs, vus]);
  });
});
