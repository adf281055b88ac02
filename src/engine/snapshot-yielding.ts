import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { nowUs } from '../client/clock.ts';
import { createMetricsRegistry, type MetricsRegistry, type MetricsSnapshot } from '../metrics/index.ts';

/**
 * A metrics snapshot taken while the run goes, one latency series per turn of the event loop:
 * the periodic report must not stall the generator it reports on (issue 12: a snapshot of 20
 * busy series took 145 ms in one go, which landed in the measured latencies). Series nothing was
 * recorded in since the last snapshot are not encoded again (registry.snapshotInSteps).
 */
export async function snapshotYielding(registry: MetricsRegistry, options: SnapshotYieldOptions = {}): Promise<MetricsSnapshot> {
  const steps = registry.snapshotInSteps();
  for (;;) {
    if (options.nextDueUs) await clearOfArrivals(options.nextDueUs);
    const step = steps.next();
    if (step.done) return step.value;
    await nextTurn();
  }
}

export interface SnapshotYieldOptions {
  /** When the schedule's next arrival is due (nowUs clock): a step does not start just before it. */
  nextDueUs?(): number | undefined;
}

/** A step (one series) holds the loop up to about 2 ms: start none closer than this to an arrival. */
const ARRIVAL_GUARD_US = 3_000;
/** At high arrival rates there is no gap: after this much waiting per step, the report goes first. */
const MAX_DEFER_US = 20_000;

/**
 * The schedule goes before the report: an arrival due within the guard is let through first, so
 * a snapshot step does not land in its schedule lag. Waits at most MAX_DEFER_US per step, so a
 * run with arrivals every millisecond still gets its partial report.
 */
async function clearOfArrivals(nextDueUs: () => number | undefined): Promise<void> {
  const startUs = nowUs();
  for (;;) {
    const dueUs = nextDueUs();
    const now = nowUs();
    if (dueUs === undefined || dueUs - now > ARRIVAL_GUARD_US || now - startUs > MAX_DEFER_US) return;
    // Due soon (or due and being dispatched): wait until just after it.
    await sleep(Math.max(1, Math.ceil((dueUs - now) / 1_000) + 1));
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
