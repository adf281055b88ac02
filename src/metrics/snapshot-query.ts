import { decodeHistogram, mergeHistograms, summarize } from './histogram.ts';
import type { LatencyQuery, MetricsRegistry } from './registry.ts';
import type { MetricsSnapshot } from './snapshot.ts';
import { tagsInclude, type Tags } from './tags.ts';

/** What thresholds and the progress line ask of metrics: a registry, or a (merged) snapshot. */
export type MetricsQueries = Pick<MetricsRegistry, 'queryLatency' | 'queryCounter'>;

/**
 * A registry's queries over a snapshot (workers' figures merged by a coordinator): the same
 * answers the registry that recorded it gives, from the encoded histograms. Each series is
 * decoded at most once.
 */
export function querySnapshot(snapshot: MetricsSnapshot): MetricsQueries {
  const decoded = new Map<string, ReturnType<typeof decodeHistogram>>();
  const histogramOf = (key: string, encoded: string) => {
    let histogram = decoded.get(key);
    if (!histogram) decoded.set(key, (histogram = decodeHistogram(encoded)));
    return histogram;
  };
  return {
    queryLatency(name: string, tags: Tags = {}): LatencyQuery | undefined {
      const matching = snapshot.latencies.filter((s) => s.name === name && tagsInclude(s.tags, tags));
      if (matching.length === 0) return undefined;
      const histogram = mergeHistograms(matching.map((s) => histogramOf(s.key, s.histogram)));
      return { count: histogram.totalCount, summary: summarize(histogram), percentileUs: (p) => histogram.getValueAtPercentile(p) };
    },
    queryCounter(name: string, tags: Tags = {}): number | undefined {
      const matching = snapshot.counters.filter((s) => s.name === name && tagsInclude(s.tags, tags));
      if (matching.length === 0) return undefined;
      return matching.reduce((sum, s) => sum + s.value, 0);
    },
  };
}
