import { deflateSync } from 'node:zlib';
import {
  build,
  decodeFromCompressedBase64,
  type Histogram,
  type JsHistogram,
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
 * A short window's latencies for the run's timeline (one per series, read and reset every few
 * seconds): 2 significant digits, 1% precision, enough for a chart, at ~13 KB rather than ~95 KB.
 */
export function createWindowHistogram(): Histogram {
  return build({
    useWebAssembly: false,
    bitBucketSize: 32,
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 2,
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

/** V2 cookies with the word-size nibble of the LEB128/ZigZag encoding (as HdrHistogram's V2 format). */
const V2_ENCODING_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_ENCODING_COOKIE = 0x1c849304 | 0x10;
const V2_HEADER_BYTES = 40;
/** A ZigZag LEB128 word of a 64-bit count takes up to 9 bytes. */
const V2_MAX_WORD_BYTES = 9;

/**
 * The compressed base64 V2 encoding every HdrHistogram implementation reads (`HISTF...`),
 * byte for byte what hdr-histogram-js's `encodeIntoCompressedBase64` writes (a test holds them
 * equal), written straight into one Buffer: the library grows a byte array a few bytes at a time
 * and costs 4 to 6 times as much, paid per series on every report snapshot of a running
 * generator (issue 12).
 */
export function encodeHistogram(encoded: Histogram): string {
  const histogram = encoded as unknown as JsHistogram;
  const countsLimit = histogram.countsArrayIndex(histogram.maxValue) + 1;
  const bytes = V2_HEADER_BYTES + countsLimit * V2_MAX_WORD_BYTES;
  // One scratch buffer for every encoding (up to ~210 KB): a fresh one per series per report
  // snapshot was megabytes of short-lived external memory, which brought V8's full collections on.
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(bytes);
  const raw = scratch;
  raw.writeInt32BE(V2_ENCODING_COOKIE, 0);
  // bytes 4..7: the payload length, written once known
  raw.writeInt32BE(1, 8); // normalizing index offset, as the library writes it
  raw.writeInt32BE(histogram.numberOfSignificantValueDigits, 12);
  writeInt64BE(raw, histogram.lowestDiscernibleValue, 16);
  writeInt64BE(raw, histogram.highestTrackableValue, 24);
  writeInt64BE(raw, 1, 32); // integer-to-double conversion ratio, as the library writes it
  let position = V2_HEADER_BYTES;
  let index = 0;
  while (index < countsLimit) {
    const count = histogram.getCountAtIndex(index++);
    // ZigZag: a count c is 2c; a run of n > 1 zero counts is written as -n, that is 2n - 1.
    let word = count * 2;
    if (count === 0) {
      let zeros = 1;
      while (index < countsLimit && histogram.getCountAtIndex(index) === 0) {
        zeros++;
        index++;
      }
      if (zeros > 1) word = zeros * 2 - 1;
    }
    while (word >= 0x80) {
      raw[position++] = (word % 0x80) | 0x80;
      word = Math.floor(word / 0x80);
    }
    raw[position++] = word;
  }
  raw.writeInt32BE(position - V2_HEADER_BYTES, 4);
  const compressed = deflateSync(raw.subarray(0, position));
  const out = Buffer.allocUnsafe(8 + compressed.length);
  out.writeInt32BE(V2_COMPRESSED_ENCODING_COOKIE, 0);
  out.writeInt32BE(compressed.length, 4);
  compressed.copy(out, 8);
  return out.toString('base64');
}

let scratch = Buffer.allocUnsafe(0);

function writeInt64BE(buffer: Buffer, value: number, offset: number): void {
  buffer.writeUInt32BE(Math.floor(value / 2 ** 32) >>> 0, offset);
  buffer.writeUInt32BE(value >>> 0, offset + 4);
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

/** The summary's percentiles, ascending; 0 and 100 give min and max. */
const SUMMARY_PERCENTILES = [0, 50, 90, 95, 99, 99.9, 100] as const;

/**
 * Every number comes from the histogram's buckets (no raw samples), so a summary of a decoded or
 * merged histogram equals the summary of one that recorded the same values directly.
 *
 * One walk over the counts gives every figure, equal to the library's own getters (the same
 * arithmetic in the same order): `mean` and `stdDeviation` each walk the buckets through an
 * iterator object and `getValueAtPercentile` walks them once per call, which together cost
 * about 10 ms for one histogram of 20k samples: on the event loop of a running generator, every
 * report snapshot paid that per series (issue 12).
 */
export function summarize(summarized: Histogram): TrendSummary {
  // Every histogram bazaar builds or decodes is the JS implementation (createLatencyHistogram).
  const histogram = summarized as unknown as JsHistogram;
  const count = histogram.totalCount;
  if (count === 0) return emptyTrendSummary();
  const targets = SUMMARY_PERCENTILES.map((p) => countAtPercentile(p, count));
  const values: number[] = [];
  const medians: number[] = [];
  const counts: number[] = [];
  const { subBucketHalfCount, unitMagnitude } = histogram;
  let next = 0;
  let seen = 0;
  let totalValue = 0;
  const length = histogram.countsArrayLength;
  for (let index = 0; index < length && seen < count; index++) {
    const atIndex = histogram.getCountAtIndex(index);
    if (atIndex === 0) continue;
    seen += atIndex;
    // The bucket of this index, as valueFromIndex finds it: its lowest value and its width.
    let bucket = Math.floor(index / subBucketHalfCount) - 1;
    let subBucket = (index % subBucketHalfCount) + subBucketHalfCount;
    if (bucket < 0) {
      subBucket -= subBucketHalfCount;
      bucket = 0;
    }
    const widthUs = 2 ** (bucket + unitMagnitude);
    const lowestUs = subBucket * widthUs;
    const medianUs = lowestUs + Math.floor(widthUs / 2);
    medians.push(medianUs);
    counts.push(atIndex);
    totalValue += medianUs * atIndex;
    while (next < targets.length && seen >= (targets[next] as number)) {
      // As getValueAtPercentile: percentile 0 is the bucket's lowest value, the others its highest.
      values.push(next === 0 ? lowestUs : lowestUs + widthUs - 1);
      next++;
    }
  }
  const meanUs = totalValue / count;
  let deviationTotal = 0;
  for (let i = 0; i < medians.length; i++) {
    const deviation = (medians[i] as number) - meanUs;
    deviationTotal += deviation * deviation * (counts[i] as number);
  }
  const [minUs = 0, p50Us = 0, p90Us = 0, p95Us = 0, p99Us = 0, p999Us = 0, maxUs = 0] = values;
  return {
    count,
    // percentile 0 and 100 give the lowest and highest equivalent values of the extreme buckets,
    // which survive encoding; `maxValue` is the raw maximum and does not.
    minUs,
    maxUs,
    meanUs,
    stddevUs: Math.sqrt(deviationTotal / count),
    p50Us,
    p90Us,
    p95Us,
    p99Us,
    p999Us,
  };
}

/** As HdrHistogram: the count a percentile reaches, rounded up without tripping on a 1-ulp error. */
function countAtPercentile(percentile: number, count: number): number {
  const fp = (Math.min(percentile, 100) / 100) * count;
  return Math.max(Math.ceil(fp - ulp(fp)), 1);
}

const ulp = (x: number) => Math.pow(2, Math.floor(Math.log2(x)) - 52);
