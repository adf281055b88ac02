import { describe, expect, it } from 'vitest';
import { thinkMs } from './vu.ts';

describe('thinkMs', () => {
  it.each([
    ['2s', {}, 1, 0.5, 2_000],
    ['2s', {}, 0.1, 0.5, 200],
    [2_000, {}, 0.1, 0.5, 200],
    ['1m30s', {}, 0.01, 0.5, 900],
    ['2s', { jitter: 0.5 }, 1, 0, 1_000],
    ['2s', { jitter: 0.5 }, 1, 1, 3_000],
    // jitter first, then the timeline's factor: --duration compresses the whole 1..3 s spread
    ['2s', { jitter: 0.5 }, 0.1, 0, 100],
    ['2s', { jitter: 0.5 }, 0.1, 1, 300],
    ['2s', {}, 3, 0.5, 6_000],
  ] as const)('think(%j, %j) at factor %d, random %d waits %d ms', (duration, options, factor, random, ms) => {
    expect(thinkMs(duration, options, factor, () => random)).toBeCloseTo(ms, 6);
  });
});
