import type { Histogram } from 'hdr-histogram-js';
import { BazaarError } from '../errors.ts';
import {
  createLatencyHistogram,
  createWindowHistogram,
  encodeHistogram,
  mergeHistograms,
  summarize,
  toRecordableUs,
  type TrendSummary,
} from './histogram.ts';
import type { LatencySnapshot, MetricsSnapshot } from './snapshot.ts';
import { seriesKey, tagsInclude, type Tags } from './tags.ts';

export interface LatencySeries {
  name: string;
  tags: Tags;
  key: string;
  /**
   * Record one latency. For scheduled (open-model) actions pass intendedStartUs: the main
   * (corrected) histogram measures from the intended start (coordinated omission corrected, as
   * wrk2), and the uncorrected histogram from the actual start. Without intendedStartUs both get
   * endUs - actualStartUs. An action that started before its intended time is measured from its
   * actual start in both, so corrected is never below uncorrected.
   */
  record(actualStartUs: number, endUs: number, intendedStartUs?: number): void;
  /** Record a value directly (e.g. a timeout recorded AT the timeout value: never dropped). */
  recordValueUs(valueUs: number, uncorrectedUs?: number): void;
  summary(): TrendSummary;
  uncorrectedSummary(): TrendSummary;
  /** The corrected latency at percentile `p` (0..100). */
  percentileUs(p: number): number;
}

export interface CounterSeries {
  name: string;
  tags: Tags;
  key: string;
  add(n?: number): void;
  value(): number;
}

export interface LatencyQuery {
  count: number;
  summary: TrendSummary;
  percentileUs(p: number): number;
}

export interface MetricsRegistry {
  /** Get-or-create. */
  latency(name: string, tags?: Tags): LatencySeries;
  /** Get-or-create. */
  counter(name: string, tags?: Tags): CounterSeries;
  /**
   * Merged view over every series of `name` whose tags include `tags` (for thresholds/progress),
   * computed at call time from the corrected histograms. undefined if no series matches.
   */
  queryLatency(name: string, tags?: Tags): LatencyQuery | undefined;
  /** Sum over every counter of `name` whose tags include `tags`. undefined if none matches. */
  queryCounter(name: string, tags?: Tags): number | undefined;
  /** Every latency and counter name, sorted. */
  metricNames(): string[];
  /** JSON-serializable, series sorted by key. */
  snapshot(): MetricsSnapshot;
  /**
   * The same snapshot, built one latency series per step: each `next()` summarizes and encodes at
   * most one series, and the generator's return value is the snapshot. A running generator drives
   * it with a yield to its event loop between steps, so writing a report never blocks the loop for
   * more than one series (issue 12: 20 series of 20k samples took 145 ms in one go). Each series
   * is consistent in itself; series read in later steps include samples recorded in between.
   */
  snapshotInSteps(): Generator<void, MetricsSnapshot>;
  /**
   * Corrected latencies of every series of `name` recorded since the last call for that name (or
   * since the first series of that name was created): a windowed p95 for a live progress line.
   * undefined when nothing of that name was recorded in the window.
   */
  intervalLatency(name: string): TrendSummary | undefined;
  /**
   * Each series' corrected latencies recorded since the last call (the run's timeline, at 1%
   * precision): series with no sample in the window are left out. Independent of intervalLatency.
   */
  windowLatencies(): { key: string; summary: TrendSummary }[];
  /** Every counter's total now, by series key (the timeline takes differences). */
  counterValues(): { key: string; value: number }[];
  /**
   * Every series as it is now, for a live exporter (Prometheus): the corrected histograms
   * themselves, to be read, never recorded into. Nothing is copied or encoded.
   */
  liveSeries(): { latencies: { name: string; tags: Tags; histogram: Histogram }[]; counters: CounterSeries[] };
}

interface LatencyState {
  series: LatencySeries;
  corrected: Histogram;
  /** The corrected histogram itself until a sample's two figures first differ (see below). */
  uncorrected(): Histogram;
  /** The last snapshot entry and the sample count it was taken at: a series not recorded since is not encoded again. */
  cached: { count: number; entry: LatencySnapshot } | undefined;
  /** Samples since the last windowLatencies() call. */
  window: Histogram;
}

export function createMetricsRegistry(): MetricsRegistry {
  const latencies = new Map<string, LatencyState>();
  const latenciesByName = new Map<string, LatencyState[]>();
  // One window per name rather than per series: the progress line asks by name.
  const intervals = new Map<string, Histogram>();
  const counters = new Map<string, CounterSeries>();
  const countersByName = new Map<string, CounterSeries[]>();

  function latency(name: string, tags: Tags = {}): LatencySeries {
    const key = seriesKey(name, tags);
    const existing = latencies.get(key);
    if (existing) return existing.series;
    checkName(name, 'latency');
    let interval = intervals.get(name);
    if (!interval) {
      interval = createLatencyHistogram();
      intervals.set(name, interval);
    }
    const state = createLatencyState(name, { ...tags }, key, interval);
    latencies.set(key, state);
    appendTo(latenciesByName, name, state);
    return state.series;
  }

  function counter(name: string, tags: Tags = {}): CounterSeries {
    const key = seriesKey(name, tags);
    const existing = counters.get(key);
    if (existing) return existing;
    checkName(name, 'counter');
    const series = createCounter(name, { ...tags }, key);
    counters.set(key, series);
    appendTo(countersByName, name, series);
    return series;
  }

  function queryLatency(name: string, tags: Tags = {}): LatencyQuery | undefined {
    const matching = (latenciesByName.get(name) ?? []).filter((state) => tagsInclude(state.series.tags, tags));
    if (matching.length === 0) return undefined;
    // One match is read in place; several are summed into a fresh histogram.
    const histogram = matching.length === 1 ? (matching[0] as LatencyState).corrected : mergeHistograms(matching.map((state) => state.corrected));
    return {
      count: histogram.totalCount,
      summary: summarize(histogram),
      percentileUs: (p) => histogram.getValueAtPercentile(p),
    };
  }

  function queryCounter(name: string, tags: Tags = {}): number | undefined {
    const matching = (countersByName.get(name) ?? []).filter((series) => tagsInclude(series.tags, tags));
    if (matching.length === 0) return undefined;
    return matching.reduce((sum, series) => sum + series.value(), 0);
  }

  function intervalLatency(name: string): TrendSummary | undefined {
    const interval = intervals.get(name);
    if (!interval || interval.totalCount === 0) return undefined;
    const summary = summarize(interval);
    interval.reset();
    return summary;
  }

  function windowLatencies(): { key: string; summary: TrendSummary }[] {
    const windows: { key: string; summary: TrendSummary }[] = [];
    for (const state of latencies.values()) {
      if (state.window.totalCount === 0) continue;
      windows.push({ key: state.series.key, summary: summarize(state.window) });
      state.window.reset();
    }
    return windows.sort(byKey);
  }

  function* snapshotInSteps(): Generator<void, MetricsSnapshot> {
    const entries: LatencySnapshot[] = [];
    for (const state of [...latencies.values()]) {
      const cached = state.cached;
      if (cached && cached.count === state.corrected.totalCount) {
        entries.push(cached.entry);
        continue;
      }
      entries.push(snapshotOf(state));
      yield;
    }
    return {
      // Copies: a cached entry is shared between snapshots, and a caller may change what it gets.
      latencies: entries.map(copyEntry).sort(byKey),
      counters: [...counters.values()]
        .map((series) => ({ name: series.name, tags: { ...series.tags }, key: series.key, value: series.value() }))
        .sort(byKey),
    };
  }

  function snapshot(): MetricsSnapshot {
    const steps = snapshotInSteps();
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
    }
  }

  return {
    latency,
    counter,
    queryLatency,
    queryCounter,
    metricNames: () => [...new Set([...latenciesByName.keys(), ...countersByName.keys()])].sort(),
    snapshot,
    snapshotInSteps,
    intervalLatency,
    windowLatencies,
    counterValues: () => [...counters.values()].map((series) => ({ key: series.key, value: series.value() })).sort(byKey),
    liveSeries: () => ({
      latencies: [...latencies.values()].map((state) => ({ name: state.series.name, tags: state.series.tags, histogram: state.corrected })),
      counters: [...counters.values()],
    }),
  };
}

/** Summarize and encode one series, and keep the result for as long as nothing is recorded in it. */
function snapshotOf(state: LatencyState): LatencySnapshot {
  const { series, corrected } = state;
  const count = corrected.totalCount;
  const uncorrected = state.uncorrected();
  const summary = summarize(corrected);
  const histogram = encodeHistogram(corrected);
  const entry: LatencySnapshot = {
    name: series.name,
    tags: { ...series.tags },
    key: series.key,
    summary,
    // Until a sample's figures first differ the two histograms are one: summarized and encoded once.
    uncorrected: uncorrected === corrected ? { ...summary } : summarize(uncorrected),
    histogram,
    uncorrectedHistogram: uncorrected === corrected ? histogram : encodeHistogram(uncorrected),
  };
  state.cached = { count, entry };
  return entry;
}

function copyEntry(entry: LatencySnapshot): LatencySnapshot {
  return { ...entry, tags: { ...entry.tags }, summary: { ...entry.summary }, uncorrected: { ...entry.uncorrected } };
}

function createLatencyState(name: string, tags: Tags, key: string, interval: Histogram): LatencyState {
  const corrected = createLatencyHistogram();
  // A closed-model run (and any sample without an intended start) has no coordinated omission to
  // correct: both figures are the same, and recording them twice is a cost on every round trip
  // for nothing. So the uncorrected histogram starts as the corrected one, and becomes its own
  // (a copy of every sample so far) at the first sample whose two figures differ.
  let uncorrected: Histogram | undefined;
  const window = createWindowHistogram();
  const recordValueUs = (valueUs: number, uncorrectedUs = valueUs) => {
    const correctedValue = toRecordableUs(valueUs, key);
    const uncorrectedValue = uncorrectedUs === valueUs ? correctedValue : toRecordableUs(uncorrectedUs, key);
    if (uncorrected === undefined && uncorrectedValue !== correctedValue) uncorrected = mergeHistograms([corrected]);
    corrected.recordValue(correctedValue);
    uncorrected?.recordValue(uncorrectedValue);
    interval.recordValue(correctedValue);
    window.recordValue(correctedValue);
  };
  const uncorrectedHistogram = () => uncorrected ?? corrected;
  const series: LatencySeries = {
    name,
    tags,
    key,
    record(actualStartUs, endUs, intendedStartUs) {
      // wrk2: a scheduled action's latency runs from when it should have started, so time spent
      // queued behind a stalled one counts (coordinated omission). Measuring from an intended
      // start later than the actual one would only hide time, hence the min.
      const fromUs = intendedStartUs === undefined ? actualStartUs : Math.min(intendedStartUs, actualStartUs);
      recordValueUs(endUs - fromUs, endUs - actualStartUs);
    },
    recordValueUs,
    summary: () => summarize(corrected),
    uncorrectedSummary: () => summarize(uncorrectedHistogram()),
    percentileUs: (p) => corrected.getValueAtPercentile(p),
  };
  return { series, corrected, uncorrected: uncorrectedHistogram, cached: undefined, window };
}

function createCounter(name: string, tags: Tags, key: string): CounterSeries {
  let total = 0;
  return {
    name,
    tags,
    key,
    add(n = 1) {
      if (!Number.isFinite(n)) {
        throw new BazaarError('BAZAAR_BAD_SAMPLE', `counter ${key} cannot add ${n}`, 'add a finite number');
      }
      total += n;
    },
    value: () => total,
  };
}

function checkName(name: string, kind: string): void {
  if (name === '' || /[{}]/.test(name)) {
    throw new BazaarError(
      'BAZAAR_BAD_METRIC_NAME',
      `${kind} name "${name}" is not a metric name`,
      'use a non-empty name without braces and pass tags separately: latency("ack", { event: "message:send" })',
    );
  }
}

function appendTo<T>(index: Map<string, T[]>, name: string, item: T): void {
  const list = index.get(name);
  if (list) list.push(item);
  else index.set(name, [item]);
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
