import type { ClientKind } from '../client/client-socket.ts';
import type { Transport } from '../client/virtual-user.ts';
import type { RunViolations } from '../checks/violations.ts';
import { analyzeFaultImpact, type FaultEvent, type FaultImpact } from '../lab/faults/index.ts';
import type { MetricsSnapshot, RunTimeline } from '../metrics/index.ts';
import type { RunStatus } from '../report/summary.ts';
import { describeSchedule } from '../schedule/index.ts';
import type { ThresholdResult } from '../thresholds/index.ts';
import type { AgentsSummary } from './agents/agent-fleet.ts';
import type { GeneratorHealth } from './generator-health.ts';
import type { RunContext } from './run-context.ts';
import type { RunOptions } from './run-options.ts';
import type { WorkersSummary } from './workers/coordinator.ts';

export interface RunResult {
  scenario: string;
  target: string;
  /** The target profile's name, when the target was driven through one (docs/profiles.md). */
  profile?: string;
  embedded: boolean;
  startedAt: string;
  durationMs: number;
  partial: boolean;
  status: RunStatus;
  /** Why it stopped early or failed, for people. */
  reason?: string;
  schedule: Record<string, string>;
  world: { sellers: number; buyers: number; admins: number; listings: number; bookings: number };
  /** What shaped the load besides the scenario, so `bazaar compare` can tell two runs apart. */
  conditions: RunConditions;
  generator: GeneratorHealth;
  thresholds: ThresholdResult[];
  thresholdsPassed: boolean;
  /** What online checking found: counts per kind and the first evidence records of each. */
  violations: RunViolations;
  metrics: MetricsSnapshot;
  /** The run over time: per-interval latency percentiles, users and counter growth (bounded; src/metrics/timeline.ts). */
  timeline: RunTimeline;
  /** The faults injected (docs/faults.md), when the run had any. */
  faults?: FaultEvent[];
  /** Per fault: violations, disconnects, reconnects and time to recover, from `timeline`. */
  faultImpact?: FaultImpact[];
  reportDir: string | undefined;
  /** With workers: each worker's figures, and the CPU of both sides of the machine (generator and server). */
  workers?: WorkersSummary;
  /** With agents: who played, their clocks against the coordinator's, and the common start. */
  agents?: AgentsSummary;
}

/** The options that change what a run measures (absent in result.json files from before they were recorded). */
export interface RunConditions {
  scale: number;
  /** --duration, when the timeline was compressed or stretched. */
  durationMs?: number;
  /** Reference nodes started for the run (1 for the embedded server, 0 for an external target). */
  nodes: number;
  transport: Transport;
  /** Present when the users were the lean client (absent: socket.io-client). */
  client?: ClientKind;
  check: boolean;
  defect?: string;
  /** The faults planned (docs/faults.md), in `--fault` syntax. */
  faults?: string[];
}

/** What changes what a run measures, as result.json records it: one rule for in-process and spread runs. */
export function runConditions(options: RunOptions, facts: { embedded: boolean; check: boolean; client: ClientKind; faults?: readonly string[] }): RunConditions {
  return {
    scale: options.scale ?? 1,
    ...(options.durationMs ? { durationMs: options.durationMs } : {}),
    nodes: facts.embedded ? (options.nodes ?? 1) : 0,
    transport: options.transport ?? 'websocket',
    ...(facts.client === 'lean' ? { client: facts.client } : {}),
    check: facts.check,
    ...(options.defect ? { defect: options.defect } : {}),
    ...(facts.faults?.length ? { faults: [...facts.faults] } : {}),
  };
}

/** The run's result as it stands now: partial while the run goes or when it stopped early, final at its end. */
export function buildResult(
  run: RunContext,
  partial: boolean,
  generator: GeneratorHealth,
  evaluated: ThresholdResult[],
  metrics: MetricsSnapshot = run.registry.snapshot(),
): RunResult {
  const { lab, dialect, embedded, check, client, world } = run;
  const timelineNow = run.timeline.snapshot();
  const faultEvents = lab?.events();
  return {
    scenario: run.name,
    // The server measured, not the fault proxy the clients may have gone through.
    target: lab?.serverUrl ?? run.target,
    ...(dialect ? { profile: dialect.profile.name } : {}),
    embedded,
    startedAt: run.startedAt.toISOString(),
    durationMs: Math.round(run.elapsedMs()),
    partial,
    status: run.status,
    ...(run.reason ? { reason: run.reason } : {}),
    schedule: Object.fromEntries([...run.plans].map(([group, plan]) => [group, describeSchedule(plan)])),
    conditions: runConditions(run.options, { embedded, check, client, faults: run.faults.map((f) => f.label) }),
    world: worldCounts(world),
    generator,
    thresholds: evaluated,
    thresholdsPassed: evaluated.every((t) => t.passed),
    violations: run.checks.summary(),
    metrics,
    timeline: timelineNow,
    ...(faultEvents ? { faults: faultEvents, faultImpact: analyzeFaultImpact(timelineNow, faultEvents) } : {}),
    reportDir: run.writer?.dir,
  };
}

/** How many of each the run's world holds, as result.json says it (the run and the workers' coordinator). */
export function worldCounts(world: { [K in keyof RunResult['world']]: readonly unknown[] }): RunResult['world'] {
  return { sellers: world.sellers.length, buyers: world.buyers.length, admins: world.admins.length, listings: world.listings.length, bookings: world.bookings.length };
}
