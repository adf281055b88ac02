// The public API: bazaar's programs are built from these; the CLI is a thin layer over them.
export * from './contract/index.ts';
export { BazaarError } from './errors.ts';
export { defineScenario, loadScenario } from './scenario/index.ts';
export type { ScenarioDefinition, Scenario, IterationContext, WorldSpec, SeededWorld, ActorGroup } from './scenario/index.ts';
export { startRun } from './engine/run.ts';
export type { RunOptions, RunResult, RunProgress } from './engine/run.ts';
export { VirtualUser } from './client/virtual-user.ts';
export type { AckResult, Transport } from './client/virtual-user.ts';
export { planSchedule, arrivalsBetween, vusAt } from './schedule/index.ts';
export type { ExecutorConfig, SchedulePlan } from './schedule/index.ts';
export { parseThresholds, evaluateThresholds } from './thresholds/index.ts';
export type { ThresholdSpecs } from './thresholds/index.ts';
export { createMetricsRegistry, mergeSnapshots } from './metrics/index.ts';
export { startEmbeddedServer } from './lab/embedded-server.ts';
export { runChecks } from './checks/run-checks.ts';
export type { CheckOptions, CheckReport } from './checks/run-checks.ts';
export type { CheckDefinition, CheckContext, CheckResult } from './checks/types.ts';
