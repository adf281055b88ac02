// The public API: bazaar's programs are built from these; the CLI is a thin layer over them.
export * from './contract/index.ts';
export { BazaarError } from './errors.ts';
export { defineScenario, loadScenario } from './scenario/index.ts';
export type { ScenarioDefinition, Scenario, IterationContext, WorldSpec, SeededWorld, ActorGroup, IntruderGroup, IntrudersSpec } from './scenario/index.ts';
export { startRun } from './engine/run.ts';
export type { RunOptions, RunResult, RunProgress, RunConditions } from './engine/run.ts';
export type { WorkersSummary, WorkerFigures } from './engine/workers/coordinator.ts';
export type { WorkerReport, WorkerSpec, CoordinatorMessage, WorkerMessage } from './engine/workers/protocol.ts';
export { mergeWorkerReports } from './engine/workers/merge.ts';
export { runAgent, type AgentOptions } from './engine/agents/agent.ts';
export type { AgentsOptions } from './engine/agents/distributed-run.ts';
export type { AgentsSummary, AgentFigures } from './engine/agents/agent-fleet.ts';
export { VirtualUser } from './client/virtual-user.ts';
export type { AckResult, AckMissing, EmitAckResult, EventHandler, RequestOptions, Transport } from './client/virtual-user.ts';
export type { ClientKind } from './client/client-socket.ts';
export type { HttpAnswer, HttpMethod, TokenProvider } from './client/http.ts';
export { IterationClock } from './client/clock.ts';
export type { IterationTiming } from './client/clock.ts';
export { planSchedule, arrivalsBetween, vusAt, splitPlan, splitCount } from './schedule/index.ts';
export type { ExecutorConfig, SchedulePlan, WhenVUsBusy } from './schedule/index.ts';
export { parseThresholds, evaluateThresholds } from './thresholds/index.ts';
export type { ThresholdSpecs } from './thresholds/index.ts';
export { createMetricsRegistry, mergeSnapshots } from './metrics/index.ts';
export { startEmbeddedServer } from './lab/embedded-server.ts';
export { startReferenceCluster } from './lab/cluster.ts';
export type { ReferenceCluster, ReferenceClusterOptions, LoadBalancer } from './lab/cluster.ts';
export {
  analyzeFaultImpact, parseFault, normalizeFault, planFaults, startFaultProxy, startFaultLab, FAULT_KINDS, FAULT_KIND_INFO,
} from './lab/faults/index.ts';
export type {
  Fault, FaultSpec, FaultKind, FaultLink, FaultEvent, FaultImpact, FaultProxy, Toxic, FaultLab, FaultLabOptions,
} from './lab/faults/index.ts';
export { runChecks } from './checks/run-checks.ts';
export type { CheckOptions, CheckReport } from './checks/run-checks.ts';
export type { CheckDefinition, CheckContext, CheckResult, Severity } from './checks/types.ts';
export { CHECK_PRESETS, selectPreset } from './checks/suite.ts';
export type { RunViolations, ViolationRecord, ViolationKind } from './checks/violations.ts';
export type { RunTimeline, TimelineLatency } from './metrics/index.ts';
export { renderRunHtml, renderCheckHtml } from './report/index.ts';
export type { RunResultForHtml, ChartAssets } from './report/index.ts';
export { loadChartAssets } from './report/write-report.ts';
export { compareRuns, parseGate, loadRecordedRun, renderComparisonText, renderComparisonMarkdown } from './compare/index.ts';
export type { RunComparison, Gate, GateResult, RecordedRun } from './compare/index.ts';
export { defineTarget } from './target/define-target.ts';
export { CAPABILITIES } from './target/types.ts';
export type {
  TargetProfile, SecurityProfile, TargetUser, TargetRequest, TargetResponse, TargetApi, Credentials, Placement, HandshakePlacement, HttpPlacement,
  IdentityProfile, JwtIdentity, LoginIdentity, CustomIdentity, WorldProfile, WorldStep, ListingInput, BookingInput,
  OperationsProfile, OperationMapping, OperationName, OperationInputs, ProfileMessage, ProfileAck, EventOperation, HttpOperation, AckOutcome, ReplyOutcome, NoOutcome,
  PushesProfile, PushMapping, PushName, SessionMapping, Capability, CapabilitiesProfile, PresenceTimingProfile,
} from './target/types.ts';
export { CONTRACT_PROFILE } from './target/contract-profile.ts';
export { createTarget } from './target/target.ts';
export type { Target } from './target/target.ts';
export { loadTargetProfile, resolveTargetProfile } from './target/load-target.ts';
export { initTarget } from './target/init-target.ts';
export type { InitOptions, InitResult } from './target/init-target.ts';
export { probeForInit } from './target/init-probe.ts';
export type { InitFindings } from './target/init-probe.ts';
export { CONTRACT_PROBES } from './target/contract-probes.ts';
export { profileProbes } from './target/profile-probes.ts';
export { judgeDialect, requireDialect, runProbes } from './target/detect-dialect.ts';
export type { DialectVerdict } from './target/detect-dialect.ts';
export type { Probe, ProbeContext, ProbeFinding, ProbeOutcome } from './target/probe.ts';
export { runRepro, listRepros, findRepro } from './lab/repro/run-repro.ts';
export type { ReproOptions } from './lab/repro/run-repro.ts';
export type { ReproEntry, ReproReport, ReproVerdict, ReproTopology, ReproObservation, SignatureMatch, VariantOutcome } from './lab/repro/types.ts';
