import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../metrics/index.ts';
import { percentileAt, percentileGrid, valuesAtGrid } from './distribution.ts';

function encoded(values: number[]): string {
  const metrics = createMetricsRegistry();
  for (const us of values) metrics.latency('ack').recordValueUs(us);
  return metrics.snapshot().latencies[0]?.histogram ?? '';
}

describe('percentileGrid', () => {
  it('steps ten to a decade of 1/(1-p) from p0 to one step past the largest count', () => {
    const xs = percentileGrid([1_000, 50]);
    expect(xs[0]).toBe(1);
    expect(percentileAt(xs[10] as number)).toBeCloseTo(90);
    expect(percentileAt(xs[20] as number)).toBeCloseTo(99);
    expect(xs.at(-2)).toBeLessThanOrEqual(1_000);
    expect(xs.at(-1)).toBeGreaterThan(1_000);
  });
});

describe('valuesAtGrid', () => {
  it('reads each percentile from the histogram, the max where its samples run out, and nothing beyond', () => {
    const values = valuesAtGrid(encoded(Array.from({ length: 100 }, (_, i) => (i + 1) * 1_000)), percentileGrid([10_000]));
    expect(values[0]).toBe(1_000);
    expect(values[10]).toBeGreaterThanOrEqual(90_000); // p90
    expect(values[10]).toBeLessThan(91_000);
    expect(values[20]).toBeGreaterThanOrEqual(99_000); // p99, x = 100 = count
    expect(values[21]).toBeGreaterThanOrEqual(100_000); // past the samples: the max...
    expect(values.slice(22).every((v) => v === null)).toBe(true); // ...then no claim
  });
});
