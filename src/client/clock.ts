import { performance } from 'node:perf_hooks';

/** Monotonic microseconds since the process started: every latency in bazaar uses this clock. */
export function nowUs(): number {
  return Math.round(performance.now() * 1000);
}

/**
 * Where each step of one VU's iteration is measured from: the coordinated-omission model of
 * docs/latency.md. A step (connect, ack, HTTP call) is measured from when it would have started
 * had nothing it waited behind stalled: an earlier step of the same iteration that took longer
 * than the stall threshold, or (arrivals queued for a free VU) the wait for a VU. Everything
 * else, above all the generator's own lateness in starting the iteration, is never added.
 */
export interface IterationTiming {
  /** When a step starting at actualStartUs would have started; equal to it while nothing stalled. */
  intendedStartUs(actualStartUs: number): number;
  /** A step measured from intendedStartUs, started at actualStartUs, ended (answered or timed out) at endUs. */
  stepEnded(intendedStartUs: number, actualStartUs: number, endUs: number): void;
}

/** Latency beyond which a step counts as stalled, unless a scenario sets `options.stallThreshold`. */
export const DEFAULT_STALL_THRESHOLD_MS = 100;

/**
 * The timing of one VU's current iteration: its backlog (µs), how far the iteration runs behind
 * where it would be had nothing stalled. Pure: times come in as arguments.
 *
 * Why a threshold: a step that takes 3 ms instead of 1 ms did not hold the user up in any sense
 * worth correcting, and correcting for it would lift every figure of a healthy run by its own
 * jitter. Only the part of a step's latency beyond the threshold is carried into the next steps,
 * so at light load the corrected figures equal the uncorrected ones.
 *
 * Concurrent steps (Promise.all) do not add up: the backlog is the latest any step finished
 * behind schedule, as the slowest of steps run side by side is what held the user up.
 */
export class IterationClock implements IterationTiming {
  readonly stallThresholdUs: number;
  private backlogUs = 0;

  constructor(stallThresholdMs = DEFAULT_STALL_THRESHOLD_MS) {
    this.stallThresholdUs = stallThresholdMs * 1000;
  }

  /** A new iteration, already `backlogUs` behind (the time an arrival waited for a free VU; 0 otherwise). */
  start(backlogUs = 0): void {
    this.backlogUs = Math.max(0, backlogUs);
  }

  /** How far behind the current iteration runs, µs. */
  get currentBacklogUs(): number {
    return this.backlogUs;
  }

  intendedStartUs(actualStartUs: number): number {
    return actualStartUs - this.backlogUs;
  }

  stepEnded(intendedStartUs: number, actualStartUs: number, endUs: number): void {
    const stalledUs = endUs - actualStartUs - this.stallThresholdUs;
    if (stalledUs <= 0) return;
    this.backlogUs = Math.max(this.backlogUs, actualStartUs - intendedStartUs + stalledUs);
  }
}

/** For a user outside any scheduled iteration: every step is measured from its actual start. */
export const UNSCHEDULED: IterationTiming = {
  intendedStartUs: (actualStartUs) => actualStartUs,
  stepEnded: () => {},
};
