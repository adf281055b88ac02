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

type WindowFigures = Pick<TrendSummary, 'count' | 'p50Us' | 'p95Us' | 'p99Us' | 'maxUs'>;

interface Point {
  /** How many sampled windows this point holds. */
  parts: number;
  atMs: number;
  vus: number;
  liveUsers: number;
  latencies: Map<string, WindowFigures>;
  counters: Map<string, number>;
}

/**
 * Collects a run's windows into a bounded timeline. Sampled every `intervalMs`; when a run goes
 * on past `maxPoints` intervals (an iteration-bound run has no planned length), neighbouring
 * points are merged in pairs and later windows go two to a point, so memory and result.json stay
 * bounded and the intervals stay of one width.
 */
export function createTimeline(options: { intervalMs: number; maxPoints?: number }): Timeline {
  const maxPoints = Math.max(2, options.maxPoints ?? TIMELINE_MAX_POINTS);
  let windowsPerPoint = 1;
  let merged = false;
  const points: Point[] = [];
  const lastTotals = new Map<string, number>();

  function add(window: TimelineWindow): void {
    const point: Point = {
      parts: 1,
      atMs: Math.round(window.atMs),
      vus: window.vus,
      liveUsers: window.liveUsers,
      latencies: new Map(window.latencies.map(({ key, summary }) => [key, pick(summary)])),
      counters: new Map(),
    };
    for (const { key, value } of window.counters) {
      const grew = value - (lastTotals.get(key) ?? 0);
      lastTotals.set(key, value);
      if (grew !== 0) point.counters.set(key, grew);
    }
    const last = points.at(-1);
    if (last && last.parts < windowsPerPoint) points[points.length - 1] = mergePoints(last, point);
    else points.push(point);
    if (points.length > maxPoints) {
      windowsPerPoint *= 2;
      merged = true;
      const pairs: Point[] = [];
      for (let i = 0; i < points.length; i += 2) {
        const next = points[i + 1];
        pairs.push(next ? mergePoints(points[i] as Point, next) : (points[i] as Point));
      }
      points.splice(0, points.length, ...pairs);
    }
  }

  function snapshot(): RunTimeline {
    const latencyKeys = [...new Set(points.flatMap((p) => [...p.latencies.keys()]))].sort();
    const counterKeys = [...new Set(points.flatMap((p) => [...p.counters.keys()]))].sort();
    const latencies: Record<string, TimelineLatency> = {};
    for (const key of latencyKeys) {
      const at = points.map((p) => p.latencies.get(key));
      latencies[key] = {
        count: at.map((s) => s?.count ?? 0),
        p50Us: at.map((s) => s?.p50Us ?? null),
        p95Us: at.map((s) => s?.p95Us ?? null),
        p99Us: at.map((s) => s?.p99Us ?? null),
        maxUs: at.map((s) => s?.maxUs ?? null),
      };
    }
    const counters: Record<string, number[]> = {};
    for (const key of counterKeys) counters[key] = points.map((p) => p.counters.get(key) ?? 0);
    return {
      intervalMs: options.intervalMs * windowsPerPoint,
      merged,
      atMs: points.map((p) => p.atMs),
      vus: points.map((p) => p.vus),
      liveUsers: points.map((p) => p.liveUsers),
      latencies,
      counters,
    };
  }

  function start(counters: { key: string; value: number }[]): void {
    for (const { key, value } of counters) lastTotals.set(key, value);
  }

  return { start, add, snapshot };
}

function pick(summary: TrendSummary): WindowFigures {
  return { count: summary.count, p50Us: summary.p50Us, p95Us: summary.p95Us, p99Us: summary.p99Us, maxUs: summary.maxUs };
}

function mergePoints(a: Point, b: Point): Point {
  const latencies = new Map(a.latencies);
  for (const [key, s] of b.latencies) {
    const seen = latencies.get(key);
    latencies.set(key, seen
      ? {
          count: seen.count + s.count,
          p50Us: Math.max(seen.p50Us, s.p50Us),
          p95Us: Math.max(seen.p95Us, s.p95Us),
          p99Us: Math.max(seen.p99Us, s.p99Us),
          maxUs: Math.max(seen.maxUs, s.maxUs),
        }
      : s);
  }
  const counters = new Map(a.counters);
  for (const [key, n] of b.counters) counters.set(key, (counters.get(key) ?? 0) + n);
  return {
    parts: a.parts + b.parts,
    atMs: Math.max(a.atMs, b.atMs),
    vus: Math.max(a.vus, b.vus),
    liveUsers: Math.max(a.liveUsers, b.liveUsers),
    latencies,
    counters,
  };
}
