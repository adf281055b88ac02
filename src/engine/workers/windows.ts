import type { Histogram } from 'hdr-histogram-js';
import { decodeHistogram, mergeHistograms } from '../../metrics/histogram.ts';
import type { MetricsSnapshot } from '../../metrics/snapshot.ts';

/**
 * The samples each series gained since the last read, from cumulative snapshots (a
 * coordinator's merged figures): the later histogram minus the earlier, bucket by bucket, so an
 * interval's percentiles are exact, never averaged across workers.
 */
export function createWindowReader(): { read(snapshot: MetricsSnapshot, name?: string): { key: string; name: string; histogram: Histogram }[] } {
  const previous = new Map<string, { encoded: string; histogram: Histogram }>();
  return {
    read(snapshot, name) {
      const windows: { key: string; name: string; histogram: Histogram }[] = [];
      for (const series of snapshot.latencies) {
        if (name !== undefined && series.name !== name) continue;
        const before = previous.get(series.key);
        if (before?.encoded === series.histogram) continue; // nothing recorded since
        const now = decodeHistogram(series.histogram);
        previous.set(series.key, { encoded: series.histogram, histogram: now });
        const window = mergeHistograms([now]);
        if (before) window.subtract(before.histogram);
        if (window.totalCount > 0) windows.push({ key: series.key, name: series.name, histogram: window });
      }
      return windows;
    },
  };
}
