import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';
import { BazaarError } from '../errors.ts';

export type { Histogram as HdrHistogram };

/** 1 µs resolution at the bottom... */
export const LOWEST_US = 1;
/** ...up to one hour; anything longer is recorded AT one hour, never dropped. */
export const HIGHEST_US = 3_600_000_000;
export const SIGNIFICANT_DIGITS = 3;

export interface TrendSummary {
  count: number;
  minUs: number;
  maxUs: number;
  meanUs: number;
  stddevUs: number;
  p50Us: number;
  p90Us: number;
  p95Us: number;
  p99Us: number;
  p999Us: number;
}

/**
 * A latency histogram in microseconds. The JS implementation (not WebAssembly) so nothing is
 * async and nothing must be destroyed. 32-bit counts over 1 µs..1 h at 3 digits is a fixed
 * ~95 KB whatever the number of samples: memory grows with series, never with samples.
 */
export function createLatencyHistogram(): Histogram {
  return build({
    useWebAssembly: false,
    bitBucketSize: 32,
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: false,
  });
}

/**
 * Whole microseconds inside the histogram's range. A negative value (a clock read out of order)
 * counts as 0; a value past one hour counts as one hour, so a stuck action still weighs on the tail.
 */
export function toRecordableUs(valueUs: number, what = 'latency'): number {
  if (!Number.isFinite(valueUs)) {
    throw new BazaarError(
      'BAZAAR_BAD_SAMPLE',
      `${what} sample is ${valueUs} µs`,
      'pass finite microsecond times, e.g. performance.now() * 1000',
    );
  }
  return Math.min(HIGHEST_US, Math.max(0, Math.round(valueUs)));
}

/** The compressed base64 V2 encoding every HdrHistogram implementation reads (`HISTF...`). */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  try {
    return decodeFromCompressedBase64(encoded, 32, false);
  } catch (cause) {
    throw new BazaarError(
      'BAZAAR_BAD_HISTOGRAM',
      `cannot decode histogram "${encoded.length > 24 ? `${encoded.slice(0, 24)}…` : encoded}": ${(cause as Error).message}`,
      'pass the compressed base64 encoding from a metrics snapshot (it starts with HISTF)',
      { cause },
    );
  }
}

/** A histogram that holds the sum of `histograms` (which are left untouched). */
export function mergeHistograms(histograms: Iterable<Histogram>): Histogram {
  const merged = createLatencyHistogram();
  // A histogram decoded from elsewhere may have been built with a wider range.
  merged.autoResize = true;
  for (const histogram of histograms) merged.add(histogram);
  return merged;
}

export function emptyTrendSummary(): TrendSummary {
  return { count: 0, minUs: 0, maxUs: 0, meanUs: 0, stddevUs: 0, p50Us: 0, p90Us: 0, p95Us: 0, p99Us: 0, p999Us: 0 };
}

/**
 * Every number comes from the histogram's buckets (no raw samples), so a summary of a decoded or
 * merged histogram equals the summary of one that recorded the same values directly.
 */
export function summarize(histogram: Histogram): TrendSummary {
  const count = histogram.totalCount;
  if (count === 0) return emptyTrendSummary();
  const at = (p: number) => histogram.getValueAtPercentile(p);
  return {
    count,
    // percentile 0 and 100 give the lowest and highest equivalent values of the extreme buckets,
    // which survive encoding; `maxValue` is the raw maximum and does not.
    minUs: at(0),
    maxUs: at(100),
    meanUs: histogram.mean,
    stddevUs: histogram.stdDeviation,
    p50Us: at(50),
    p90Us: at(90),
    p95Us: at(95),
    p99Us: at(99),
    p999Us: at(99.9),
  };
}
