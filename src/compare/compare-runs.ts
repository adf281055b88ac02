import type { TrendSummary } from '../metrics/index.ts';
import { judgeComparability, type Comparability } from './comparability.ts';
import { readRecordedMetrics } from './distributions.ts';
import { evaluateGate, relativeChangePercent, type Gate, type GateResult } from './gates.ts';
import type { RecordedRun } from './recorded-run.ts';

/** The percentiles a comparison shows for every latency series, from the full distributions. */
export const COMPARED_STATS = ['p50Us', 'p90Us', 'p95Us', 'p99Us', 'maxUs'] as const;
export type ComparedStat = (typeof COMPARED_STATS)[number];

export interface Change {
  base: number | undefined;
  current: number | undefined;
  /** current - base; undefined when either is missing. */
  delta: number | undefined;
  /** In %; ±Infinity from a zero baseline. */
  percent: number | undefined;
}

export interface LatencyComparison {
  key: string;
  count: Change;
  /** In µs. */
  stats: Record<ComparedStat, Change>;
}

export interface CounterComparison {
  key: string;
  value: Change;
}

export interface RunIdentity {
  scenario: string;
  startedAt: string;
  target: string;
  status: string;
  path?: string;
}

export interface RunComparison extends Comparability {
  base: RunIdentity;
  current: RunIdentity;
  latencies: LatencyComparison[];
  counters: CounterComparison[];
  gates: GateResult[];
  /** Every gate passed (true when there are none). */
  gatesPassed: boolean;
}

/** Compare two recorded runs series by series, and judge the gates. Pure. */
export function compareRuns(base: RecordedRun & { path?: string }, current: RecordedRun & { path?: string }, gates: Gate[] = []): RunComparison {
  const baseMetrics = readRecordedMetrics(base.metrics, base.durationMs);
  const currentMetrics = readRecordedMetrics(current.metrics, current.durationMs);
  // schedule_lag is the generator's own figure, not the target's (as in the run summary); gates may still name it.
  const latencyKeys = union(baseMetrics.latencyKeys(), currentMetrics.latencyKeys()).filter((key) => !/^schedule_lag\b/.test(key));
  const latencies = latencyKeys.map((key): LatencyComparison => {
    const b = baseMetrics.latency(key);
    const c = currentMetrics.latency(key);
    const stat = (field: keyof TrendSummary) => change(b?.[field], c?.[field]);
    return {
      key,
      count: change(b?.count ?? 0, c?.count ?? 0),
      stats: Object.fromEntries(COMPARED_STATS.map((field) => [field, stat(field)])) as Record<ComparedStat, Change>,
    };
  });
  const counters = union(baseMetrics.counterKeys(), currentMetrics.counterKeys()).map((key) => ({
    key,
    // A counter a run never created counted nothing.
    value: change(baseMetrics.counter(key) ?? 0, currentMetrics.counter(key) ?? 0),
  }));
  const judged = gates.map((gate) => evaluateGate(gate, baseMetrics, currentMetrics));
  return {
    ...judgeComparability(base, current),
    base: identity(base),
    current: identity(current),
    latencies,
    counters,
    gates: judged,
    gatesPassed: judged.every((g) => g.passed),
  };
}

function change(base: number | undefined, current: number | undefined): Change {
  const both = base !== undefined && current !== undefined;
  return {
    base,
    current,
    delta: both ? current - base : undefined,
    percent: both ? relativeChangePercent(base, current) : undefined,
  };
}

function identity(run: RecordedRun & { path?: string }): RunIdentity {
  return { scenario: run.scenario, startedAt: run.startedAt, target: run.target, status: run.status, ...(run.path ? { path: run.path } : {}) };
}

const union = (a: string[], b: string[]) => [...new Set([...a, ...b])].sort();
