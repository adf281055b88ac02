import { encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_US,
  mergeHistograms,
  summarize,
  toRecordableUs,
} from './histogram.ts';

const histogramOf = (values: number[]) => {
  const histogram = createLatencyHistogram();
  for (const value of values) histogram.recordValue(value);
  return histogram;
};
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('summarize', () => {
  it('gives exact percentiles for 1..1000 µs (single-unit resolution below 2048)', () => {
    expect(summarize(histogramOf(range(1, 1000)))).toEqual({
      count: 1000,
      minUs: 1,
      maxUs: 1000,
      meanUs: 500.5,
      stddevUs: expect.closeTo(288.675, 2),
      p50Us: 500,
      p90Us: 900,
      p95Us: 950,
      p99Us: 990,
      p999Us: 999,
    });
  });

  // Above 2048 µs buckets widen; 3 significant digits bound the error to 0.1%.
  const wide = summarize(histogramOf(range(1, 100_000)));
  it.each([
    ['p50Us', 50_000],
    ['p90Us', 90_000],
    ['p95Us', 95_000],
    ['p99Us', 99_000],
    ['p999Us', 99_900],
    ['maxUs', 100_000],
    ['meanUs', 50_000.5],
  ] as const)('1..100000 µs: %s is %d within 0.1%%', (field, expected) => {
    expect(Math.abs(wide[field] - expected) / expected).toBeLessThanOrEqual(0.001);
  });

  it('is all zeros for an empty histogram', () => {
    expect(summarize(createLatencyHistogram())).toEqual({
      count: 0, minUs: 0, maxUs: 0, meanUs: 0, stddevUs: 0, p50Us: 0, p90Us: 0, p95Us: 0, p99Us: 0, p999Us: 0,
    });
  });

  it('counts a recorded 0 as the minimum', () => {
    expect(summarize(histogramOf([0, 5, 7]))).toMatchObject({ count: 3, minUs: 0, maxUs: 7 });
  });

  it('is the same before and after encoding', () => {
    const histogram = histogramOf([3, 17, 250, 4_000, 65_432, 1_234_567, HIGHEST_US]);
    expect(summarize(decodeHistogram(encodeHistogram(histogram)))).toEqual(summarize(histogram));
  });
});

describe('toRecordableUs', () => {
  it.each([
    [250, 250],
    [250.4, 250],
    [250.5, 251],
    [0, 0],
    [-3, 0],
    [HIGHEST_US, HIGHEST_US],
    [HIGHEST_US * 10, HIGHEST_US],
  ])('%d µs is recorded as %d', (value, recorded) => expect(toRecordableUs(value)).toBe(recorded));

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('rejects %d with the series named', (value) => {
    expect(() => toRecordableUs(value, 'ack{event:bid}')).toThrow(/ack\{event:bid\} sample is/);
  });
});

describe('encodeHistogram / decodeHistogram', () => {
  it('round-trips counts through the compressed base64 HdrHistogram encoding', () => {
    const histogram = histogramOf(range(1, 5_000));
    const encoded = encodeHistogram(histogram);
    expect(encoded).toMatch(/^HISTF/);
    const decoded = decodeHistogram(encoded);
    expect(decoded.totalCount).toBe(5_000);
    expect(encodeHistogram(decoded)).toBe(encoded);
  });

  it.each(['', 'not base64 at all', 'SGVsbG8gd29ybGQ='])('rejects %j saying what it expected', (encoded) => {
    expect(() => decodeHistogram(encoded)).toThrow(/cannot decode histogram/);
  });
});

describe('mergeHistograms', () => {
  it('equals one histogram that recorded everything', () => {
    const merged = mergeHistograms([histogramOf(range(1, 600)), histogramOf(range(601, 1000))]);
    expect(summarize(merged)).toEqual(summarize(histogramOf(range(1, 1000))));
  });
});

describe('memory', () => {
  it('is a fixed footprint (< 128 KB) that does not grow with samples', () => {
    const histogram = createLatencyHistogram();
    const before = histogram.estimatedFootprintInBytes;
    for (let i = 0; i < 200_000; i++) histogram.recordValue((i * 7_919) % HIGHEST_US);
    expect(before).toBeLessThan(128 * 1024);
    expect(histogram.estimatedFootprintInBytes).toBe(before);
  });
});

describe('summarize in one walk', () => {
  // A deterministic spread over every bucket width, with a long tail.
  const spread = (n: number, seed: number) => {
    const values: number[] = [];
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
      const u = x / 2_147_483_648;
      values.push(Math.round(u < 0.01 ? u * 1e10 : 50 + u * 20_000));
    }
    return values;
  };
  it.each([
    ['one value', [42]],
    ['a zero and a maximum', [0, HIGHEST_US]],
    ['20k values with a tail', spread(20_000, 7)],
    ['5k values', spread(5_000, 99)],
  ])('equals the library getters for %s', (_what, values) => {
    const histogram = histogramOf(values);
    const at = (p: number) => histogram.getValueAtPercentile(p);
    expect(summarize(histogram)).toStrictEqual({
      count: values.length,
      minUs: at(0),
      maxUs: at(100),
      meanUs: histogram.mean,
      stddevUs: histogram.stdDeviation,
      p50Us: at(50),
      p90Us: at(90),
      p95Us: at(95),
      p99Us: at(99),
      p999Us: at(99.9),
    });
  });
});

describe('encodeHistogram', () => {
  const spread = Array.from({ length: 20_000 }, (_, i) => ((i * 7_919) % 3_000_000) + (i % 97 === 0 ? 40_000_000 : 40));
  it.each([
    ['an empty histogram', createLatencyHistogram()],
    ['one value', histogramOf([1])],
    ['a zero', histogramOf([0, 0, 0])],
    ['the range ends', histogramOf([0, 1, HIGHEST_US])],
    ['20k values with long zero runs', histogramOf(spread)],
    ['a merge', mergeHistograms([histogramOf([5, 6, 7]), histogramOf(spread)])],
    ['a decoded histogram', decodeHistogram(encodeIntoCompressedBase64(histogramOf(spread)))],
  ])('writes what hdr-histogram-js writes, byte for byte, for %s', (_what, histogram) => {
    expect(encodeHistogram(histogram)).toBe(encodeIntoCompressedBase64(histogram));
  });

  it('writes counts past 2^31 (the LEB128 words of a 64-bit count)', () => {
    const histogram = histogramOf([3]);
    histogram.recordValueWithCount(250, 3_000_000_000);
    expect(encodeHistogram(histogram)).toBe(encodeIntoCompressedBase64(histogram));
    expect(summarize(decodeHistogram(encodeHistogram(histogram)))).toEqual(summarize(histogram));
  });
});
