import { describe, expect, it } from 'vitest';
import { rescaleExecutor, runTimings } from './rescale.ts';

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

describe('runTimings: what --duration rescales besides the executors', () => {
  it('rescales gracefulStop with the timeline and keeps the timeouts, which judge the target', () => {
    expect(runTimings({ ackTimeout: '5s', connectTimeout: '3s', gracefulStop: '20s' }, 0.1)).toEqual({
      ackTimeoutMs: 5_000,
      connectTimeoutMs: 3_000,
      gracefulStopMs: 2_000,
      timelineFactor: 0.1,
    });
  });

  it('defaults to 10 s each, and stretches as well as compresses', () => {
    expect(runTimings(undefined, 2)).toEqual({ ackTimeoutMs: 10_000, connectTimeoutMs: 10_000, gracefulStopMs: 20_000, timelineFactor: 2 });
    expect(runTimings({ gracefulStop: '1m30s' })).toMatchObject({ gracefulStopMs: 90_000, timelineFactor: 1 });
  });
});
