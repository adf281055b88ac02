import { setImmediate as nextTurn } from 'node:timers/promises';
import type { MetricsRegistry, MetricsSnapshot } from '../metrics/index.ts';

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
