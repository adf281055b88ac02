import { BazaarError } from '../errors.ts';
import { formatStat, fromMicroseconds, isTimeStat, type ThresholdExpression } from './expression.ts';
import type { Threshold } from './parse-thresholds.ts';
import type { MetricSelector } from './selector.ts';
import { closest } from '../util/closest.ts';

/* Judging thresholds against what a run recorded. Anything that cannot be judged (no metric, no
 * samples, a statistic the metric does not have) fails with a reason: a threshold that silently
 * passes because it looked at nothing is the bug thresholds exist to catch. */

/** What the engine can tell about a selector; undefined when no such metric exists. */
export type MetricValue = (
  | { kind: 'trend'; count: number; minUs: number; maxUs: number; meanUs: number; percentileUs(p: number): number }
  | { kind: 'counter'; count: number; ratePerSec: number }
) & {
  /** The selector's tag filters no series of the metric carried (see neverObservedTags). */
  neverObserved?: string[];
};

/** What a run records, by metric name: its kind and the tag keys its series carry. */
export type MetricCatalog = Readonly<Record<string, { kind: 'trend' | 'counter'; tags: readonly string[] }>>;

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
  /**
   * Tag filters of the selector that no series of the metric carried by the end of the run,
   * e.g. ['code:internl']: the threshold judged nothing there, pass or fail (a typo, or an event
   * that never happened).
   */
  neverObserved?: string[];
}

export function evaluateThresholds(thresholds: Threshold[], resolve: MetricResolver): ThresholdResult[] {
  return thresholds.map((threshold) => evaluateThreshold(threshold, resolve(threshold.selector)));
}

/** Judge one threshold against the value its selector resolved to. */
export function evaluateThreshold(threshold: Threshold, value: MetricValue | undefined): ThresholdResult {
  const { key, expression, abortOnFail } = threshold;
  const neverObserved = value?.neverObserved?.length ? { neverObserved: value.neverObserved } : {};
  const base = { key, source: expression.source, unit: expression.unit, abortOnFail, ...neverObserved };
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
 * Before a run starts: every threshold must name a metric the run records, and filter it only by
 * tag keys that metric's series carry. k6 lets a misspelled key match nothing and pass forever
 * (issue #1526); here it is an error.
 */
export function checkThresholdMetrics(thresholds: Threshold[], catalog: MetricCatalog): void {
  const knownMetrics = Object.keys(catalog);
  const unknown = thresholds.filter((threshold) => !Object.hasOwn(catalog, threshold.selector.metric));
  const first = unknown[0];
  if (first) {
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
  for (const threshold of thresholds) {
    const { metric, tags } = threshold.selector;
    const allowed = (catalog[metric] as MetricCatalog[string]).tags;
    const bad = Object.keys(tags).find((tag) => !allowed.includes(tag));
    if (bad === undefined) continue;
    const near = closest(bad, allowed);
    const rewritten = formatSelector(metric, tags, bad, near);
    throw new BazaarError(
      'BAZAAR_UNKNOWN_TAG',
      `threshold ${quote(threshold.key)} filters ${quote(metric)} by tag ${quote(bad)}, which its series never carry; `
        + (allowed.length > 0 ? `${metric} is tagged by ${allowed.join(', ')}` : `${metric} has no tags`),
      near ? `did you mean ${quote(near)}? write ${quote(rewritten)}` : `write ${quote(rewritten)}`,
    );
  }
}

/** The selector with tag `bad` renamed to `near`, or dropped when nothing is near. */
function formatSelector(metric: string, tags: Record<string, string>, bad: string, near: string | undefined): string {
  const pairs = Object.entries(tags).flatMap(([tag, value]) => (tag !== bad ? [`${tag}:${value}`] : near ? [`${near}:${value}`] : []));
  return pairs.length > 0 ? `${metric}{${pairs.join(',')}}` : metric;
}

/**
 * Which of a selector's tag filters no series carried: each `tag:value` no series of the metric
 * had, or, when every one was seen but never together, the whole filter. Empty when `matched`
 * (some series carried them all) or there are no tags. `seen(tag, value)` asks the registry.
 */
export function neverObservedTags(
  tags: Record<string, string>,
  matched: boolean,
  seen: (tag: string, value: string) => boolean,
): string[] {
  const pairs = Object.entries(tags);
  if (matched || pairs.length === 0) return [];
  const unseen = pairs.filter(([tag, value]) => !seen(tag, value)).map(([tag, value]) => `${tag}:${value}`);
  return unseen.length > 0 ? unseen : [pairs.map(([tag, value]) => `${tag}:${value}`).join(',')];
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

