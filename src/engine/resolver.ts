import { METRICS, type MetricName } from '../client/sink.ts';
import type { MetricsQueries } from '../metrics/index.ts';
import type { Scenario } from '../scenario/types.ts';
import {
  checkThresholdMetrics,
  neverObservedTags,
  parseCliThreshold,
  parseThresholds,
  type MetricResolver,
  type Threshold,
} from '../thresholds/index.ts';

/** Thresholds read metrics through this: a run's registry, or the workers' merged snapshot. */
export function resolverFor(registry: MetricsQueries, elapsedMs: () => number): MetricResolver {
  return (selector) => {
    const declared = Object.hasOwn(METRICS, selector.metric) ? METRICS[selector.metric as MetricName] : undefined;
    const latency = registry.queryLatency(selector.metric, selector.tags);
    const count = latency ? undefined : registry.queryCounter(selector.metric, selector.tags);
    // A tag value no series carried (errors{code:internl}): judged as zero, and said so.
    const neverObserved = neverObservedTags(selector.tags, latency !== undefined || count !== undefined, (tag, value) =>
      declared?.kind === 'trend'
        ? registry.queryLatency(selector.metric, { [tag]: value }) !== undefined
        : registry.queryCounter(selector.metric, { [tag]: value }) !== undefined);
    const observed = neverObserved.length > 0 ? { neverObserved } : {};
    if (latency) {
      return {
        kind: 'trend',
        count: latency.count,
        minUs: latency.summary.minUs,
        maxUs: latency.summary.maxUs,
        meanUs: latency.summary.meanUs,
        percentileUs: (p: number) => latency.percentileUs(p),
      };
    }
    // A known metric that never fired is a zero, not a missing metric: 'errors' count==0 passes.
    if (count === undefined && !declared) return undefined;
    if (count === undefined && declared?.kind === 'trend') {
      return { kind: 'trend', count: 0, minUs: 0, maxUs: 0, meanUs: 0, percentileUs: () => 0, ...observed };
    }
    const value = count ?? 0;
    return { kind: 'counter', count: value, ratePerSec: value / Math.max(0.001, elapsedMs() / 1000), ...observed };
  };
}


/** The scenario's thresholds and --threshold's, every metric checked against the known ones. */
export function collectThresholds(scenario: Scenario, extra: string[] = []): Threshold[] {
  const thresholds = [...parseThresholds(scenario.thresholds ?? {}), ...extra.map(parseCliThreshold)];
  checkThresholdMetrics(thresholds, METRICS);
  return thresholds;
}

