import { describe, expect, it } from 'vitest';
import { rescaleExecutor } from './rescale.ts';

describe('rescaleExecutor', () => {
  it('compresses durations and keeps rates per time unit', () => {
    expect(
      rescaleExecutor({ type: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '60s', maxVUs: 100 }, { durationFactor: 0.1 }),
    ).toEqual({ type: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '6000ms', maxVUs: 100 });
  });

  it('scales VUs and stage targets, keeping at least one VU', () => {
    expect(
      rescaleExecutor(
        { type: 'ramping-vus', startVUs: 1, stages: [{ target: 100, duration: '10s' }, { target: 0, duration: '5s' }] },
        { loadFactor: 0.05, durationFactor: 0.5 },
      ),
    ).toEqual({ type: 'ramping-vus', startVUs: 1, stages: [{ target: 5, duration: '5000ms' }, { target: 0, duration: '2500ms' }] });
  });

  it('scales arrival-rate stage targets as rates (fractions allowed)', () => {
    const out = rescaleExecutor({ type: 'ramping-arrival-rate', stages: [{ target: 5, duration: '2s' }] }, { loadFactor: 0.1 }) as any;
    expect(out.stages[0].target).toBeCloseTo(0.5);
  });

  it('rejects a non-positive factor', () => {
    expect(() => rescaleExecutor({ type: 'constant-vus', vus: 1, duration: '1s' }, { loadFactor: 0 })).toThrow(/positive/);
  });
});
