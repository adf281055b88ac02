import type { Logger } from 'pino';
import { pino } from 'pino';
import { createDeliveryTracker } from '../client/delivery-tracker.ts';
import { METRICS, type MetricName } from '../client/sink.ts';
import { createTagGuards } from '../client/tag-guard.ts';
import { createSecretTokenProvider, loadTokenModule } from '../client/tokens.ts';
import type { TokenProvider } from '../client/http.ts';
import type { Transport } from '../client/virtual-user.ts';
import type { LedgerSizes } from '../client/delivery-ledger.ts';
import { DEFAULT_STALL_THRESHOLD_MS, nowUs } from '../client/clock.ts';
import { BazaarError } from '../errors.ts';
import { startEmbeddedServer } from '../lab/embedded-server.ts';
import { startReferenceCluster } from '../lab/cluster.ts';
import type { AdapterName } from '../../reference-server/index.ts';
import {
  createLatencyHistogram,
  createMetricsRegistry,
  createTimeline,
  timelineIntervalMs,
  toRecordableUs,
  type MetricsRegistry,
  type MetricsSnapshot,
  type RunTimeline,
} from '../metrics/index.ts';
import { createReportWriter, defaultReportDir, type ReportWriter } from '../report/write-report.ts';
import type { RunStatus } from '../report/summary.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { durationFactorFor, rescaleExecutor, runTimings } from '../scenario/rescale.ts';
import type { Scenario, SeededWorld } from '../scenario/types.ts';
import { describeSchedule, planSchedule, type SchedulePlan } from '../schedule/index.ts';
import {
  checkThresholdMetrics,
  evaluateThresholds,
  neverObservedTags,
  parseCliThreshold,
  parseThresholds,
  type MetricResolver,
  type Threshold,
  type ThresholdResult,
} from '../thresholds/index.ts';
import { parseDurationMs } from '../util/duration.ts';
import { checkClientTransport, parseClientKind, type ClientKind } from '../client/client-socket.ts';
import { connectionWarning, openFilesLimit } from './preflight.ts';
import { judgeGeneratorHealth, startHealthSampler, type GeneratorHealth } from './generator-health.ts';
import { runGroup, type GroupRun } from './run-group.ts';
import { primeSnapshots, snapshotYielding } from './snapshot-yielding.ts';
import { seedWorld, type SeedProgress } from './seed-world.ts';
import { createUserFactory, sleep } from './vu.ts';
import { createRunChecks, withViolationThreshold } from './run-checks.ts';
import { runGauges, startMetricsExporter, type MetricsExporter } from './metrics-exporter.ts';
import { renderPrometheus } from '../metrics/prometheus.ts';
import { withIntruders } from './intruders.ts';
import type { RunViolations } from '../checks/violations.ts';

export interface RunOptions {
  /** A shipped scenario name, a path, or a scenario object from defineScenario. */
  scenario: string | (Scenario & { name?: string });
  /** Server to test; default: start the bundled reference server (one node, in memory). */
  target?: string;
  jwtSecret?: string;
  /** Path to a module whose default export mints tokens: (userId, role) => token. */
  tokenModule?: string;
  transport?: Transport;
  /**
   * Which client each user is: 'socket.io-client' (default, one real socket.io-client per user, as
   * browsers connect) or 'lean' (Engine.IO / Socket.IO framed by hand over `ws`: WebSocket only,
   * JSON payloads; for runs whose point is sheer numbers). Overrides the scenario's `options.client`.
   */
  client?: ClientKind;
  /** Extra thresholds, e.g. "ack{event:message:send} p(95)<150ms". */
  thresholds?: string[];
  /** Report folder; default reports/<timestamp>_<scenario>/; false writes nothing. */
  reportDir?: string | false;
  /** Spread client connections over these source addresses (e.g. 127.0.0.2..). */
  localAddresses?: string[];
  /** Stops the run early (Ctrl-C): the report is written, marked partial. */
  signal?: AbortSignal;
  onProgress?(progress: RunProgress): void;
  onSeed?(progress: SeedProgress): void;
  /** Messages for a person: what the run is doing. */
  onNotice?(message: string): void;
  logger?: Logger;
  /** Compress or stretch the whole schedule to this many ms (e.g. a 60 s scenario in 5 s). */
  durationMs?: number;
  /** Multiply VUs and arrival rates, e.g. 0.1 for a tenth of the load. */
  scale?: number;
  /** Without a target: run against a cluster of this many reference nodes on Redis started for the purpose. */
  nodes?: number;
  /** The cluster's Redis (default: REDIS_URL, else a throwaway redis-server or Docker container). */
  redis?: string;
  adapter?: AdapterName;
  /** The cluster's fan-out: 'ordered' (default) or the stock 'adapter' path, which misorders across nodes. */
  fanout?: 'ordered' | 'adapter';
  /**
   * Check the contract online over every event the users receive (default true): violations are
   * counted in `violations{kind}`, sampled as evidence, and fail the run (docs/scenarios.md).
   */
  check?: boolean;
  /** Without a target: start the embedded reference server with this deliberate defect (reference-server/DEFECTS.md). */
  defect?: string;
  /** Serve the run's live metrics in the Prometheus text format on this port while it lasts (0: any free port). */
  metricsPort?: number;
  /** Where the metrics listen; default 127.0.0.1. */
  metricsHost?: string;
  /** Called with the metrics URL once it listens. */
  onMetricsListening?(url: string): void;
  /** How often result.json is rewritten while the run goes. Default 2 s. */
  snapshotEveryMs?: number;
  /**
   * For tests, not a stable API: receives, once the run's users exist, a function that reads
   * the sizes of what the run holds in flight (to prove memory stays bounded by it).
   */
  inspect?(read: () => RunInFlight): void;
}

/** What a run holds in flight: live users and deliveries (delivery-ledger.ts). */
export interface RunInFlight extends LedgerSizes {
  liveUsers: number;
  /** Online checker streams held (receiver and room). */
  checkerStreams: number;
}

export interface RunProgress {
  elapsedMs: number;
  totalMs: number;
  vus: number;
  iterationsPerSec: number;
  ackP95Ms: number | undefined;
  errors: number;
  dropped: number;
  /** Contract violations so far; undefined when not checking. */
  violations?: number;
}

export interface RunResult {
  scenario: string;
  target: string;
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
  reportDir: string | undefined;
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
}

const MAX_LOGGED_ITERATION_ERRORS = 5;

function resolverFor(registry: MetricsRegistry, elapsedMs: () => number): MetricResolver {
  return (selector) => {
    const declared = Object.hasOwn(METRICS, selector.metric) ? METRICS[selector.metric as MetricName] : undefined;
    const latency = registry.queryLatency(selector.metric, selector.tags);
    const count = latency ? undefined : registry.queryCounter(selector.metric, selector.tags);
    // A tag value no series carried (errors{code:internl}): judged as zero, and said so.
    const neverObserved = neverObservedTags(selector.tags, latency !== undefined || count !== undefined, (tag, value) =>
      declared?.kind === 'trend'
        ? registry.queryLatency(selector.metric, { [tag]: value }) !== undefined
        : registry.queryCounter(selector.metric, { [tag]: value }) !== undefined);
    const observed = neverObserved.length > 0 ? { neverObserved } : {};
    if (latency) {
      return {
        kind: 'trend',
        count: latency.count,
        minUs: latency.summary.minUs,
        maxUs: latency.summary.maxUs,
        meanUs: latency.summary.meanUs,
        percentileUs: (p: number) => latency.percentileUs(p),
      };
    }
    // A known metric that never fired is a zero, not a missing metric: 'errors' count==0 passes.
    if (count === undefined && !declared) return undefined;
    if (count === undefined && declared?.kind === 'trend') {
      return { kind: 'trend', count: 0, minUs: 0, maxUs: 0, meanUs: 0, percentileUs: () => 0, ...observed };
    }
    const value = count ?? 0;
    return { kind: 'counter', count: value, ratePerSec: value / Math.max(0.001, elapsedMs() / 1000), ...observed };
  };
}

function collectThresholds(scenario: Scenario, extra: string[] = []): Threshold[] {
  const thresholds = [...parseThresholds(scenario.thresholds ?? {}), ...extra.map(parseCliThreshold)];
  checkThresholdMetrics(thresholds, METRICS);
  return thresholds;
}

/**
 * Play a scenario against a server and measure it. Everything that can be wrong with the
 * input (scenario, thresholds, schedule) is reported before any connection is made. The
 * report is written as the run goes, so an interrupted or crashed run leaves it behind.
 */
export async function startRun(options: RunOptions): Promise<RunResult> {
  const log = options.logger ?? pino({ level: 'silent' });
  const notice = options.onNotice ?? (() => {});
  const loaded = typeof options.scenario === 'string' ? await loadScenario(options.scenario) : options.scenario;
  // Intruders are played by the harness (src/engine/intruders.ts); their hooks are bound once the run's checks exist.
  const scenario = withIntruders(loaded, { metrics: () => registry, authz: () => checks.authz });
  const name = scenario.name ?? 'scenario';
  const check = options.check !== false;
  const thresholds = withViolationThreshold(collectThresholds(scenario, options.thresholds), check);
  const planAll = (rescale: { durationFactor?: number; loadFactor?: number }) => {
    const plans = new Map<string, SchedulePlan>();
    for (const [group, spec] of Object.entries(scenario.groups)) {
      try {
        plans.set(group, planSchedule(rescaleExecutor(spec.executor, rescale), `actors.${group}.executor`));
      } catch (error) {
        if (error instanceof BazaarError) throw new BazaarError(error.code, `actor group "${group}": ${error.message}`, error.hint);
        throw error;
      }
    }
    return plans;
  };
  const startTimeMs = (group: string) => {
    const startTime = scenario.groups[group]?.startTime;
    return startTime ? parseDurationMs(startTime, `actors.${group}.startTime`) : 0;
  };
  const natural = planAll({});
  const naturalMs = Math.max(...[...natural].map(([group, plan]) => plan.durationMs + startTimeMs(group)));
  const durationFactor = options.durationMs ? durationFactorFor(naturalMs, options.durationMs) : 1;
  const plans = options.durationMs || options.scale ? planAll({ durationFactor, loadFactor: options.scale ?? 1 }) : natural;
  // What --duration rescales and what it leaves alone: src/scenario/rescale.ts.
  const { ackTimeoutMs, connectTimeoutMs, gracefulStopMs, timelineFactor } = runTimings(scenario.options, durationFactor);
  // Judgements about the target, not the timeline: never rescaled (src/scenario/rescale.ts).
  const scenarioOptions = scenario.options ?? {};
  const reconnectTimeoutMs = parseDurationMs(scenarioOptions.reconnectTimeout ?? '30s', 'options.reconnectTimeout');
  const deliveryTimeoutMs = scenarioOptions.deliveryTimeout ? parseDurationMs(scenarioOptions.deliveryTimeout, 'options.deliveryTimeout') : ackTimeoutMs;
  // --client wins over the scenario's; both may come from JavaScript, unchecked by types.
  const client: ClientKind = parseClientKind(options.client ?? scenarioOptions.client ?? 'socket.io-client');
  checkClientTransport(client, options.transport ?? 'websocket');
  const stallThresholdMs = parseDurationMs(scenarioOptions.stallThreshold ?? `${DEFAULT_STALL_THRESHOLD_MS}ms`, 'options.stallThreshold');
  const startDelays = new Map<string, number>();
  for (const group of Object.keys(scenario.groups)) startDelays.set(group, Math.round(startTimeMs(group) * durationFactor));
  const totalMs = Math.max(...[...plans].map(([group, plan]) => plan.durationMs + (startDelays.get(group) ?? 0)));

  if (options.target && !options.jwtSecret && !options.tokenModule) {
    throw new BazaarError('BAZAAR_NO_SECRET', `no way to mint tokens for ${options.target}`,
      'pass --jwt-secret S (the server\'s HS256 secret), or --token-module FILE for servers with their own login');
  }

  // Every VU may hold a buyer and a seller connection: warn before a run that cannot fit.
  const plannedConnections = 2 * [...plans.values()].reduce((sum, plan) => sum + plan.maxVUs, 0);
  const warning = connectionWarning(plannedConnections, openFilesLimit(), options.localAddresses?.length ?? 1);
  if (warning) notice(`warning: ${warning}`);

  if (options.defect && (options.target || (options.nodes ?? 1) > 1)) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--defect applies to the embedded one-node reference server only',
      'leave out --target and --nodes to run against the defective embedded server');
  }
  if (options.fanout && (options.target || (options.nodes ?? 1) < 2)) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--fanout chooses the fan-out of a reference cluster started for the run',
      'add --nodes 3 (and leave out --target)');
  }
  const startedAt = new Date();
  const embedded = !options.target;
  const server = !embedded
    ? undefined
    : (options.nodes ?? 1) > 1
      ? await startReferenceCluster({
          nodes: options.nodes as number,
          ...(options.redis ? { redisUrl: options.redis } : {}),
          adapter: options.adapter ?? 'redis',
          ...(options.fanout ? { fanout: options.fanout } : {}),
          prefix: `bazaar-run-${startedAt.getTime().toString(36)}`,
        })
      : await startEmbeddedServer(options.defect ? { defect: options.defect } : {});
  const target = (options.target ?? server?.url ?? '').replace(/\/$/, '');
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
  const checks = createRunChecks({ check, metrics: registry, startUs: () => runStartUs, deliveryTimeoutMs });
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

  const build = (
    partial: boolean,
    generator: GeneratorHealth,
    evaluated: ThresholdResult[],
    metrics: MetricsSnapshot = registry.snapshot(),
  ): RunResult => ({
    scenario: name,
    target,
    embedded,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(elapsedMs()),
    partial,
    status,
    ...(reason ? { reason } : {}),
    schedule: Object.fromEntries([...plans].map(([group, plan]) => [group, describeSchedule(plan)])),
    conditions: {
      scale: options.scale ?? 1,
      ...(options.durationMs ? { durationMs: options.durationMs } : {}),
      nodes: embedded ? (options.nodes ?? 1) : 0,
      transport: options.transport ?? 'websocket',
      ...(client === 'lean' ? { client } : {}),
      check,
      ...(options.defect ? { defect: options.defect } : {}),
    },
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
    timeline: timeline.snapshot(),
    reportDir: writer?.dir,
  });

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
    await checkReachable(target);
    const token: TokenProvider = options.tokenModule
      ? await loadTokenModule(options.tokenModule)
      : createSecretTokenProvider(options.jwtSecret ?? server?.jwtSecret ?? '');
    // `world: false`: a server of another dialect, driven by generic steps only, has no contract API to seed.
    if (scenario.world !== false) {
      notice(`seeding the world on ${target}`);
      world = await seedWorld(scenario.world, target, token, options.onSeed);
      checks.authz?.seeded(world as SeededWorld);
    }

    const httpTimeoutMs = Math.max(ackTimeoutMs, 10_000);
    const deliveries = createDeliveryTracker({
      metrics: registry,
      timeoutMs: deliveryTimeoutMs,
      answerTimeoutMs: httpTimeoutMs,
      signal: abort.signal,
      ...(checks.onLost ? { onLost: checks.onLost } : {}),
    });
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
        httpTimeoutMs,
        signal: abort.signal,
        tagGuards: createTagGuards((message) => {
          log.warn(message);
          notice(`warning: ${message}`);
        }),
        ...(checks.observer ? { observer: checks.observer } : {}),
      },
      options.localAddresses,
    );
    const live = users.live;
    options.inspect?.(() => ({ liveUsers: live.size, checkerStreams: checks.size(), ...deliveries.sizes() }));
    if (writer) primeSnapshots();
    let loggedErrors = 0;
    const groups: GroupRun[] = [];
    let slotOffset = 0;
    runStartUs = nowUs();
    health.restart();
    registry.windowLatencies(); // seeding's samples are not the schedule's first interval
    timeline.start(registry.counterValues());
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
    // Once a second: generator health, progress, abortOnFail thresholds; every few: result.json.
    let lastIterations = 0;
    let lastSnapshotMs = 0;
    const snapshotEveryMs = options.snapshotEveryMs ?? 2_000;
    timers.push(
      setInterval(() => {
        health.sample();
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

/** Whether `promise` settles within `ms`; leaves no timer behind either way. */
async function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([promise.then(() => true), sleep(ms, timer.signal).then(() => false, () => false)]);
  } finally {
    timer.abort();
  }
}

function abortedPromise(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

async function checkReachable(target: string): Promise<void> {
  let url: URL;
  try {
    url = new URL('/healthz', target);
  } catch {
    throw new BazaarError('BAZAAR_BAD_TARGET', `--target "${target}" is not a URL`, 'write it like http://127.0.0.1:3000');
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
    throw new BazaarError('BAZAAR_TARGET_UNREACHABLE', `cannot reach ${target}: ${cause}`,
      'start the server first, or leave out --target to use the bundled reference server');
  }
}

export { judgeGeneratorHealth };

/** The earliest of some times, undefined when there are none. */
function earliest(times: (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
  return min;
}
