/* The soak's verdict, pure: from heap samples taken after forced collections over a long run
 * with users arriving and leaving, is the generator's heap flat? (issue 14, "checked load":
 * checker state bounded by what is active, not by what has happened). bench/soak.ts takes the
 * samples; this judges them. */
import type { RunInFlight } from '../src/engine/run.ts';

export interface SoakSample {
  /** ms since the schedule started. */
  atMs: number;
  /** After a forced full collection. */
  heapUsedBytes: number;
  rssBytes: number;
  /** What the run held at that moment (live users, checker streams, deliveries in flight). */
  inFlight: RunInFlight;
  /** The reference server's RSS (its own process), for context: its store keeps every booking. */
  serverRssBytes?: number | undefined;
}

/** Share of the heap that the growth projected over 10 minutes may reach and still be called flat. */
export const FLAT_BOUND_FRACTION = 0.05;
const TEN_MIN_MS = 600_000;

/** Least-squares slope of y over x; undefined with fewer than two points or all x equal. */
export function leastSquaresSlope(points: readonly { x: number; y: number }[]): number | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx === 0 ? undefined : sxy / sxx;
}

export interface SoakVerdict {
  /** Heap at the first sample at or after the warm-up's end. */
  warmupHeapBytes: number | undefined;
  /** Heap at the last sample within the schedule. */
  endHeapBytes: number | undefined;
  /** Samples in the second half of the schedule, the ones the slope is fitted on. */
  secondHalfSamples: number;
  /** Least-squares slope of heap over the second half, bytes per minute. */
  slopeBytesPerMin: number | undefined;
  /** The slope carried over 10 minutes. */
  growthPer10MinBytes: number | undefined;
  /** FLAT_BOUND_FRACTION of the second half's mean heap. */
  boundBytes: number | undefined;
  /** growthPer10MinBytes < boundBytes; undefined with fewer than 3 samples in the second half. */
  flat: boolean | undefined;
}

/**
 * Judges samples of a schedule `scheduleMs` long: the slope is fitted on those of its second
 * half (the warm-up and the crowd forming are behind), carried over 10 minutes, and compared
 * with `boundFraction` of the heap then. A leak of a few hundred bytes per user or room gone,
 * at the rates of a day, carries far past 5% in 10 minutes; noise of a forced-GC heap does not.
 */
export function judgeSoak(
  samples: readonly SoakSample[],
  options: { scheduleMs: number; warmupMs: number; boundFraction?: number },
): SoakVerdict {
  const inSchedule = samples.filter((s) => s.atMs <= options.scheduleMs);
  const secondHalf = inSchedule.filter((s) => s.atMs >= options.scheduleMs / 2);
  const slopePerMs = leastSquaresSlope(secondHalf.map((s) => ({ x: s.atMs, y: s.heapUsedBytes })));
  const meanHeap = secondHalf.length ? secondHalf.reduce((sum, s) => sum + s.heapUsedBytes, 0) / secondHalf.length : undefined;
  const slopeBytesPerMin = slopePerMs === undefined ? undefined : slopePerMs * 60_000;
  const growthPer10MinBytes = slopePerMs === undefined ? undefined : slopePerMs * TEN_MIN_MS;
  const boundBytes = meanHeap === undefined ? undefined : (options.boundFraction ?? FLAT_BOUND_FRACTION) * meanHeap;
  return {
    warmupHeapBytes: inSchedule.find((s) => s.atMs >= options.warmupMs)?.heapUsedBytes,
    endHeapBytes: inSchedule.at(-1)?.heapUsedBytes,
    secondHalfSamples: secondHalf.length,
    slopeBytesPerMin,
    growthPer10MinBytes,
    boundBytes,
    flat: secondHalf.length < 3 || growthPer10MinBytes === undefined || boundBytes === undefined ? undefined : growthPer10MinBytes < boundBytes,
  };
}
