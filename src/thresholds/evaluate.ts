import { BazaarError } from '../errors.ts';
import { formatStat, fromMicroseconds, isTimeStat, type ThresholdExpression } from './expression.ts';
import type { Threshold } from './parse-thresholds.ts';
import type { MetricSelector } from './selector.ts';
import { closest } from '../util/closest.ts';

/* Judging thresholds against what a run recorded. Anything that cannot be judged (no metric, no
 * samples, a statistic the metric does not have) fails with a reason: a threshold that silently
 * passes because it looked at nothing is the bug thresholds exist to catch. */

/** What the engine can tell about a selector; undefined when no such metric exists. */
export type MetricValue =
  | { kind: 'trend'; count: number; minUs: number; maxUs: number; meanUs: number; percentileUs(p: number): number }
  | { kind: 'counter'; count: number; ratePerSec: number };

export type MetricResolver = (selector: MetricSelector) => MetricValue | undefined;

export interface ThresholdResult {
  key: string;
  source: string;
  passed: boolean;
  /** In the threshold's unit (ms for 'p(95)<150ms'); undefined when nothing could be observed. */
  observed: number | undefined;
  unit: string;
  abortOnFail: boolean;
  /** Why it failed, when the cause is not simply the comparison (no metric, no samples, wrong kind). */
  reason?: string;
}

export function evaluateThresholds(thresholds: Threshold[], resolve: MetricResolver): ThresholdResult[] {
  return thresholds.map((threshold) => evaluateThreshold(threshold, resolve(threshold.selector)));
}

/** Judge one threshold against the value its selector resolved to. */
export function evaluateThreshold(threshold: Threshold, value: MetricValue | undefined): ThresholdResult {
  const { key, expression, abortOnFail } = threshold;
  const base = { key, source: expression.source, unit: expression.unit, abortOnFail };
  const failed = (reason: string): ThresholdResult => ({ ...base, passed: false, observed: undefined, reason });
  const metric = threshold.selector.metric;
  const stat = formatStat(expression.stat);

  if (value === undefined) return failed(`no metric matches ${quote(key)}`);
  let observed: number;
  if (value.kind === 'counter') {
    if (isTimeStat(expression.stat)) {
      return failed(`${stat} needs timings, but ${quote(metric)} is a counter; use count or rate`);
    }
    observed = expression.stat.kind === 'count' ? value.count : value.ratePerSec;
  } else {
    const { stat: s } = expression;
    if (s.kind === 'rate') {
      return failed(`rate needs a counter, but ${quote(metric)} is a trend; use count, or a timing like p(95)`);
    }
    if (s.kind === 'count') {
      observed = value.count;
    } else {
      if (value.count === 0) return failed('no samples');
      const observedUs = s.kind === 'percentile' ? value.percentileUs(s.p)
        : s.kind === 'med' ? value.percentileUs(50)
        : s.kind === 'avg' ? value.meanUs
        : s.kind === 'min' ? value.minUs
        : value.maxUs;
      if (!Number.isFinite(observedUs)) return failed(`${stat} of ${quote(metric)} is not a number (${observedUs})`);
      return { ...base, passed: compare(observedUs, expression), observed: fromMicroseconds(observedUs, expression.unit) };
    }
  }
  if (!Number.isFinite(observed)) return failed(`${stat} of ${quote(metric)} is not a number (${observed})`);
  return { ...base, passed: compare(observed, expression), observed };
}

/**
 * Before a run starts: every threshold must name a metric the run records. k6 lets a misspelled
 * key match nothing and pass forever (issue #1526); here it is an error.
 */
export function checkThresholdMetrics(thresholds: Threshold[], knownMetrics: readonly string[]): void {
  const unknown = thresholds.filter((threshold) => !knownMetrics.includes(threshold.selector.metric));
  const first = unknown[0];
  if (!first) return;
  const known = [...knownMetrics].sort();
  const others = [...new Set(unknown.slice(1).map((threshold) => threshold.key))].filter((key) => key !== first.key);
  const near = closest(first.selector.metric, known);
  throw new BazaarError(
    'BAZAAR_UNKNOWN_METRIC',
    `threshold ${quote(first.key)} names metric ${quote(first.selector.metric)}, which does not exist; `
      + `known metrics: ${known.join(', ')}`
      + (others.length > 0 ? ` (also unknown: ${others.map(quote).join(', ')})` : ''),
    near ? `did you mean ${quote(near)}?` : 'name one of the known metrics',
  );
}

function compare(observed: number, { op, value }: ThresholdExpression): boolean {
  switch (op) {
    case '<': return observed < value;
    case '<=': return observed <= value;
    case '>': return observed > value;
    case '>=': return observed >= value;
    case '==': return observed === value;
    case '!=': return observed !== value;
  }
}

function quote(text: string): string {
  return `'${text}'`;
}

