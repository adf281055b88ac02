import type { Logger } from 'pino';
import { nowUs } from '../client/clock.ts';
import {
  createLatencyHistogram,
  createMetricsRegistry,
  createTimeline,
  timelineIntervalMs,
  type HdrHistogram,
  type MetricsRegistry,
  type Timeline,
} from '../metrics/index.ts';
import type { ReportWriter } from '../report/write-report.ts';
import type { RunStatus } from '../report/summary.ts';
import { createTarget, type Target } from '../target/target.ts';
import type { MetricResolver } from '../thresholds/index.ts';
import { startHealthSampler, type HealthSampler } from './generator-health.ts';
import type { MetricsExporter } from './metrics-exporter.ts';
import type { PreparedRun } from './prepare-run.ts';
import { resolverFor } from './resolver.ts';
import { createRunChecks, type RunChecks } from './run-checks.ts';
import type { RunTarget } from './start-target.ts';
import type { createUserFactory } from './vu.ts';

/** The world the users play in, as far as the result counts it (empty until seeded; stays empty with `world: false`). */
export interface RunWorld {
  sellers: string[];
  buyers: string[];
  admins: string[];
  listings: unknown[];
  bookings: unknown[];
}

/** The run's users: a factory, and the users that may hold a connection now. */
export type RunUsers = ReturnType<typeof createUserFactory>;

/**
 * What the stages of one run share: its conditions and target, the metrics, checks, clock and
 * signals wired for it, and what the stages record as the run goes (read by every result,
 * partial or final, so a report can be written at any moment).
 */
export interface RunContext extends PreparedRun, RunTarget {
  log: Logger;
  /** Messages for a person: what the run is doing. */
  notice(message: string): void;
  startedAt: Date;
  /** How to speak to the server when it has a dialect profile; undefined for the contract. */
  dialect: Target | undefined;
  registry: MetricsRegistry;
  /**
   * Every group's schedule lag in one histogram, so the verdict (taken for every partial report)
   * reads one p99 rather than merging a histogram per group each time.
   */
  scheduleLag: HdrHistogram;
  health: HealthSampler;
  /** Ends the schedule (Ctrl-C, abortOnFail): iterations in flight get gracefulStop to finish. */
  stop: AbortController;
  /** Ends what is still in flight: once graceful stop is over, and when the run is over. */
  abort: AbortController;
  /** Listens on options.signal; removed when the run closes. */
  onOuterAbort(): void;
  /** Ms since the schedule started (since the run was wired, before it starts). */
  elapsedMs(): number;
  resolve: MetricResolver;
  timelineEveryMs: number;
  timeline: Timeline;
  checks: RunChecks;

  // Recorded by the stages as the run goes.
  writer: ReportWriter | undefined;
  /** Set once the final report is (being) written: a partial still in flight must not replace it. */
  finalWritten: boolean;
  status: RunStatus;
  /** Why it stopped early or failed, for people. */
  reason: string | undefined;
  world: RunWorld;
  runStartUs: number;
  users: RunUsers | undefined;
  /** Cleared when the run closes. */
  timers: NodeJS.Timeout[];
  /** Adds the interval since the last sample to the timeline (a no-op until the schedule starts). */
  sampleTimeline(): void;
  exporter: MetricsExporter | undefined;
  /** VUs busy in an iteration now (0 until the groups start). */
  busyVus(): number;
}

/** The run's metrics, generator health, signals, clock, timeline and online checks, wired to its target. */
export function createRunContext(
  prepared: PreparedRun,
  target: RunTarget,
  io: { log: Logger; notice(message: string): void; startedAt: Date },
): RunContext {
  const { options } = prepared;
  const registry = createMetricsRegistry();
  const scheduleLag = createLatencyHistogram();
  const health = startHealthSampler(() =>
    scheduleLag.totalCount === 0 ? undefined : { count: scheduleLag.totalCount, p99Us: scheduleLag.getValueAtPercentile(99) });
  const stop = new AbortController();
  const abort = new AbortController();
  const onOuterAbort = () => stop.abort(options.signal?.reason ?? 'interrupted');
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  // Ctrl-C while the server, cluster or fault lab was starting: the run stops as soon as it can.
  if (options.signal?.aborted) onOuterAbort();
  const elapsedMs = () => (nowUs() - run.runStartUs) / 1000;
  const timelineEveryMs = timelineIntervalMs(prepared.totalMs);
  const dialect = prepared.dialectProfile ? createTarget(prepared.dialectProfile, { url: target.target }) : undefined;
  const run: RunContext = {
    ...prepared,
    ...target,
    ...io,
    dialect,
    registry,
    scheduleLag,
    health,
    stop,
    abort,
    onOuterAbort,
    elapsedMs,
    resolve: resolverFor(registry, elapsedMs),
    timelineEveryMs,
    timeline: createTimeline({ intervalMs: timelineEveryMs }),
    checks: createRunChecks({
      check: prepared.check,
      metrics: registry,
      startUs: () => run.runStartUs,
      deliveryTimeoutMs: prepared.deliveryTimeoutMs,
      signal: abort.signal,
      ...(dialect ? { target: dialect } : {}),
    }),
    writer: undefined,
    finalWritten: false,
    status: 'passed',
    reason: undefined,
    world: { sellers: [], buyers: [], admins: [], listings: [], bookings: [] },
    runStartUs: nowUs(),
    users: undefined,
    timers: [],
    sampleTimeline: () => {},
    exporter: undefined,
    busyVus: () => 0,
  };
  return run;
}
