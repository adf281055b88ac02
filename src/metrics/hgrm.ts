import { decodeHistogram } from './histogram.ts';

const SCALING_RATIO = { us: 1, ms: 1_000 } as const;

/**
 * The HdrHistogram percentile distribution text (`.hgrm`, the format HdrHistogram's plotter and
 * wrk2 `--latency` use). Recorded values are µs; they are printed in ms unless `unit: 'us'`.
 */
export function renderHgrm(encoded: string, options: { unit?: 'us' | 'ms' } = {}): string {
  const histogram = decodeHistogram(encoded);
  return histogram.outputPercentileDistribution(5, SCALING_RATIO[options.unit ?? 'ms']);
}
