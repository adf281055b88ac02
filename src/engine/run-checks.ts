import { nowUs } from '../client/clock.ts';
import type { DeliveryTrackerOptions } from '../client/delivery-tracker.ts';
import type { EventObserver } from '../client/event-observer.ts';
import type { RoomCensus } from '../client/room-census.ts';
import type { MetricsSink } from '../client/sink.ts';
import { createOnlineChecks } from '../checks/online-checks.ts';
import { createAuthzChecks, type AuthzChecks } from '../checks/online/authz-checks.ts';
import { bothObservers } from '../checks/online/both-observers.ts';
import { AUTHZ_VIOLATION_KINDS } from '../checks/online/authz-kinds.ts';
import { createViolationLog, NOT_CHECKED, VIOLATION_CAPABILITY, VIOLATION_KINDS, type RunViolations, type ViolationKind } from '../checks/violations.ts';
import { notApplicableReason } from '../target/capabilities.ts';
import type { Target } from '../target/target.ts';
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
  /** Checker state that follows what is active, in detail (tests prove it is bounded by it). */
  sizes(): { entitlements: number; readMarks: number };
  /** Authorization by receipt (seeded once the world is), and the intruders' own findings. */
  authz: AuthzChecks | undefined;
  /** The run's room census (who watches whom, who is in which booking), once the users exist. */
  attach(census: RoomCensus): void;
}

/** How often due judgements run (seq gaps, presence offlines owed) and quiet rooms are dropped. */
function tickEveryMs(deliveryTimeoutMs: number): number {
  return Math.min(250, Math.max(20, deliveryTimeoutMs / 10));
}

/** A room (and a learned booking) with no event and nobody of the run in it this long has its checker state dropped. */
export function quietMsFor(deliveryTimeoutMs: number): number {
  return Math.max(1_000, 10 * deliveryTimeoutMs);
}

/** Online checking for one run (src/checks/online-checks.ts), or none with `check: false`. */
export function createRunChecks(options: {
  check: boolean;
  metrics: MetricsSink;
  startUs: () => number;
  deliveryTimeoutMs: number;
  /** The run's end: nothing is judged after it (what was not due yet is not held against the server). */
  signal?: AbortSignal;
  /** A target profile: kinds whose guarantee it does not claim are not checked. */
  target?: Target;
}): RunChecks {
  if (!options.check) return { observer: undefined, onLost: undefined, summary: () => NOT_CHECKED, size: () => 0, sizes: () => ({ entitlements: 0, readMarks: 0 }), authz: undefined, attach: () => {} };
  // A kind whose guarantee the target's profile does not claim is not checked: result.json says which and why.
  const kinds: ViolationKind[] = [];
  const notApplicable: Record<string, string> = {};
  for (const kind of VIOLATION_KINDS) {
    const reason = options.target && notApplicableReason([VIOLATION_CAPABILITY[kind]], options.target.capabilities, options.target.profile.name);
    if (reason) notApplicable[kind] = reason;
    else kinds.push(kind);
  }
  // The log records only the kinds checked.
  const log = createViolationLog({ metrics: options.metrics, startUs: options.startUs, kinds, notApplicable });
  let census: RoomCensus | undefined;
  const quietMs = quietMsFor(options.deliveryTimeoutMs);
  const checks = createOnlineChecks({ log, nowUs, deliveryTimeoutMs: options.deliveryTimeoutMs, membership: () => census, quietMs });
  const authz = kinds.some((kind) => (AUTHZ_VIOLATION_KINDS as readonly string[]).includes(kind))
    ? createAuthzChecks({ log, nowUs, membership: () => census, quietMs })
    : undefined;
  // One timer per run, unref'd: judgements that fall due with no event to trigger them, and quiet state dropped.
  let timer: NodeJS.Timeout | undefined = setInterval(() => {
    checks.tick();
    authz?.tick();
  }, tickEveryMs(options.deliveryTimeoutMs));
  timer.unref();
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  return {
    observer: authz ? bothObservers(checks, authz) : checks,
    onLost: checks.lost,
    summary: log.summary,
    size: checks.size,
    sizes: () => ({ entitlements: authz?.entitlements.learned() ?? 0, readMarks: checks.sizes().readMarks }),
    authz,
    attach(c) {
      census = c;
    },
  };
}
