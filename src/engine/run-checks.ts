import { nowUs } from '../client/clock.ts';
import type { DeliveryTrackerOptions } from '../client/delivery-tracker.ts';
import type { EventObserver } from '../client/event-observer.ts';
import type { RoomCensus } from '../client/room-census.ts';
import type { MetricsSink } from '../client/sink.ts';
import { createOnlineChecks } from '../checks/online-checks.ts';
import { createViolationLog, NOT_CHECKED, type RunViolations } from '../checks/violations.ts';
import { parseThresholds, type Threshold } from '../thresholds/index.ts';

/** The threshold every checked run carries unless its scenario (or --threshold) judges violations itself. */
export const DEFAULT_VIOLATION_THRESHOLD = { violations: ['count==0'] };

/**
 * A checked run fails on any violation, so a correctness failure fails CI (exit 99) even when
 * latency is fine. Thresholds that name `violations` themselves replace the default.
 */
export function withViolationThreshold(thresholds: Threshold[], check: boolean): Threshold[] {
  if (!check || thresholds.some((t) => t.selector.metric === 'violations')) return thresholds;
  return [...thresholds, ...parseThresholds(DEFAULT_VIOLATION_THRESHOLD)];
}

export interface RunChecks {
  /** For the users (undefined with checking off: they then add no listener at all). */
  observer: EventObserver | undefined;
  /** For the delivery tracker: its losses become `loss` violations. */
  onLost: DeliveryTrackerOptions['onLost'];
  summary(): RunViolations;
  /** Checker streams held now (receiver and room). */
  size(): number;
  /** The run's room census (who watches whom, who is in which booking), once the users exist. */
  attach(census: RoomCensus): void;
}

/** How often due judgements run (seq gaps, presence offlines owed) and quiet rooms are dropped. */
function tickEveryMs(deliveryTimeoutMs: number): number {
  return Math.min(250, Math.max(20, deliveryTimeoutMs / 10));
}

/** Online checking for one run (src/checks/online-checks.ts), or none with `check: false`. */
export function createRunChecks(options: {
  check: boolean;
  metrics: MetricsSink;
  startUs: () => number;
  deliveryTimeoutMs: number;
  /** The run's end: nothing is judged after it (what was not due yet is not held against the server). */
  signal?: AbortSignal;
}): RunChecks {
  if (!options.check) return { observer: undefined, onLost: undefined, summary: () => NOT_CHECKED, size: () => 0, attach: () => {} };
  const log = createViolationLog({ metrics: options.metrics, startUs: options.startUs });
  let census: RoomCensus | undefined;
  const checks = createOnlineChecks({ log, nowUs, deliveryTimeoutMs: options.deliveryTimeoutMs, membership: () => census });
  // One timer per run, unref'd: judgements that fall due with no event to trigger them.
  let timer: NodeJS.Timeout | undefined = setInterval(() => checks.tick(), tickEveryMs(options.deliveryTimeoutMs));
  timer.unref();
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  return {
    observer: checks,
    onLost: checks.lost,
    summary: log.summary,
    size: checks.size,
    attach(c) {
      census = c;
    },
  };
}
