import type { Logger } from 'pino';
import { pino } from 'pino';
import { createDeliveryTracker } from '../client/delivery-tracker.ts';
import { METRICS } from '../client/sink.ts';
import { createTagGuards } from '../client/tag-guard.ts';
import { createSecretTokenProvider, loadTokenModule } from '../client/tokens.ts';
import type { TokenProvider } from '../client/http.ts';
import type { Transport } from '../client/virtual-user.ts';
import type { LedgerSizes } from '../client/delivery-ledger.ts';
import { DEFAULT_STALL_THRESHOLD_MS, nowUs } from '../client/clock.ts';
import { BazaarError } from '../errors.ts';
import type { ClusterSettings } from '../lab/cluster.ts';
import type { AdapterName } from '../../reference-server/index.ts';
import { startRunServer, validateRunServerOptions } from './run-server.ts';
import {
  createLatencyHistogram,
  createMetricsRegistry,
  createTimeline,
  timelineIntervalMs,
  toRecordableUs,
  type MetricsSnapshot,
  type RunTimeline,
} from '../metrics/index.ts';
import { createReportWriter, defaultReportDir, type ReportWriter } from '../report/write-report.ts';
import type { RunStatus } from '../report/summary.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { runTimings } from '../scenario/rescale.ts';
import { planRun } from './run-plan.ts';
import type { Scenario, SeededWorld } from '../scenario/types.ts';
import { describeSchedule, planSchedule, type SchedulePlan } from '../schedule/index.ts';
import {
  evaluateThresholds,
  type ThresholdResult,
} from '../thresholds/index.ts';
import { formatDurationMs, parseDurationMs } from '../util/duration.ts';
import { probeContractTarget, probeProfileTarget } from '../target/probe-target.ts';
import { checkClientTransport, parseClientKind, type ClientKind } from '../client/client-socket.ts';
import { connectionWarning, openFilesLimit } from './preflight.ts';
import { judgeGeneratorHealth, startHealthSampler, type GeneratorHealth } from './generator-health.ts';
import { runGroup, type GroupRun } from './run-group.ts';
import { primeSnapshots, snapshotYielding } from './snapshot-yielding.ts';
import { seedWorld, type SeedProgress } from './seed-world.ts';
import { createTarget } from '../target/target.ts';
import type { TargetProfile } from '../target/types.ts';
import { createUserFactory, sleep } from './vu.ts';
import { createRunChecks, withViolationThreshold } from './run-checks.ts';
import { runGauges, startMetricsExporter, type MetricsExporter } from './metrics-exporter.ts';
import { renderPrometheus } from '../metrics/prometheus.ts';
import { withIntruders } from './intruders.ts';
import { collectThresholds, resolverFor } from './resolver.ts';
import type { RunViolations } from '../checks/violations.ts';
import { splitPlan } from '../schedule/split.ts';
import { partitionUnits, workerSlot } from './workers/partition.ts';
import type { WorkerRole } from './workers/protocol.ts';
import { startCoordinatedRun, type WorkersSummary } from './workers/coordinator.ts';
import { analyzeFaultImpact, planFaults, startFaultLab, type FaultEvent, type FaultImpact, type FaultLab } from '../lab/faults/index.ts';
import { startDistributedRun } from './agents/distributed-run.ts';
import type { RunOptions } from './run-options.ts';
import { runConditions, type RunResult } from './run-result.ts';
import { abortedPromise, settledWithin } from './settle.ts';
import { checkReachable } from './reach-target.ts';
import { prepareRun } from './prepare-run.ts';
import { startRunTarget } from './start-target.ts';
import { startSpreadRun } from './spread-run.ts';

// Other modules and tests import these from here.
export type { RunInFlight, RunOptions, RunProgress } from './run-options.ts';
export { runConditions, type RunConditions, type RunResult } from './run-result.ts';
export { abortedPromise, settledWithin } from './settle.ts';
export { checkReachable } from './reach-target.ts';


const MAX_LOGGED_ITERATION_ERRORS = 5;


/**
 * Play a scenario against a server and measure it. Everything that can be wrong with the
 * input (scenario, thresholds, schedule) is reported before any connection is made. The
 * report is written as the run goes, so an interrupted or crashed run leaves it behind.
 */
export async function startRun(options: RunOptions): Promise<RunResult> {
  const spread = startSpreadRun(options);
  if (spread) return spread;
  const log = options.logger ?? pino({ level: 'silent' });
  const notice = options.onNotice ?? (() => {});
  const loaded = typeof options.scenario === 'string' ? await loadScenario(options.scenario) : options.scenario;
  // Intruders are played by the harness (src/engine/intruders.ts); their hooks are bound once the run's checks exist.
  const scenario = withIntruders(loaded, { metrics: () => registry, authz: () => checks.authz });
  const prepared = prepareRun(scenario, options, notice);
  const {
    name, check, thresholds, plans, startDelays, role, ackTimeoutMs, connectTimeoutMs, gracefulStopMs, timelineFactor,
    reconnectTimeoutMs, reconnection, deliveryTimeoutMs, client, stallThresholdMs, totalMs, dialectProfile, faults,
  } = prepared;
  options = prepared.options;
  const startedAt = new Date();
  const { lab, server, target, embedded } = await startRunTarget(options, faults, startedAt, notice);
  const registry = createMetricsRegistry();
  // Every group's schedule lag in one histogram, so the verdict (taken for every partial report)
  // reads one p99 rather than merging a histogram per group each time.
  const scheduleLag = createLatencyHistogram();
  const health = startHealthSampler(() =>
    scheduleLag.totalCount === 0 ? undefined : { count: scheduleLag.totalCount, p99Us: scheduleLag.getValueAtPercentile(99) });
  const stop = new AbortController();
  const abort = new AbortController();
  const onOuterAbort = () => stop.abort(options.signal?.reason ?? 'interrupted');
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });
  // Ctrl-C while the server, cluster or fault lab was starting: the run stops as soon as it can.
  if (options.signal?.aborted) onOuterAbort();
  let writer: ReportWriter | undefined;
  /** Set once the final report is (being) written: a partial still in flight must not replace it. */
  let finalWritten = false;
  let status: RunStatus = 'passed';
  let reason: string | undefined;
  let world = { sellers: [] as string[], buyers: [] as string[], admins: [] as string[], listings: [] as unknown[], bookings: [] as unknown[] };
  let runStartUs = nowUs();
  let users: ReturnType<typeof createUserFactory> | undefined;
  const timers: NodeJS.Timeout[] = [];
  const elapsedMs = () => (nowUs() - runStartUs) / 1000;
  const resolve = resolverFor(registry, elapsedMs);
  const timelineEveryMs = timelineIntervalMs(totalMs);
  const timeline = createTimeline({ intervalMs: timelineEveryMs });
  let sampleTimeline = () => {};
  let exporter: MetricsExporter | undefined;
  let busyVus = () => 0;
  const liveGauges = () => {
    const generator = health.current();
    let connected = 0;
    for (const user of users?.live ?? []) if (user.connected) connected++;
    return runGauges({
      vus: busyVus(),
      connected_users: connected,
      elapsed_seconds: elapsedMs() / 1000,
      planned_seconds: totalMs / 1000,
      generator_loop_delay_p99_seconds: generator.loopDelayP99Ms / 1000,
      generator_cpu_percent: generator.cpuPercent,
      generator_saturated: generator.saturated ? 1 : 0,
    });
  };
  const dialect = dialectProfile ? createTarget(dialectProfile, { url: target }) : undefined;
  const checks = createRunChecks({ check, metrics: registry, startUs: () => runStartUs, deliveryTimeoutMs, signal: abort.signal, ...(dialect ? { target: dialect } : {}) });

  const build = (
    partial: boolean,
    generator: GeneratorHealth,
    evaluated: ThresholdResult[],
    metrics: MetricsSnapshot = registry.snapshot(),
  ): RunResult => {
    const timelineNow = timeline.snapshot();
    const faultEvents = lab?.events();
    return {
      scenario: name,
      // The server measured, not the fault proxy the clients may have gone through.
      target: lab?.serverUrl ?? target,
      ...(dialect ? { profile: dialect.profile.name } : {}),
      embedded,
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(elapsedMs()),
      partial,
      status,
      ...(reason ? { reason } : {}),
      schedule: Object.fromEntries([...plans].map(([group, plan]) => [group, describeSchedule(plan)])),
      conditions: runConditions(options, { embedded, check, client, faults: faults.map((f) => f.label) }),
      world: {
        sellers: world.sellers.length,
        buyers: world.buyers.length,
        admins: world.admins.length,
        listings: world.listings.length,
        bookings: world.bookings.length,
      },
      generator,
      thresholds: evaluated,
      thresholdsPassed: evaluated.every((t) => t.passed),
      violations: checks.summary(),
      metrics,
      timeline: timelineNow,
      ...(faultEvents ? { faults: faultEvents, faultImpact: analyzeFaultImpact(timelineNow, faultEvents) } : {}),
      reportDir: writer?.dir,
    };
  };

  try {
    if (options.reportDir !== false) writer = createReportWriter(options.reportDir ?? defaultReportDir(name, startedAt));
    if (options.metricsPort !== undefined) {
      exporter = await startMetricsExporter({
        port: options.metricsPort,
        ...(options.metricsHost ? { host: options.metricsHost } : {}),
        render: () => renderPrometheus({ ...registry.liveSeries(), gauges: liveGauges() }),
      });
      options.onMetricsListening?.(exporter.url);
    }
    await checkReachable(target, dialect?.profile.healthPath);
    const token: TokenProvider = dialect
      ? dialect.identity.tokenProvider
      : options.tokenModule
        ? await loadTokenModule(options.tokenModule)
        : createSecretTokenProvider(options.jwtSecret ?? server?.jwtSecret ?? '');
    // Before seeding: does the server speak what the run will speak to it (the profile's dialect,
    // or the contract's for a contract scenario)? Said up front, rather than every step failing.
    // (`world: false` scenarios without a profile drive any dialect with generic steps.)
    const probeUser = `probe-${startedAt.getTime().toString(36)}`;
    if (dialect) await probeProfileTarget(dialect, probeUser);
    else if (!embedded && scenario.world !== false) await probeContractTarget(target, token, probeUser, 'the contract (docs/contract.md), which this scenario uses');
    // `world: false`: a server of another dialect, driven by generic steps only, has no contract API to seed.
    if (role) {
      // Seeded once, by the coordinator.
      world = role.world as typeof world;
      checks.authz?.seeded(world as SeededWorld);
    } else if (scenario.world !== false) {
      notice(`seeding the world on ${target}${dialect ? ` (profile ${dialect.profile.name})` : ''}`);
      world = await seedWorld(scenario.world, target, token, options.onSeed, undefined, dialect?.world);
      checks.authz?.seeded(world as SeededWorld);
    }
    const units = partitionUnits(world as SeededWorld);
    const slotOf = role ? (index: number) => workerSlot(index, role.index, role.of, units) : undefined;

    const httpTimeoutMs = Math.max(ackTimeoutMs, 10_000);
    const deliveries = createDeliveryTracker({
      metrics: registry,
      timeoutMs: deliveryTimeoutMs,
      answerTimeoutMs: httpTimeoutMs,
      signal: abort.signal,
      ...(checks.onLost ? { onLost: checks.onLost } : {}),
    });
    checks.attach(deliveries.census);
    users = createUserFactory(
      {
        url: target,
        token,
        transport: options.transport ?? 'websocket',
        client,
        metrics: registry,
        deliveries,
        ackTimeoutMs,
        connectTimeoutMs,
        reconnectTimeoutMs,
        ...(reconnection ? { reconnection } : {}),
        httpTimeoutMs,
        signal: abort.signal,
        tagGuards: createTagGuards((message) => {
          log.warn(message);
          notice(`warning: ${message}`);
        }),
        ...(checks.observer ? { observer: checks.observer } : {}),
        ...(dialect ? { target: dialect } : {}),
      },
      options.localAddresses,
    );
    const live = users.live;
    options.inspect?.(() => ({ liveUsers: live.size, checkerStreams: checks.size(), ...deliveries.sizes() }));
    if (writer) primeSnapshots();
    let loggedErrors = 0;
    const groups: GroupRun[] = [];
    let slotOffset = 0;
    // Every worker starts its schedule together (the coordinator says when).
    await role?.ready();
    runStartUs = nowUs();
    health.restart();
    registry.windowLatencies(); // seeding's samples are not the schedule's first interval
    timeline.start(registry.counterValues());
    lab?.start(elapsedMs);
    sampleTimeline = () => timeline.add({
      atMs: elapsedMs(),
      vus: groups.reduce((sum, g) => sum + g.busyVus, 0),
      liveUsers: live.size,
      latencies: registry.windowLatencies(),
      counters: registry.counterValues(),
    });
    timers.push(setInterval(() => sampleTimeline(), timelineEveryMs));
    for (const [group, spec] of Object.entries(scenario.groups)) {
      const plan = plans.get(group) as SchedulePlan;
      groups.push(
        runGroup({
          name: group,
          group: spec,
          plan,
          startDelayMs: startDelays.get(group) ?? 0,
          world: world as never,
          createUser: users.create,
          metrics: registry,
          stopSignal: stop.signal,
          abortSignal: abort.signal,
          slotOffset,
          ...(slotOf ? { slotOf } : {}),
          thinkFactor: timelineFactor,
          stallThresholdMs,
          onScheduleLag: (lagUs) => scheduleLag.recordValue(toRecordableUs(lagUs, 'schedule_lag')),
          onIterationError(error, groupName) {
            registry.counter('errors', { code: 'iteration_exception', source: groupName }).add();
            if (loggedErrors++ < MAX_LOGGED_ITERATION_ERRORS) {
              log.warn({ err: error, group: groupName }, 'an iteration threw');
              notice(`iteration error in "${groupName}": ${(error as Error)?.message ?? String(error)}`);
            }
          },
        }),
      );
      slotOffset += plan.maxVUs;
    }

    busyVus = () => groups.reduce((sum, g) => sum + g.busyVus, 0);
    // result.json while the run goes, so Ctrl-C or a crash leaves a report: the snapshot is built a
    // series per loop turn, and a partial that finishes after the final report is thrown away.
    let writingPartial = false;
    const writePartial = async (to: ReportWriter) => {
      writingPartial = true;
      try {
        // The schedule goes first: no snapshot step starts just before an arrival is due.
        const metrics = await snapshotYielding(registry, { nextDueUs: () => earliest(groups.map((g) => g.nextDueUs)) });
        if (!finalWritten) to.writeSnapshot(build(true, health.current(), evaluateThresholds(thresholds, resolve), metrics));
      } catch (error) {
        log.warn({ err: error }, 'could not write the partial report');
      } finally {
        writingPartial = false;
      }
    };
    // A worker reports its cumulative figures; its coordinator merges them, and judges.
    let reporting = false;
    const sendReport = async (to: WorkerRole) => {
      reporting = true;
      try {
        const metrics = await snapshotYielding(registry, { nextDueUs: () => earliest(groups.map((g) => g.nextDueUs)) });
        to.report({
          worker: to.index, final: false, elapsedMs: Math.round(elapsedMs()), metrics, violations: checks.summary(),
          generator: health.current(), vus: busyVus(), liveUsers: live.size, connectedUsers: connectedCount(live), rssBytes: process.memoryUsage.rss(),
        });
      } catch (error) {
        log.warn({ err: error }, 'could not report to the coordinator');
      } finally {
        reporting = false;
      }
    };
    let lastReportMs = 0;
    // Once a second: generator health, progress, abortOnFail thresholds; every few: result.json.
    let lastIterations = 0;
    let lastSnapshotMs = 0;
    const snapshotEveryMs = options.snapshotEveryMs ?? 2_000;
    timers.push(
      setInterval(() => {
        health.sample();
        if (role) {
          if (!reporting && elapsedMs() - lastReportMs >= role.reportEveryMs - 50) {
            lastReportMs = elapsedMs();
            void sendReport(role);
          }
          return;
        }
        const iterations = registry.queryCounter('iterations') ?? 0;
        const interval = registry.intervalLatency('ack');
        options.onProgress?.({
          elapsedMs: elapsedMs(),
          totalMs,
          vus: groups.reduce((sum, g) => sum + g.busyVus, 0),
          iterationsPerSec: iterations - lastIterations,
          ackP95Ms: interval ? interval.p95Us / 1000 : undefined,
          errors: registry.queryCounter('errors') ?? 0,
          dropped: registry.queryCounter('dropped_iterations') ?? 0,
          ...(check ? { violations: registry.queryCounter('violations') ?? 0 } : {}),
        });
        lastIterations = iterations;
        const aborting = thresholds.filter((t) => t.abortOnFail && elapsedMs() >= t.delayAbortEvalMs * timelineFactor);
        const failed = evaluateThresholds(aborting, resolve).find((r) => !r.passed && r.observed !== undefined);
        if (failed && !stop.signal.aborted) {
          status = 'aborted';
          reason = `threshold ${failed.key} ${failed.source} failed (abortOnFail)`;
          notice(reason);
          stop.abort(reason);
        }
        if (writer && !writingPartial && elapsedMs() - lastSnapshotMs >= snapshotEveryMs) {
          lastSnapshotMs = elapsedMs();
          void writePartial(writer);
        }
      }, 1_000),
    );

    // The schedule ends; in-flight iterations get gracefulStop to finish, then are aborted.
    await Promise.race([Promise.all(groups.map((g) => g.scheduleEnded)), abortedPromise(stop.signal)]);
    const settled = Promise.all(groups.map((g) => g.done));
    const graceMs = stop.signal.aborted ? Math.min(gracefulStopMs, 2_000) : gracefulStopMs;
    const graceful = await settledWithin(settled, graceMs);
    if (!graceful) {
      abort.abort('graceful stop over');
      for (const user of users.live) user.disconnect();
      await settledWithin(settled, 2_000);
    }
    if (stop.signal.aborted && status === 'passed') {
      status = 'interrupted';
      reason = String(stop.signal.reason ?? 'interrupted');
    }
  } catch (error) {
    finalWritten = true;
    status = 'error';
    reason = error instanceof Error ? error.message : String(error);
    if (writer) writeSafely(writer, build(true, health.stop(), evaluateThresholds(thresholds, resolve)), log);
    throw error;
  } finally {
    for (const timer of timers) clearInterval(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
    if (!abort.signal.aborted) abort.abort('run over');
    for (const user of users?.live ?? []) user.disconnect();
    await exporter?.close();
    await server?.close();
  }

  sampleTimeline(); // the last stretch: graceful stop and whatever ran past the last full interval
  const generator = health.stop();
  const evaluated = evaluateThresholds(thresholds, resolve);
  if (status === 'passed' && !evaluated.every((t) => t.passed)) status = 'thresholds_failed';
  const partial = (status as RunStatus) === 'interrupted' || (status as RunStatus) === 'aborted';
  const result = build(partial, generator, evaluated);
  finalWritten = true;
  writer?.writeFinal(result);
  return result;
}

function writeSafely(writer: ReportWriter, result: RunResult, log: Logger): void {
  try {
    writer.writeFinal(result);
  } catch (error) {
    log.error({ err: error }, 'could not write the partial report');
  }
}


export { judgeGeneratorHealth };

function connectedCount(users: Iterable<{ connected: boolean }>): number {
  let connected = 0;
  for (const user of users) if (user.connected) connected++;
  return connected;
}


/** The earliest of some times, undefined when there are none. */
function earliest(times: (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
  return min;
}
