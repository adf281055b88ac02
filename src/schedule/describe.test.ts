import { describe, expect, it } from 'vitest';
import { describeSchedule } from './describe.ts';
import { planSchedule } from './plan.ts';

describe('describeSchedule', () => {
  it.each([
    [{ type: 'constant-vus', vus: 50, duration: '30s' }, 'constant-vus 50 VUs for 30s'],
    [{ type: 'ramping-vus', startVUs: 0, stages: [{ target: 50, duration: '1m' }, { target: 0, duration: '30s' }] }, 'ramping-vus 0→50→0 VUs over 90s'],
    [{ type: 'per-vu-iterations', vus: 10, iterations: 5 }, 'per-vu-iterations 10 VUs × 5 iterations each (max 10m)'],
    [{ type: 'constant-arrival-rate', rate: 10, duration: '10s' }, 'constant-arrival-rate 10/s for 10s (max 100 VUs, 10 pre-allocated)'],
    [{ type: 'constant-arrival-rate', rate: 30, timeUnit: '1m', duration: '5m', maxVUs: 3 }, 'constant-arrival-rate 30/1m for 5m (max 3 VUs, 1 pre-allocated)'],
    [{ type: 'ramping-arrival-rate', stages: [{ target: 200, duration: '30s' }], maxVUs: 1_000 }, 'ramping-arrival-rate 0→200/s over 30s (max 1000 VUs, 200 pre-allocated)'],
    [{ type: 'constant-arrival-rate', rate: 10, duration: '10s', maxVUs: 5, whenVUsBusy: 'queue' }, 'constant-arrival-rate 10/s for 10s (max 5 VUs, 5 pre-allocated, arrivals queue when every VU is busy)'],
    [{ type: 'ramping-arrival-rate', startRate: 0.5, stages: [{ target: 2.25, duration: '1500ms' }] }, 'ramping-arrival-rate 0.5→2.25/s over 1500ms (max 23 VUs, 3 pre-allocated)'],
  ])('%j', (config, line) => {
    expect(describeSchedule(planSchedule(config))).toBe(line);
  });
});
