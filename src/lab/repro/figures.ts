import type { RunResult } from '../../engine/run.ts';

/** Sum of a run counter's series whose tags include `tags` (0 when none fired). */
export function runCounter(run: RunResult, name: string, tags: Record<string, string> = {}): number {
  return run.metrics.counters
    .filter((c) => c.name === name && Object.entries(tags).every(([k, v]) => c.tags[k] === v))
    .reduce((sum, c) => sum + c.value, 0);
}

/** A run counter split by one tag, e.g. disconnects by reason. */
export function runCounterBy(run: RunResult, name: string, tag: string): Record<string, number> {
  const by: Record<string, number> = {};
  for (const c of run.metrics.counters) {
    if (c.name !== name) continue;
    const key = c.tags[tag] ?? '';
    by[key] = (by[key] ?? 0) + c.value;
  }
  return by;
}

/** How many samples a run's trend recorded (e.g. successful connects). */
export function runTrendCount(run: RunResult, name: string): number {
  return run.metrics.latencies.filter((l) => l.name === name).reduce((sum, l) => sum + l.summary.count, 0);
}

/** A run trend's percentile in ms over all its series (the largest, when there are several). */
export function runTrendMs(run: RunResult, name: string, stat: 'p50' | 'p99' | 'max'): number | undefined {
  const series = run.metrics.latencies.filter((l) => l.name === name && l.summary.count > 0);
  if (series.length === 0) return undefined;
  const key = stat === 'max' ? 'maxUs' : stat === 'p50' ? 'p50Us' : 'p99Us';
  return Math.max(...series.map((l) => l.summary[key])) / 1000;
}
