import type { Histogram } from 'hdr-histogram-js';
import { decodeHistogram, mergeHistograms, summarize, tagsInclude, type MetricsSnapshot, type TrendSummary } from '../metrics/index.ts';
import type { MetricResolver, MetricValue } from '../thresholds/index.ts';

/**
 * A recorded run's metrics, read back from their encoded HDR histograms: every percentile comes
 * from the full distribution, not from the few figures the summary kept.
 */
export interface RecordedMetrics {
  /** Summary of one series by key, from its decoded histogram. */
  latency(key: string): TrendSummary | undefined;
  counter(key: string): number | undefined;
  latencyKeys(): string[];
  counterKeys(): string[];
  /** Merged over every series of the selector's metric whose tags include its tags, as a run's thresholds see it. */
  resolve: MetricResolver;
}

export function readRecordedMetrics(metrics: MetricsSnapshot, durationMs: number): RecordedMetrics {
  const decoded = new Map<string, Histogram>();
  const histogramOf = (key: string): Histogram | undefined => {
    const cached = decoded.get(key);
    if (cached) return cached;
    const series = metrics.latencies.find((s) => s.key === key);
    if (!series) return undefined;
    const histogram = decodeHistogram(series.histogram);
    decoded.set(key, histogram);
    return histogram;
  };
  const summaries = new Map<string, TrendSummary>();
  return {
    latency(key) {
      const seen = summaries.get(key);
      if (seen) return seen;
      const histogram = histogramOf(key);
      if (!histogram) return undefined;
      const summary = summarize(histogram);
      summaries.set(key, summary);
      return summary;
    },
    counter: (key) => metrics.counters.find((c) => c.key === key)?.value,
    latencyKeys: () => metrics.latencies.map((s) => s.key),
    counterKeys: () => metrics.counters.map((c) => c.key),
    resolve(selector): MetricValue | undefined {
      const latencies = metrics.latencies.filter((s) => s.name === selector.metric && tagsInclude(s.tags, selector.tags));
      if (latencies.length > 0) {
        const histograms = latencies.map((s) => histogramOf(s.key) as Histogram);
        const histogram = histograms.length === 1 ? (histograms[0] as Histogram) : mergeHistograms(histograms);
        const summary = summarize(histogram);
        return {
          kind: 'trend',
          count: summary.count,
          minUs: summary.minUs,
          maxUs: summary.maxUs,
          meanUs: summary.meanUs,
          percentileUs: (p) => histogram.getValueAtPercentile(p),
        };
      }
      const counters = metrics.counters.filter((c) => c.name === selector.metric && tagsInclude(c.tags, selector.tags));
      if (counters.length === 0) return undefined;
      const count = counters.reduce((sum, c) => sum + c.value, 0);
      return { kind: 'counter', count, ratePerSec: count / Math.max(0.001, durationMs / 1000) };
    },
  };
}
