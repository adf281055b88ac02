import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, createMetricsRegistry, summarize } from '../../metrics/index.ts';
import { createWindowReader } from './windows.ts';

describe('createWindowReader', () => {
  it('gives exactly the samples recorded between two cumulative snapshots', () => {
    const metrics = createMetricsRegistry();
    const reader = createWindowReader();
    for (let i = 1; i <= 500; i++) metrics.latency('ack').recordValueUs(i * 100);
    expect(reader.read(metrics.snapshot())[0]?.histogram.totalCount).toBe(500);
    const expected = createLatencyHistogram();
    for (let i = 1; i <= 300; i++) {
      metrics.latency('ack').recordValueUs(90_000 + i * 7);
      expected.recordValue(90_000 + i * 7);
    }
    metrics.latency('delivery').recordValueUs(5);
    const windows = reader.read(metrics.snapshot(), 'ack');
    expect(windows.map((w) => w.key)).toEqual(['ack']);
    expect(summarize(windows[0]!.histogram)).toEqual(summarize(expected));
    // Nothing new: no window.
    expect(reader.read(metrics.snapshot(), 'ack')).toEqual([]);
  });
});
