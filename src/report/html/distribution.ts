import { decodeHistogram } from '../../metrics/index.ts';

/** Points per decade of 1 / (1 - p): 0%, 20.6%, 36.9%, ... 90%, ... 99%, ... */
const POINTS_PER_DECADE = 10;
/** Up to 99.9999%, as far as the samples reach. */
const MAX_DECADES = 6;

/**
 * The x axis of HdrHistogram's percentile plot: x = 1 / (1 - p/100) (10 at p90, 100 at p99, on a
 * log scale, so the tail is as wide as the body), from p0 to one step past where the largest of
 * `counts` runs out of samples.
 */
export function percentileGrid(counts: number[]): number[] {
  const most = Math.max(1, ...counts);
  const xs: number[] = [];
  for (let step = 0; step <= POINTS_PER_DECADE * MAX_DECADES; step++) {
    const x = 10 ** (step / POINTS_PER_DECADE);
    xs.push(x);
    if (x > most) break;
  }
  return xs;
}

/** The percentile of an x of the grid. */
export const percentileAt = (x: number) => 100 * (1 - 1 / x);

/**
 * An encoded HDR histogram's values (µs) at each x of the grid. Past the point where its samples
 * run out (x > count, beyond which every percentile is the max) the first x shows the max and
 * the rest are null: a series of 50 samples claims no p99.9.
 */
export function valuesAtGrid(encoded: string, xs: number[]): (number | null)[] {
  const histogram = decodeHistogram(encoded);
  const count = histogram.totalCount;
  let pastEnd = false;
  return xs.map((x) => {
    if (count === 0 || pastEnd) return null;
    if (x > count) pastEnd = true;
    return histogram.getValueAtPercentile(Math.min(100, percentileAt(x)));
  });
}
