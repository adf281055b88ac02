import { describe, expect, it } from 'vitest';
import { decodeHistogram, summarize } from './histogram.ts';
import { createMetricsRegistry, type MetricsRegistry } from './registry.ts';
import { mergeSnapshots, type MetricsSnapshot } from './snapshot.ts';

/** A deterministic spread of latencies from 40 µs to ~3 s, stalled every 50th sample. */
function feed(metrics: MetricsRegistry, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const event = i % 3 === 0 ? 'bid' : 'message:send';
    const intendedStartUs = i * 1_000;
    const actualStartUs = intendedStartUs + (i % 50 === 0 ? 250_000 : 0);
    metrics.latency('ack', { event }).record(actualStartUs, actualStartUs + 40 + ((i * 7_919) % 3_000_000), intendedStartUs);
    if (i % 7 === 0) metrics.counter('errors', { code: i % 2 ? 'RATE_LIMITED' : 'FORBIDDEN' }).add();
    if (i % 5 === 0) metrics.latency('delivery', { room: `r${i % 4}` }).recordValueUs(i * 13);
    if (i % 100 === 0) metrics.counter('dropped_iterations').add(2);
  }
}

const empty: MetricsSnapshot = { latencies: [], counters: [] };

describe('mergeSnapshots', () => {
  const whole = createMetricsRegistry();
  feed(whole, 0, 3_000);
  const first = createMetricsRegistry();
  feed(first, 0, 1_200);
  const second = createMetricsRegistry();
  feed(second, 1_200, 3_000);

  it('equals recording everything in one registry: summaries, encodings and counters', () => {
    expect(mergeSnapshots(first.snapshot(), second.snapshot())).toEqual(whole.snapshot());
  });

  it('does not depend on the order of its arguments', () => {
    expect(mergeSnapshots(second.snapshot(), first.snapshot())).toEqual(mergeSnapshots(first.snapshot(), second.snapshot()));
  });

  it('keeps series only one side has, unchanged', () => {
    const a = createMetricsRegistry();
    a.latency('ack').recordValueUs(10);
    const b = createMetricsRegistry();
    b.latency('delivery').recordValueUs(20);
    b.counter('errors', { code: 'X' }).add(4);
    const merged = mergeSnapshots(a.snapshot(), b.snapshot());
    expect(merged.latencies.map((series) => series.key)).toEqual(['ack', 'delivery']);
    expect(merged.latencies[0]).toEqual(a.snapshot().latencies[0]);
    expect(merged.counters).toEqual([{ name: 'errors', tags: { code: 'X' }, key: 'errors{code:X}', value: 4 }]);
  });

  it('is the identity with an empty snapshot', () => {
    expect(mergeSnapshots(whole.snapshot(), empty)).toEqual(whole.snapshot());
    expect(mergeSnapshots(empty, empty)).toEqual(empty);
  });

  it('re-encodes histograms that decode to the merged summary', () => {
    const merged = mergeSnapshots(first.snapshot(), second.snapshot());
    for (const series of merged.latencies) {
      expect(summarize(decodeHistogram(series.histogram))).toEqual(series.summary);
      expect(summarize(decodeHistogram(series.uncorrectedHistogram))).toEqual(series.uncorrected);
    }
  });

  it('survives a JSON round trip of its inputs', () => {
    const viaJson = (snapshot: MetricsSnapshot) => JSON.parse(JSON.stringify(snapshot)) as MetricsSnapshot;
    expect(mergeSnapshots(viaJson(first.snapshot()), viaJson(second.snapshot()))).toEqual(whole.snapshot());
  });
});
