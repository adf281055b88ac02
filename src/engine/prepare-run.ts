import { DEFAULT_STALL_THRESHOLD_MS } from '../client/clock.ts';
import type { ClientKind } from '../client/client-socket.ts';
import { planFaults, type Fault } from '../lab/faults/index.ts';
import { runTimings, type RunTimings } from '../scenario/rescale.ts';
import type { Scenario } from '../scenario/types.ts';
import type { SchedulePlan } from '../schedule/index.ts';
import { splitPlan } from '../schedule/split.ts';
import type { TargetProfile } from '../target/types.ts';
import type { Threshold } from '../thresholds/index.ts';
import { formatDurationMs, parseDurationMs } from '../util/duration.ts';
import { connectionWarning, openFilesLimit } from './preflight.ts';
import { runClient } from './run-client.ts';
import { reconnectionOptions } from './reconnection-options.ts';
import { collectThresholds } from './resolver.ts';
import { withViolationThreshold } from './run-checks.ts';
import type { RunOptions } from './run-options.ts';
import { planRun } from './run-plan.ts';
import { resolveRunTarget } from './run-refusals.ts';
import { validateRunServerOptions } from './run-server.ts';
import type { WorkerRole } from './workers/protocol.ts';

/** A run's conditions, settled from the scenario and the options before anything starts. */
export interface PreparedRun extends RunTimings {
  /** The options, with the target a dialect profile names filled in. */
  options: RunOptions;
  scenario: Scenario;
  name: string;
  /** Whether the contract is checked online. */
  check: boolean;
  thresholds: Threshold[];
  /** Each group's schedule in this process: a worker's share, or the whole. */
  plans: Map<string, SchedulePlan>;
  startDelays: Map<string, number>;
  durationFactor: number;
  /** This run's part under a coordinator, when it is one worker's share. */
  role: WorkerRole | undefined;
  reconnectTimeoutMs: number;
  reconnection: ReturnType<typeof reconnectionOptions>;
  deliveryTimeoutMs: number;
  client: ClientKind;
  stallThresholdMs: number;
  /** When the last group's schedule ends, ms from the start. */
  totalMs: number;
  /** The target profile, when the server speaks another dialect than the contract's. */
  dialectProfile: TargetProfile | undefined;
  faults: Fault[];
}

/**
 * Everything that can be wrong with the input (thresholds, schedule, timings, client, target,
 * faults) is reported here, before any connection is made; warnings go to `notice`.
 */
export function prepareRun(scenario: Scenario, options: RunOptions, notice: (message: string) => void): PreparedRun {
  const name = scenario.name ?? 'scenario';
  const check = options.check !== false;
  const thresholds = withViolationThreshold(collectThresholds(scenario, options.thresholds), check);
  const { plans: whole, startDelays, durationFactor } = planRun(scenario, options);
  const role = options.worker;
  // A worker plays its share: the shares of every worker sum to the whole (src/schedule/split.ts).
  const plans = role ? new Map([...whole].map(([group, plan]) => [group, splitPlan(plan, role.of)[role.index] as SchedulePlan])) : whole;
  // What --duration rescales and what it leaves alone: src/scenario/rescale.ts.
  const { ackTimeoutMs, connectTimeoutMs, gracefulStopMs, timelineFactor } = runTimings(scenario.options, durationFactor);
  // Judgements about the target, not the timeline: never rescaled (src/scenario/rescale.ts).
  const scenarioOptions = scenario.options ?? {};
  const reconnectTimeoutMs = parseDurationMs(scenarioOptions.reconnectTimeout ?? '30s', 'options.reconnectTimeout');
  const reconnection = reconnectionOptions(scenarioOptions.reconnection);
  const deliveryTimeoutMs = scenarioOptions.deliveryTimeout ? parseDurationMs(scenarioOptions.deliveryTimeout, 'options.deliveryTimeout') : ackTimeoutMs;
  // --client wins over the scenario's, refused with polling (the one rule workers and agents apply too).
  const client: ClientKind = runClient(options, scenarioOptions);
  const stallThresholdMs = parseDurationMs(scenarioOptions.stallThreshold ?? `${DEFAULT_STALL_THRESHOLD_MS}ms`, 'options.stallThreshold');
  const totalMs = Math.max(...[...plans].map(([group, plan]) => plan.durationMs + (startDelays.get(group) ?? 0)));

  const dialectProfile = options.profile && options.profile.identity.type !== 'contract' ? options.profile : undefined;
  options = resolveRunTarget(options, dialectProfile, client);

  // Every VU may hold a buyer and a seller connection: warn before a run that cannot fit.
  const plannedConnections = 2 * [...plans.values()].reduce((sum, plan) => sum + plan.maxVUs, 0);
  const warning = connectionWarning(plannedConnections, openFilesLimit(), options.localAddresses?.length ?? 1);
  if (warning && !role) notice(`warning: ${warning}`);

  validateRunServerOptions(options);
  // Before anything starts: a fault that cannot apply to this run is the person's to fix first.
  const faults = planFaults({
    ...(scenario.faults ? { scenario: scenario.faults } : {}),
    ...(options.faults ? { cli: options.faults } : {}),
    durationFactor,
    ...(options.target ? { target: options.target } : {}),
    nodes: options.target ? 0 : (options.nodes ?? 1),
    ...(options.redis ? { externalRedis: options.redis } : {}),
  });
  for (const fault of faults) {
    if (fault.atMs >= totalMs) notice(`warning: fault '${fault.label}' comes at or after the end of the schedule (${formatDurationMs(totalMs)}): it may never be injected`);
  }
  return {
    options, scenario, name, check, thresholds, plans, startDelays, durationFactor, role,
    ackTimeoutMs, connectTimeoutMs, gracefulStopMs, timelineFactor,
    reconnectTimeoutMs, reconnection, deliveryTimeoutMs, client, stallThresholdMs, totalMs,
    dialectProfile, faults,
  };
}
