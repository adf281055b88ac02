export { parseMetricSelector, formatMetricSelector, type MetricSelector } from './selector.ts';
export {
  parseThresholdExpression,
  formatStat,
  isTimeStat,
  fromMicroseconds,
  type Stat,
  type ComparisonOp,
  type ThresholdUnit,
  type ThresholdExpression,
} from './expression.ts';
export { parseThresholds, parseCliThreshold, type ThresholdSpecs, type Threshold } from './parse-thresholds.ts';
export {
  evaluateThresholds,
  evaluateThreshold,
  checkThresholdMetrics,
  neverObservedTags,
  type MetricCatalog,
  type MetricValue,
  type MetricResolver,
  type ThresholdResult,
} from './evaluate.ts';
