import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, encodeHistogram } from './histogram.ts';
import { renderHgrm } from './hgrm.ts';

const encoded1To1000Us = (() => {
  const histogram = createLatencyHistogram();
  for (let us = 1; us <= 1_000; us++) histogram.recordValue(us);
  return encodeHistogram(histogram);
})();

describe('renderHgrm', () => {
  it('has the HdrHistogram percentile distribution header, rows and footer', () => {
    const text = renderHgrm(encoded1To1000Us);
    expect(text).toMatch(/^\s*Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)/);
    expect(text).toMatch(/^\s*0\.500\s+0\.500000000000\s+500\s+2\.00$/m);
    expect(text).toMatch(/#\[Mean\s+=\s+0\.501, StdDeviation\s+=\s+0\.289\]/);
    expect(text).toMatch(/#\[Max\s+=\s+1\.000, Total count\s+=\s+1000\]/);
    expect(text).toMatch(/#\[Buckets\s+=\s+\d+, SubBuckets\s+=\s+2048\]/);
  });

  it.each([
    ['ms', undefined, /#\[Max\s+=\s+1\.000,/],
    ['ms', 'ms' as const, /#\[Max\s+=\s+1\.000,/],
    ['µs', 'us' as const, /#\[Max\s+=\s+1000\.000,/],
  ])('prints values in %s for unit %s', (_label, unit, max) => {
    expect(renderHgrm(encoded1To1000Us, unit ? { unit } : {})).toMatch(max);
  });

  it('renders an empty histogram with a zero total', () => {
    expect(renderHgrm(encodeHistogram(createLatencyHistogram()))).toMatch(/Total count\s+=\s+0\]/);
  });
});
