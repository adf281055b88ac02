import { pino } from 'pino';
import { createSecretTokenProvider, loadTokenModule } from '../../client/tokens.ts';
import type { TokenProvider } from '../../client/http.ts';
import { BazaarError } from '../../errors.ts';
import { createTimeline, mergeHistograms, querySnapshot, summarize, timelineIntervalMs, type MetricsSnapshot } from '../../metrics/index.ts';
import { createReportWriter, defaultReportDir, type ReportWriter } from '../../report/write-report.ts';
import type { RunStatus } from '../../report/summary.ts';
import { loadScenario } from '../../scenario/load-scenario.ts';
import { runTimings } from '../../scenario/rescale.ts';
import type { SeededWorld } from '../../scenario/types.ts';
import { describeSchedule } from '../../schedule/index.ts';
import { evaluateThresholds, type ThresholdResult } from '../../thresholds/index.ts';
import { judgeGeneratorHealth } from '../generator-health.ts';
import { withIntruders } from '../intruders.ts';
import { connectionWarning, openFilesLimit } from '../preflight.ts';
import { collectThresholds, resolverFor } from '../resolver.ts';
import { withViolationThreshold } from '../run-checks.ts';
import { planRun } from '../run-plan.ts';
import { startRunServer } from '../run-server.ts';
import { checkReachable, runConditions, settledWithin, type RunOptions, type RunResult } from '../run.ts';
import { worldCounts } from '../run-result.ts';
import { runClient } from '../run-client.ts';
import { seedWorld } from '../seed-world.ts';
import { mergeWorkerReports, type MergedReports } from './merge.ts';
import { partitionUnits, sharesRooms } from './partition.ts';
import { processRssBytes, startCpuMeter } from './process-cpu.ts';
import type { CoordinatorMessage, WorkerMessage, WorkerReport, WorkerSpec } from './protocol.ts';
import { createWindowReader } from './windows.ts';
import { renderPrometheus, type LiveMetrics } from '../../metrics/prometheus.ts';
import { decodeHistogram } from '../../metrics/histogram.ts';
import { runGauges, startMetricsExporter, type MetricsExporter } from '../metrics-exporter.ts';
import { forkWorker, type WorkerLink } from './worker-link.ts';

/** One worker as the result reports it. */
export interface WorkerFigures {
  /** 1-based, as people count. */
  worker: number;
  pid: number;
  /** Its CPU, percent of one core, averaged over its schedule. */
  cpuPercent: number;
  loopDelayP99Ms: number;
  saturated: boolean;
  iterations: number;
  /** Reports it sent (a worker that crashed is counted up to its last one). */
  reports: number;
  /** Its highest resident memory reported, MB. */
  peakRssMb?: number;
  /** How it ended when that was not its run finishing, e.g. "killed by SIGKILL". */
  exit?: string;
  /** Where it ran when not on this machine: its agent, e.g. "agent 2 (vm-7)". */
  where?: string;
}

/** Both sides of the machine (issue 15 §1): the generator's processes and the server's. */
export interface WorkersSummary {
  count: number;
  workers: WorkerFigures[];
  /** The coordinator's own CPU (merging, reports), percent of one core. */
  coordinatorCpuPercent: number;
  /** Processes of the server started for the run (0 for an external target). */
  serverProcesses: number;
  /** Their CPU over the schedule, percent of one core; absent for an external target or without /proc. */
  serverCpuPercent?: number;
  /** Their highest resident memory, summed over them, sampled once a second, MB; absent as the CPU is. */
  serverPeakRssMb?: number;
}

/** How long workers may take to load the scenario and get ready. */
const READY_TIMEOUT_MS = 60_000;
/** After a stop, how long past the graceful stop a worker may take to report before it is killed. */
const STOP_GRACE_MS = 10_000;
const REPORT_EVERY_MS = 1_000;
const toMb = (bytes: number) => Math.round(bytes / 2 ** 20);

interface WorkerHandle {
  index: number;
  link: WorkerLink;
  latest: WorkerReport | undefined;
  reports: number;
  peakRssBytes: number;
  final: boolean;
  ready: boolean;
  exit: string | undefined;
  failure: string | undefined;
}

/**
 * Where a coordinated run's workers live: processes forked here (the default), or agents'
 * processes on other machines (src/engine/agents/). The coordinator speaks to each through a
 * WorkerLink and merges them alike.
 */
export interface WorkerFleet {
  /** Opens the link to the next worker (called once per worker, in index order). */
  start(): WorkerLink;
  /** The line for the person once every link is open, e.g. "workers: 2 processes (pids 11, 12)". */
  describe?(links: WorkerLink[]): string;
  /**
   * The common start: the 'go' every worker is sent, and in how long the schedule starts (the
   * coordinator's clock starts the run then). Default: 'go' now.
   */
  go?(): Promise<{ message: CoordinatorMessage; startsInMs: number }>;
  /** Extra facts for the result (agents: who, clocks, start). */
  report?(): Partial<RunResult>;
}

/**
 * The machine's cores less the server processes started on it (min 1): the generator leaves the
 * server a core of its own for each of its processes (docs/scaling.md).
 */
export function autoWorkerCount(cores: number, serverProcesses: number): number {
  return Math.max(1, cores - serverProcesses);
}

/**
 * A run played by `options.workers` worker processes (./worker-main.ts) under this coordinator:
 * the coordinator starts the server and seeds the world once, hands each worker its share of the
 * schedule and of the world (src/schedule/split.ts, ./partition.ts), merges their cumulative
 * reports exactly (./merge.ts), and judges the merged figures: progress, abortOnFail, the
 * timeline, thresholds and the report are the whole run's, as with one process.
 */
export async function startCoordinatedRun(options: RunOptions, fleetOrStart: WorkerFleet | (() => WorkerLink) = forkWorker): Promise<RunResult> {
  const fleet: WorkerFleet = typeof fleetOrStart === 'function' ? { start: fleetOrStart } : fleetOrStart;
  const count = options.workers ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `workers must be a whole number ≥ 1, got ${count}`, 'pass --workers 2, or --workers auto');
  }
  if (typeof options.scenario !== 'string') {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', 'workers load the scenario in each process, and a scenario object cannot be sent to them',
      'pass the scenario as a file path or shipped name, or run with workers: 1');
  }
  const log = options.logger ?? pino({ level: 'silent' });
  const notice = options.onNotice ?? (() => {});
  const loaded = await loadScenario(options.scenario);
  // Only the plan and thresholds are read here: intruders' hooks run in the workers.
  const scenario = withIntruders(loaded, { metrics: () => undefined as never, authz: () => undefined });
  const name = loaded.name;
  // Refused here, before the server starts or a worker is forked (each worker would refuse it alone).
  const client = runClient(options, scenario.options);
  const check = options.check !== false;
  const thresholds = withViolationThreshold(collectThresholds(scenario, options.thresholds), check);
  const { plans, durationFactor, totalMs } = planRun(scenario, options);
  const { gracefulStopMs, timelineFactor } = runTimings(scenario.options, durationFactor);
  if (options.target && !options.jwtSecret && !options.tokenModule) {
    throw new BazaarError('BAZAAR_NO_SECRET', `no way to mint tokens for ${options.target}`,
      'pass --jwt-secret S (the server\'s HS256 secret), or --token-module FILE for servers with their own login');
  }
  // The open-file limit is per process: each worker holds its share of the connections.
  const plannedConnections = 2 * [...plans.values()].reduce((sum, plan) => sum + plan.maxVUs, 0);
  const warning = connectionWarning(plannedConnections, openFilesLimit(), options.localAddresses?.length ?? 1, count);
  if (warning) notice(`warning: ${warning}`);

  const startedAt = new Date();
  const { server, target, embedded, pids: serverPids } = await startRunServer(options, startedAt);
  let writer: ReportWriter | undefined;
  let exporter: MetricsExporter | undefined;
  let status: RunStatus = 'passed';
  let reason: string | undefined;
  let world: SeededWorld = { sellers: [], buyers: [], admins: [], listings: [], bookings: [] };
  const handles: WorkerHandle[] = [];
  const timers: NodeJS.Timeout[] = [];
  let runStartMs = performance.now();
  const elapsedMs = () => performance.now() - runStartMs;
  const timelineEveryMs = timelineIntervalMs(totalMs);
  const timeline = createTimeline({ intervalMs: timelineEveryMs });
  let serverCpu: { read(): number | undefined } | undefined;
  let coordinatorCpu = process.cpuUsage();
  let coordinatorSince = performance.now();
  let finalWritten = false;
  let sampleTimeline = () => {};
  /** Read once a second and before the server closes: a closed server's processes can no longer be read. */
  let lastServerCpu: number | undefined;
  let serverPeakRssBytes = 0;

  const merged = (): MergedReports =>
    mergeWorkerReports(handles.flatMap((h) => (h.latest ? [h.latest] : [])));
  const judge = (metrics: MetricsSnapshot) => evaluateThresholds(thresholds, resolverFor(querySnapshot(metrics), elapsedMs));
  const summary = (): WorkersSummary => {
    const used = process.cpuUsage(coordinatorCpu);
    const serverCpuPercent = serverCpu?.read() ?? lastServerCpu;
    return {
      count,
      workers: handles.map((h) => ({
        worker: h.index + 1,
        pid: h.link.pid,
        cpuPercent: h.latest?.generator.cpuPercent ?? 0,
        loopDelayP99Ms: h.latest?.generator.loopDelayP99Ms ?? 0,
        saturated: h.latest?.generator.saturated ?? false,
        iterations: (h.latest?.metrics.counters ?? []).filter((c) => c.name === 'iterations').reduce((sum, c) => sum + c.value, 0),
        reports: h.reports,
        ...(h.peakRssBytes ? { peakRssMb: toMb(h.peakRssBytes) } : {}),
        ...(h.exit ? { exit: h.exit } : {}),
        ...(h.link.where ? { where: h.link.where } : {}),
      })),
      coordinatorCpuPercent: Math.round(((used.user + used.system) / 1000 / Math.max(1, performance.now() - coordinatorSince)) * 1000) / 10,
      serverProcesses: serverPids.length,
      ...(serverCpuPercent === undefined ? {} : { serverCpuPercent }),
      ...(serverPeakRssBytes ? { serverPeakRssMb: toMb(serverPeakRssBytes) } : {}),
    };
  };
  const build = (partial: boolean, figures: MergedReports, evaluated: ThresholdResult[]): RunResult => ({
    scenario: name,
    target,
    embedded,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(elapsedMs()),
    partial,
    status,
    ...(reason ? { reason } : {}),
    schedule: Object.fromEntries([...plans].map(([group, plan]) => [group, describeSchedule(plan)])),
    conditions: runConditions(options, { embedded, check, client }),
    world: worldCounts(world),
    generator: handles.some((h) => h.latest) ? figures.generator : judgeGeneratorHealth([]),
    thresholds: evaluated,
    thresholdsPassed: evaluated.every((t) => t.passed),
    violations: figures.violations,
    metrics: figures.metrics,
    timeline: timeline.snapshot(),
    reportDir: writer?.dir,
    workers: summary(),
    ...fleet.report?.(),
  });

  const sendTo = (handle: WorkerHandle, message: CoordinatorMessage) => {
    handle.link.send(message);
  };
  let stopping = false;
  const stopAll = (why: string) => {
    if (stopping) return;
    stopping = true;
    for (const handle of handles) sendTo(handle, { type: 'stop', reason: why });
    // A worker that does not finish in time is killed; what it had reported is kept.
    const deadline = setTimeout(() => {
      for (const handle of handles) if (!handle.final && handle.exit === undefined) handle.link.kill();
    }, Math.min(gracefulStopMs, 2_000) + STOP_GRACE_MS);
    deadline.unref();
    timers.push(deadline);
  };
  const failWorker = (handle: WorkerHandle, what: string) => {
    if (status !== 'error') {
      status = 'error';
      reason = `worker ${handle.index + 1} (${handle.link.label}) ${what}; the report keeps what every worker had sent`;
      notice(reason);
    }
    stopAll(reason ?? what);
  };
  const onOuterAbort = () => {
    if (status === 'passed') {
      status = 'interrupted';
      reason = String(options.signal?.reason ?? 'interrupted');
    }
    stopAll(reason ?? 'interrupted');
  };

  try {
    if (options.reportDir !== false) writer = createReportWriter(options.reportDir ?? defaultReportDir(name, startedAt));
    if (options.metricsPort !== undefined) {
      exporter = await startMetricsExporter({
        port: options.metricsPort,
        ...(options.metricsHost ? { host: options.metricsHost } : {}),
        render: () => renderPrometheus(liveMetrics(merged(), elapsedMs() / 1000, totalMs / 1000)),
      });
      options.onMetricsListening?.(exporter.url);
    }
    await checkReachable(target);
    const token: TokenProvider = options.tokenModule
      ? await loadTokenModule(options.tokenModule)
      : createSecretTokenProvider(options.jwtSecret ?? server?.jwtSecret ?? '');
    if (scenario.world !== false) {
      notice(`seeding the world on ${target}`);
      world = await seedWorld(scenario.world, target, token, options.onSeed);
    }
    const units = partitionUnits(world);
    if (check && scenario.world !== false && sharesRooms(count, units)) {
      notice(`warning: the world has ${units} bookings or listings for ${count} workers, so some rooms span workers: ` +
        'loss is then checked only between users of one worker (give the world at least as many bookings as workers)');
    }

    // Fork every worker; each loads the scenario and sets up, then waits for 'go'.
    const allReady = new Promise<void>((resolve, reject) => {
      for (let index = 0; index < count; index++) {
        const link = fleet.start();
        const handle: WorkerHandle = {
          index, link, latest: undefined, reports: 0, peakRssBytes: 0, final: false, ready: false, exit: undefined, failure: undefined,
        };
        handles.push(handle);
        link.onMessage((message: WorkerMessage) => {
          switch (message.type) {
            case 'ready':
              handle.ready = true;
              if (handles.length === count && handles.every((h) => h.ready)) resolve();
              return;
            case 'report':
              handle.latest = message.report;
              handle.reports++;
              handle.peakRssBytes = Math.max(handle.peakRssBytes, message.report.rssBytes ?? 0);
              if (message.report.final) handle.final = true;
              return;
            case 'notice':
              notice(`worker ${message.worker + 1}: ${message.message}`);
              return;
            case 'failed':
              handle.failure = message.message;
              return;
          }
        });
        link.onGone((exit) => {
          if (handle.final) return;
          handle.exit = exit ?? 'exited';
          const what = `${handle.exit} before its run ended${handle.failure ? `: ${handle.failure}` : ''}`;
          if (!handle.ready) reject(new BazaarError('BAZAAR_WORKER_FAILED', `worker ${index + 1} (${link.label}) ${what}`,
            'run with --workers 1 to see the error in this process'));
          failWorker(handle, what);
        });
        const spec: WorkerSpec = {
          index,
          of: count,
          scenario: options.scenario as string,
          target,
          ...(options.tokenModule ? { tokenModule: options.tokenModule } : { jwtSecret: options.jwtSecret ?? server?.jwtSecret ?? '' }),
          transport: options.transport ?? 'websocket',
          ...(options.client ? { client: options.client } : {}),
          ...(options.durationMs ? { durationMs: options.durationMs } : {}),
          ...(options.scale ? { scale: options.scale } : {}),
          check,
          ...(options.localAddresses ? { localAddresses: options.localAddresses } : {}),
          world,
          reportEveryMs: REPORT_EVERY_MS,
        };
        link.send({ type: 'start', spec });
      }
    });
    options.onWorkersStarted?.(handles.map((h) => h.link.pid));
    notice(fleet.describe?.(handles.map((h) => h.link)) ?? `workers: ${count} processes (pids ${handles.map((h) => h.link.pid).join(', ')})`);
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    if (options.signal?.aborted) onOuterAbort();
    // A worker that exits before it is ready rejects allReady: the run fails with its exit.
    if (!(await settledWithin(allReady, READY_TIMEOUT_MS))) {
      throw new BazaarError('BAZAAR_WORKER_FAILED', `the workers were not ready within ${READY_TIMEOUT_MS / 1000} s`,
        'lower the load per worker, or run with --workers 1 to see what holds it up');
    }

    // Everyone starts the schedule together: now, or at the fleet's common start time.
    const go = (await fleet.go?.()) ?? { message: { type: 'go' } as CoordinatorMessage, startsInMs: 0 };
    for (const handle of handles) sendTo(handle, go.message);
    if (go.startsInMs > 0) await new Promise((resolve) => setTimeout(resolve, go.startsInMs));
    // Each worker ends its own run; one that overruns the schedule and its graceful stop is stopped.
    timers.push(setTimeout(() => {
      if (handles.some((h) => !h.final && h.exit === undefined)) {
        notice('a worker overran the schedule and its graceful stop: stopping every worker');
        stopAll('the schedule is over');
      }
    }, totalMs + gracefulStopMs + STOP_GRACE_MS));
    runStartMs = performance.now();
    serverCpu = startCpuMeter(serverPids);
    coordinatorCpu = process.cpuUsage();
    coordinatorSince = performance.now();
    timeline.start([]);
    const timelineWindows = createWindowReader();
    sampleTimeline = () => {
      const figures = merged();
      timeline.add({
        atMs: elapsedMs(),
        vus: figures.vus,
        liveUsers: figures.liveUsers,
        latencies: timelineWindows.read(figures.metrics).map((w) => ({ key: w.key, summary: summarize(w.histogram) })),
        counters: figures.metrics.counters.map((c) => ({ key: c.key, value: c.value })),
      });
    };
    const ackWindows = createWindowReader();
    timers.push(setInterval(() => sampleTimeline(), timelineEveryMs));

    // Once a second, on the merged figures: progress, abortOnFail; every few: result.json.
    let lastIterations = 0;
    let lastSnapshotMs = 0;
    const snapshotEveryMs = options.snapshotEveryMs ?? 2_000;
    timers.push(setInterval(() => {
      lastServerCpu = serverCpu?.read() ?? lastServerCpu;
      const serverRss = serverPids.map(processRssBytes);
      if (serverRss.every((rss) => rss !== undefined)) serverPeakRssBytes = Math.max(serverPeakRssBytes, serverRss.reduce((a, b) => a + b, 0));
      const figures = merged();
      const queries = querySnapshot(figures.metrics);
      const iterations = queries.queryCounter('iterations') ?? 0;
      const ack = ackWindows.read(figures.metrics, 'ack');
      options.onProgress?.({
        elapsedMs: elapsedMs(),
        totalMs,
        vus: figures.vus,
        iterationsPerSec: iterations - lastIterations,
        ackP95Ms: ack.length ? summarize(mergeHistograms(ack.map((w) => w.histogram))).p95Us / 1000 : undefined,
        errors: queries.queryCounter('errors') ?? 0,
        dropped: queries.queryCounter('dropped_iterations') ?? 0,
        ...(check ? { violations: queries.queryCounter('violations') ?? 0 } : {}),
      });
      lastIterations = iterations;
      const aborting = thresholds.filter((t) => t.abortOnFail && elapsedMs() >= t.delayAbortEvalMs * timelineFactor);
      const failed = evaluateThresholds(aborting, resolverFor(queries, elapsedMs)).find((r) => !r.passed && r.observed !== undefined);
      if (failed && !stopping) {
        status = 'aborted';
        reason = `threshold ${failed.key} ${failed.source} failed (abortOnFail)`;
        notice(reason);
        stopAll(reason);
      }
      if (writer && elapsedMs() - lastSnapshotMs >= snapshotEveryMs) {
        lastSnapshotMs = elapsedMs();
        try {
          if (!finalWritten) writer.writeSnapshot(build(true, figures, judge(figures.metrics)));
        } catch (error) {
          log.warn({ err: error }, 'could not write the partial report');
        }
      }
    }, 1_000));

    // The run is over when every worker has sent its last report or is gone.
    await Promise.all(handles.map((h) => h.link.gone));
  } catch (error) {
    finalWritten = true;
    status = 'error';
    reason = error instanceof Error ? error.message : String(error);
    for (const handle of handles) handle.link.kill();
    await Promise.all(handles.map((h) => h.link.gone));
    if (writer) {
      try {
        const figures = merged();
        writer.writeFinal(build(true, figures, judge(figures.metrics)));
      } catch (writeError) {
        log.error({ err: writeError }, 'could not write the partial report');
      }
    }
    throw error;
  } finally {
    for (const timer of timers) clearInterval(timer);
    options.signal?.removeEventListener('abort', onOuterAbort);
    lastServerCpu = serverCpu?.read() ?? lastServerCpu;
    serverCpu = undefined;
    await exporter?.close();
    await server?.close();
  }

  sampleTimeline(); // the last stretch: graceful stop and the workers' last reports
  const figures = merged();
  const evaluated = judge(figures.metrics);
  if (status === 'passed' && !evaluated.every((t) => t.passed)) status = 'thresholds_failed';
  const ended = status as RunStatus;
  const partial = ended === 'interrupted' || ended === 'aborted' || ended === 'error';
  const result = build(partial, figures, evaluated);
  finalWritten = true;
  writer?.writeFinal(result);
  return result;
}

/** The merged figures as the live exporter reads them (src/metrics/prometheus.ts): decoded on each scrape. */
function liveMetrics(figures: MergedReports, elapsedSeconds: number, plannedSeconds: number): LiveMetrics {
  const generator = figures.generator;
  return {
    latencies: figures.metrics.latencies.map((s) => ({ name: s.name, tags: s.tags, histogram: decodeHistogram(s.histogram) })),
    counters: figures.metrics.counters.map((c) => ({ name: c.name, tags: c.tags, value: () => c.value })),
    gauges: runGauges({
      vus: figures.vus,
      connected_users: figures.connectedUsers,
      elapsed_seconds: elapsedSeconds,
      planned_seconds: plannedSeconds,
      generator_loop_delay_p99_seconds: generator.loopDelayP99Ms / 1000,
      generator_cpu_percent: generator.cpuPercent,
      generator_saturated: generator.saturated ? 1 : 0,
    }),
  };
}
