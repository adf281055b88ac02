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

/**
 * Least-squares fit of y = a + slope·x + perU·u over points (x, u, y): the trend of y over x with
 * the part that follows u taken out. Undefined when x or u does not vary (or they move together
 * exactly): then only the plain slope says anything.
 */
export function leastSquaresWithCovariate(points: readonly { x: number; u: number; y: number }[]): { slope: number; perU: number } | undefined {
  const n = points.length;
  if (n < 3) return undefined;
  const mean = (f: (p: { x: number; u: number; y: number }) => number) => points.reduce((sum, p) => sum + f(p), 0) / n;
  const mx = mean((p) => p.x);
  const mu = mean((p) => p.u);
  const my = mean((p) => p.y);
  let sxx = 0;
  let suu = 0;
  let sxu = 0;
  let sxy = 0;
  let suy = 0;
  for (const p of points) {
    const dx = p.x - mx;
    const du = p.u - mu;
    const dy = p.y - my;
    sxx += dx * dx;
    suu += du * du;
    sxu += dx * du;
    sxy += dx * dy;
    suy += du * dy;
  }
  const det = sxx * suu - sxu * sxu;
  if (sxx === 0 || suu === 0 || Math.abs(det) < 1e-9 * sxx * suu) return undefined;
  return { slope: (sxy * suu - suy * sxu) / det, perU: (suy * sxx - sxy * sxu) / det };
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
  /**
   * The same slope with the heap that follows the live users taken out (a least-squares fit on
   * time and live users together): on a loaded machine iterations slow down, more users are alive
   * at once and the heap holds them, which is what is active, not what has happened. Undefined
   * when the live users did not vary.
   */
  slopeBeyondLiveUsersBytesPerMin: number | undefined;
  /** Heap per live user, from the same fit. */
  heapPerLiveUserBytes: number | undefined;
  /** The slope the verdict is on (beyond live users when there is one, else the plain one), carried over 10 minutes. */
  growthPer10MinBytes: number | undefined;
  /** FLAT_BOUND_FRACTION of the second half's mean heap. */
  boundBytes: number | undefined;
  /** growthPer10MinBytes < boundBytes; undefined with fewer than 3 samples in the second half. */
  flat: boolean | undefined;
}

/**
 * Judges samples of a schedule `scheduleMs` long: the slope is fitted on those of its second
 * half (the warm-up and the crowd forming are behind), with what follows the live users taken
 * out when their number varied, carried over 10 minutes, and compared
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
  const adjusted = leastSquaresWithCovariate(secondHalf.map((s) => ({ x: s.atMs, u: s.inFlight.liveUsers, y: s.heapUsedBytes })));
  const slopeBytesPerMin = slopePerMs === undefined ? undefined : slopePerMs * 60_000;
  const judgedPerMs = adjusted?.slope ?? slopePerMs;
  const growthPer10MinBytes = judgedPerMs === undefined ? undefined : judgedPerMs * TEN_MIN_MS;
  const boundBytes = meanHeap === undefined ? undefined : (options.boundFraction ?? FLAT_BOUND_FRACTION) * meanHeap;
  return {
    warmupHeapBytes: inSchedule.find((s) => s.atMs >= options.warmupMs)?.heapUsedBytes,
    endHeapBytes: inSchedule.at(-1)?.heapUsedBytes,
    secondHalfSamples: secondHalf.length,
    slopeBytesPerMin,
    slopeBeyondLiveUsersBytesPerMin: adjusted === undefined ? undefined : adjusted.slope * 60_000,
    heapPerLiveUserBytes: adjusted?.perU,
    growthPer10MinBytes,
    boundBytes,
    flat: secondHalf.length < 3 || growthPer10MinBytes === undefined || boundBytes === undefined ? undefined : growthPer10MinBytes < boundBytes,
  };
}
