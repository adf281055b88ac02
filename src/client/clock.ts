import { performance } from 'node:perf_hooks';

/** Monotonic microseconds since the process started: every latency in bazaar uses this clock. */
export function nowUs(): number {
  return Math.round(performance.now() * 1000);
}

/**
 * How late the current iteration of one VU started against its schedule. For open-model
 * (arrival-rate) runs every latency is also measured from the intended start (coordinated
 * omission corrected, as wrk2 does); closed-model runs have no intended start.
 */
export interface IterationTiming {
  /** µs between the intended and the actual start of the current iteration; undefined: closed model. */
  lagUs: number | undefined;
}
