import { setImmediate as nextTurn } from 'node:timers/promises';
import { createMetricsRegistry, type MetricsRegistry, type MetricsSnapshot } from '../metrics/index.ts';

/**
 * A metrics snapshot taken while the run goes, one latency series per turn of the event loop:
 * the periodic report must not stall the generator it reports on (issue 12: a snapshot of 20
 * busy series took 145 ms in one go, which landed in the measured latencies). Series nothing was
 * recorded in since the last snapshot are not encoded again (registry.snapshotInSteps).
 */
export async function snapshotYielding(registry: MetricsRegistry): Promise<MetricsSnapshot> {
  const steps = registry.snapshotInSteps();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

/**
 * Take a throwaway snapshot before the schedule starts: the first time summarizing and encoding
 * run, V8 compiles them mid-loop, and that cost (about 10 ms here) landed in the first partial
 * report's turn of the running schedule. Run once, before it starts, it lands in the set-up.
 */
export function primeSnapshots(): void {
  const metrics = createMetricsRegistry();
  const series = metrics.latency('prime');
  for (let i = 1; i <= 2_000; i++) series.record(0, i * 97, -(i % 7));
  for (let i = 0; i < 3; i++) JSON.stringify(metrics.snapshot());
}
