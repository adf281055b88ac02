import {
  decodeHistogram,
  encodeHistogram,
  mergeHistograms,
  summarize,
  type TrendSummary,
} from './histogram.ts';
import type { Tags } from './tags.ts';

export interface LatencySnapshot {
  name: string;
  tags: Tags;
  key: string;
  summary: TrendSummary;
  uncorrected: TrendSummary;
  /** Compressed base64 HdrHistogram encoding (µs), corrected for coordinated omission. */
  histogram: string;
  uncorrectedHistogram: string;
}

export interface CounterSnapshot {
  name: string;
  tags: Tags;
  key: string;
  value: number;
}

/** Plain JSON: what crosses process boundaries and lands in result files. */
export interface MetricsSnapshot {
  latencies: LatencySnapshot[];
  counters: CounterSnapshot[];
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Combine two snapshots (two workers, two processes) losslessly: histograms of the same series are
 * decoded, added and re-encoded, so the result equals one registry that recorded everything.
 * Counters with the same key are summed.
 */
export function mergeSnapshots(a: MetricsSnapshot, b: MetricsSnapshot): MetricsSnapshot {
  const latencies = new Map<string, LatencySnapshot>();
  for (const series of [...a.latencies, ...b.latencies]) {
    const seen = latencies.get(series.key);
    latencies.set(series.key, seen ? mergeLatency(seen, series) : copyLatency(series));
  }
  const counters = new Map<string, CounterSnapshot>();
  for (const series of [...a.counters, ...b.counters]) {
    const seen = counters.get(series.key);
    counters.set(series.key, { ...series, tags: { ...series.tags }, value: (seen?.value ?? 0) + series.value });
  }
  return { latencies: [...latencies.values()].sort(byKey), counters: [...counters.values()].sort(byKey) };
}

function copyLatency(series: LatencySnapshot): LatencySnapshot {
  return {
    ...series,
    tags: { ...series.tags },
    summary: { ...series.summary },
    uncorrected: { ...series.uncorrected },
  };
}

function mergeLatency(a: LatencySnapshot, b: LatencySnapshot): LatencySnapshot {
  const corrected = mergeHistograms([decodeHistogram(a.histogram), decodeHistogram(b.histogram)]);
  const uncorrected = mergeHistograms([decodeHistogram(a.uncorrectedHistogram), decodeHistogram(b.uncorrectedHistogram)]);
  return {
    name: a.name,
    tags: { ...a.tags },
    key: a.key,
    summary: summarize(corrected),
    uncorrected: summarize(uncorrected),
    histogram: encodeHistogram(corrected),
    uncorrectedHistogram: encodeHistogram(uncorrected),
  };
}
