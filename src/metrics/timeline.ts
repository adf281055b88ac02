import type { TrendSummary } from './histogram.ts';

/** One sampled window of a run, as the engine reads it (counter values are running totals). */
export interface TimelineWindow {
  /** End of the window, ms since the schedule started. */
  atMs: number;
  /** VUs running an iteration at the end of the window. */
  vus: number;
  /** Virtual users holding (or opening) a connection at the end of the window. */
  liveUsers: number;
  /** Each latency series recorded in the window (registry.windowLatencies()). */
  latencies: { key: string; summary: TrendSummary }[];
  /** Every counter's running total at the end of the window (registry.counterValues()). */
  counters: { key: string; value: number }[];
}

/** Per-interval figures of one latency series; null where the interval had no sample. */
export interface TimelineLatency {
  count: number[];
  p50Us: (number | null)[];
  p95Us: (number | null)[];
  p99Us: (number | null)[];
  maxUs: (number | null)[];
}

/**
 * A run over time, in columns (one entry per interval in every array), as result.json carries it
 * and report.html charts it. Bounded: at most `maxPoints` intervals whatever the run's length.
 */
export interface RunTimeline {
  /** Width of one interval. A run that outgrows maxPoints has pairs of intervals merged, doubling it. */
  intervalMs: number;
  /** When two intervals are merged, each percentile is the higher of the two: an upper bound, never an average. */
  merged: boolean;
  /** End of each interval, ms since the schedule started. */
  atMs: number[];
  /** VUs running an iteration at the end of each interval (the highest, when merged). */
  vus: number[];
  /** Virtual users holding or opening a connection at the end of each interval (the highest, when merged). */
  liveUsers: number[];
  /** By series key, e.g. `ack{event:message:send}`. */
  latencies: Record<string, TimelineLatency>;
  /** By series key, e.g. `disconnects{reason:transport close}`: how much each counter grew in each interval. */
  counters: Record<string, number[]>;
}

export interface Timeline {
  /** Counter totals before the first window (seeding's): growth is counted from these. */
  start(counters: { key: string; value: number }[]): void;
  add(window: TimelineWindow): void;
  snapshot(): RunTimeline;
}

/** Intervals a timeline holds at most: a day-long run still writes a small result.json. */
export const TIMELINE_MAX_POINTS = 300;

/** The interval for a run of `plannedMs`: one second, or wider so the planned run fits in maxPoints. */
export function timelineIntervalMs(plannedMs: number, maxPoints = TIMELINE_MAX_POINTS): number {
  return Math.max(1_000, Math.ceil(plannedMs / maxPoints / 1_000) * 1_000);
}

/** The figures of one latency series, a column each; NaN where an interval had no sample. */
interface LatencyColumns {
  count: Float64Array;
  p50Us: Float64Array;
  p95Us: Float64Array;
  p99Us: Float64Array;
  maxUs: Float64Array;
}

const PERCENTILES = ['p50Us', 'p95Us', 'p99Us', 'maxUs'] as const;

/**
 * Collects a run's windows into a bounded timeline. Sampled every `intervalMs`; when a run goes
 * on past `maxPoints` intervals (an iteration-bound run has no planned length), neighbouring
 * points are merged in pairs and later windows go two to a point, so memory and result.json stay
 * bounded and the intervals stay of one width.
 *
 * Held in columns sized for `maxPoints` from the start (each series' columns when it first
 * appears): a run's heap holds its whole timeline from its first point on and does not grow with
 * its length, so a soak's heap is flat where the run is (bench/soak.ts).
 */
export function createTimeline(options: { intervalMs: number; maxPoints?: number }): Timeline {
  const maxPoints = Math.max(2, options.maxPoints ?? TIMELINE_MAX_POINTS);
  // One slot more than maxPoints: a point is added, then pairs are merged.
  const slots = maxPoints + 1;
  let windowsPerPoint = 1;
  let merged = false;
  /** Points held, and how many windows the last one holds. */
  let length = 0;
  let lastParts = 0;
  const atMs = new Float64Array(slots);
  const vus = new Float64Array(slots);
  const liveUsers = new Float64Array(slots);
  const latencies = new Map<string, LatencyColumns>();
  const counters = new Map<string, Float64Array>();
  const lastTotals = new Map<string, number>();

  const latencyColumns = (key: string): LatencyColumns => {
    let columns = latencies.get(key);
    if (!columns) {
      columns = { count: new Float64Array(slots), p50Us: new Float64Array(slots).fill(NaN), p95Us: new Float64Array(slots).fill(NaN), p99Us: new Float64Array(slots).fill(NaN), maxUs: new Float64Array(slots).fill(NaN) };
      latencies.set(key, columns);
    }
    return columns;
  };
  const counterColumn = (key: string): Float64Array => {
    let column = counters.get(key);
    if (!column) counters.set(key, (column = new Float64Array(slots)));
    return column;
  };
  /** The higher of two percentiles, NaN (no sample) only when both are. */
  const higher = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));

  /** Merges point `from` into point `into` (a window into the last point, or pairs when the timeline halves). */
  function mergeInto(into: number, from: number): void {
    atMs[into] = Math.max(atMs[into]!, atMs[from]!);
    vus[into] = Math.max(vus[into]!, vus[from]!);
    liveUsers[into] = Math.max(liveUsers[into]!, liveUsers[from]!);
    for (const c of latencies.values()) {
      c.count[into] = c.count[into]! + c.count[from]!;
      for (const p of PERCENTILES) c[p][into] = higher(c[p][into]!, c[p][from]!);
    }
    for (const column of counters.values()) column[into] = column[into]! + column[from]!;
  }
  /** Point `from` moved to slot `to` (`from` is then free). */
  function move(to: number, from: number): void {
    atMs[to] = atMs[from]!;
    vus[to] = vus[from]!;
    liveUsers[to] = liveUsers[from]!;
    for (const c of latencies.values()) {
      c.count[to] = c.count[from]!;
      for (const p of PERCENTILES) c[p][to] = c[p][from]!;
    }
    for (const column of counters.values()) column[to] = column[from]!;
  }
  /** Slot `i` made empty, for a new point. */
  function clear(i: number): void {
    for (const c of latencies.values()) {
      c.count[i] = 0;
      for (const p of PERCENTILES) c[p][i] = NaN;
    }
    for (const column of counters.values()) column[i] = 0;
  }

  function add(window: TimelineWindow): void {
    // A new point goes into the free slot after the last; it is merged into the last one when that holds fewer windows than a point does.
    const i = length;
    clear(i);
    atMs[i] = Math.round(window.atMs);
    vus[i] = window.vus;
    liveUsers[i] = window.liveUsers;
    for (const { key, summary } of window.latencies) {
      const c = latencyColumns(key);
      c.count[i] = summary.count;
      for (const p of PERCENTILES) c[p][i] = summary[p];
    }
    for (const { key, value } of window.counters) {
      const grew = value - (lastTotals.get(key) ?? 0);
      lastTotals.set(key, value);
      if (grew !== 0) counterColumn(key)[i] = grew;
    }
    if (length > 0 && lastParts < windowsPerPoint) {
      mergeInto(length - 1, i);
      lastParts++;
    } else {
      length++;
      lastParts = 1;
    }
    if (length > maxPoints) {
      windowsPerPoint *= 2;
      merged = true;
      let kept = 0;
      for (let j = 0; j < length; j += 2) {
        move(kept, j);
        if (j + 1 < length) mergeInto(kept, j + 1);
        kept++;
      }
      // The point just added holds one window: alone, it still does; paired, it joined a full point.
      lastParts = length % 2 === 0 ? windowsPerPoint / 2 + 1 : 1;
      length = kept;
    }
  }

  function snapshot(): RunTimeline {
    const column = (values: Float64Array) => Array.from(values.subarray(0, length));
    const orNull = (values: Float64Array) => Array.from(values.subarray(0, length), (v) => (Number.isNaN(v) ? null : v));
    const out: Record<string, TimelineLatency> = {};
    for (const key of [...latencies.keys()].sort()) {
      const c = latencies.get(key)!;
      if (!c.count.subarray(0, length).some((n, i) => n > 0 || !Number.isNaN(c.maxUs[i]!))) continue;
      out[key] = { count: column(c.count), p50Us: orNull(c.p50Us), p95Us: orNull(c.p95Us), p99Us: orNull(c.p99Us), maxUs: orNull(c.maxUs) };
    }
    const grown: Record<string, number[]> = {};
    for (const key of [...counters.keys()].sort()) {
      const c = counters.get(key)!;
      if (!c.subarray(0, length).some((n) => n !== 0)) continue;
      grown[key] = column(c);
    }
    return {
      intervalMs: options.intervalMs * windowsPerPoint,
      merged,
      atMs: column(atMs),
      vus: column(vus),
      liveUsers: column(liveUsers),
      latencies: out,
      counters: grown,
    };
  }

  function start(counters: { key: string; value: number }[]): void {
    for (const { key, value } of counters) lastTotals.set(key, value);
  }

  return { start, add, snapshot };
}
