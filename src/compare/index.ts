export { compareRuns, COMPARED_STATS, type RunComparison, type LatencyComparison, type CounterComparison, type Change, type RunIdentity } from './compare-runs.ts';
export { judgeComparability, type Comparability } from './comparability.ts';
export { parseGate, evaluateGate, relativeChangePercent, type Gate, type GateResult, type GateMode } from './gates.ts';
export { readRecordedMetrics, type RecordedMetrics } from './distributions.ts';
export { parseRecordedRun, type RecordedRun } from './recorded-run.ts';
export { renderComparisonText, renderComparisonMarkdown } from './render-comparison.ts';
export { loadRecordedRun } from './load-run.ts';
