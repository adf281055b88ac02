import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { resolveTargetProfile } from '../../target/load-target.ts';
import { InvalidArgumentError } from 'commander';
import { compareRuns, loadRecordedRun, parseGate, renderComparisonMarkdown, renderComparisonText } from '../../compare/index.ts';
import { BazaarError } from '../../errors.ts';
import { ADAPTERS, type AdapterName } from '../../../reference-server/index.ts';
import { availableParallelism } from 'node:os';
import { startRun, type RunResult } from '../../engine/run.ts';
import { autoWorkerCount } from '../../engine/workers/coordinator.ts';
import { renderProgressLine, renderSummaryMarkdown, renderSummaryText } from '../../report/index.ts';
import { appendStepSummary } from '../step-summary.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { CLIENT_KINDS, type ClientKind } from '../../client/client-socket.ts';
import { durationArg, nodesArg, adapterArg, fanoutArg, portArg } from '../options.ts';

interface RunCliOptions {
  target?: string;
  profile?: string;
  jwtSecret?: string;
  tokenModule?: string;
  transport: 'websocket' | 'polling' | 'mixed';
  client?: ClientKind;
  threshold?: string[];
  report?: string;
  allowSaturated?: boolean;
  progress: boolean;
  localAddresses?: string[];
  logLevel: string;
  duration?: number;
  scale?: number;
  nodes?: number;
  redis?: string;
  adapter?: AdapterName;
  check: boolean;
  defect?: string;
  fanout?: 'ordered' | 'adapter';
  baseline?: string;
  failIf?: string[];
  metricsPort?: number;
  metricsHost?: string;
  workers: number | 'auto';
  fault?: string[];
  agents?: number;
  coordinator?: string;
  keyPrefix?: string;
}



function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function factorArg(value: string): number {
  const factor = Number(value);
  if (!(factor > 0) || !Number.isFinite(factor)) throw new InvalidArgumentError('a scale factor is a positive number, e.g. 0.5 or 2');
  return factor;
}

function transportArg(value: string): RunCliOptions['transport'] {
  if (value !== 'websocket' && value !== 'polling' && value !== 'mixed') {
    throw new InvalidArgumentError('transport is websocket, polling or mixed (polling first, then upgrade)');
  }
  return value;
}

function clientArg(value: string): ClientKind {
  if (!(CLIENT_KINDS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError('client is socket.io-client (the default) or lean (WebSocket only, JSON payloads, for scale runs)');
  }
  return value as ClientKind;
}

/** 127.0.0.2-127.0.0.9 or a comma list: source addresses to spread connections over. */
function addressesArg(value: string): string[] {
  const range = /^127\.0\.0\.(\d{1,3})-127\.0\.0\.(\d{1,3})$/.exec(value);
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (from < 1 || to > 254 || from > to) throw new InvalidArgumentError('a range is 127.0.0.A-127.0.0.B with 1 ≤ A ≤ B ≤ 254');
    return Array.from({ length: to - from + 1 }, (_, i) => `127.0.0.${from + i}`);
  }
  return value.split(',').map((a) => a.trim()).filter(Boolean);
}

/** --workers: a whole number ≥ 1, or auto. */
export function workersArg(value: string): number | 'auto' {
  if (value === 'auto') return value;
  const workers = Number(value);
  if (!/^\d+$/.test(value) || workers < 1 || workers > 256) throw new InvalidArgumentError('--workers is auto or an integer from 1 to 256');
  return workers;
}

/**
 * `auto`: one worker per core, less the server processes this run starts on the machine (the
 * embedded server is one, --nodes N is N), at least 1: so that the generator does not starve the
 * server it measures. An external --target is not counted: run it elsewhere, or pass a number.
 */
export function resolveWorkers(workers: number | 'auto', options: { target?: string | undefined; nodes?: number | undefined }, cores = availableParallelism()): number {
  if (workers !== 'auto') return workers;
  return autoWorkerCount(cores, options.target ? 0 : (options.nodes ?? 1));
}

/** --agents: a whole number ≥ 1. */
export function agentsArg(value: string): number {
  const agents = Number(value);
  if (!/^\d+$/.test(value) || agents < 1 || agents > 1000) throw new InvalidArgumentError('--agents is an integer from 1 to 1000');
  return agents;
}

/** With --agents, --workers counts each agent's processes: a number (auto would be the coordinator's cores, not the agents'). */
function agentsOptions(options: RunCliOptions): { count: number; redisUrl: string; prefix?: string } | undefined {
  if (options.agents === undefined && options.coordinator === undefined) return undefined;
  if (options.agents === undefined || options.coordinator === undefined) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--agents and --coordinator go together',
      'pass both: --agents 2 --coordinator redis://HOST:6379 (the Redis your `bazaar agent`s wait on)');
  }
  if (options.workers === 'auto') {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', "--workers auto with --agents would count this machine's cores, not the agents'",
      'pass --workers N: the worker processes each agent starts (default 1)');
  }
  return { count: options.agents, redisUrl: options.coordinator, ...(options.keyPrefix ? { prefix: options.keyPrefix } : {}) };
}

export function exitCodeFor(result: RunResult, allowSaturated: boolean): number {
  if (result.status === 'interrupted') return ExitCode.Interrupted;
  if (result.status === 'error') return ExitCode.HarnessError;
  if (result.status === 'thresholds_failed' || result.status === 'aborted') return ExitCode.ThresholdsFailed;
  if (result.generator.saturated && !allowSaturated) return ExitCode.HarnessError;
  return ExitCode.Ok;
}

export function registerRun(program: Command, io: CliIo): void {
  program
    .command('run <scenario>')
    .summary('load: play a scenario with many simulated users')
    .description('play a scenario with many simulated users and measure latency (HdrHistogram)')
    .option('--target <url>', 'server to test (default: start the bundled reference server)')
    .option('--profile <file>', 'how the server speaks, if not the contract: a defineTarget() file (default: ./bazaar.target.ts or .js if there is one; docs/profiles.md)')
    .option('--jwt-secret <secret>', "the target's HS256 secret for per-user tokens (default: JWT_SECRET)")
    .option('--nodes <n>', 'without --target: start a cluster of N reference nodes on Redis for the run', nodesArg)
    .option('--redis <url>', "the cluster's Redis (default: REDIS_URL, else a throwaway redis-server or Docker container)")
    .option('--adapter <name>', `the cluster's Socket.IO adapter: ${ADAPTERS.join(', ')}`, adapterArg)
    .option('--fanout <mode>', "the cluster's fan-out: ordered (default) or adapter (the stock io.to().emit, misorders across nodes)", fanoutArg)
    .option('--token-module <file>', 'module whose default export (userId, role) => token, for servers with their own login')
    .option('--transport <kind>', 'websocket, polling or mixed', transportArg, 'websocket')
    .option('--client <kind>', "socket.io-client (default: one real client per user) or lean (WebSocket only, JSON payloads, less memory and CPU per user; docs/scaling.md)", clientArg)
    .option('--duration <duration>', 'play the scenario\'s timeline (schedule, start times, thinks, gracefulStop; not timeouts) in this time', durationArg)
    .option('--scale <factor>', 'multiply VUs and arrival rates, e.g. 0.1', factorArg)
    .option('--no-check', 'do not check the contract online (violations are not counted; for measuring what checking costs)')
    .option('--defect <name>', 'without --target: start the embedded reference server with this deliberate defect (reference-server/DEFECTS.md)')
    .option('--fault <fault>', "inject a fault, e.g. 'kill-node 1 at 20s', 'freeze-redis at 40s for 5s' (repeatable; docs/faults.md)", collect, [])
    .option('--threshold <expr...>', 'extra thresholds, e.g. "ack{event:message:send} p(95)<150ms"')
    .option('--report <dir>', 'report folder (default reports/<timestamp>_<scenario>/)')
    .option('--baseline <dir>', 'compare with this earlier run at the end (printed and in summary.md; see bazaar compare)')
    .option('--fail-if <gate...>', "with --baseline: exit 99 when true, e.g. 'ack{event:message:send} p(95) > +10%'")
    .option('--allow-saturated', 'pass even when the generator itself was saturated')
    .option('--metrics-port <port>', 'serve live metrics for Prometheus at http://127.0.0.1:PORT/metrics while the run lasts (0: any free port)', portArg)
    .option('--metrics-host <host>', 'address the metrics listen on (default 127.0.0.1; 0.0.0.0 for a Prometheus in a container)')
    .option('--no-progress', 'no live progress line')
    .option('--workers <n>', 'generator processes: N, or auto (one per core less the server processes started here); 1 plays the run in this process', workersArg, 1)
    .option('--agents <k>', 'split the run over K agents (bazaar agent) on other machines, each with --workers processes (docs/distributed.md)', agentsArg)
    .option('--coordinator <url>', 'with --agents: the Redis the agents wait on, e.g. redis://10.0.0.5:6379')
    .option('--key-prefix <prefix>', 'with --agents: key prefix in that Redis, as the agents\' --key-prefix (default bazaar:)')
    .option('--local-addresses <list>', 'spread connections over source addresses, e.g. 127.0.0.2-127.0.0.9', addressesArg)
    .option('--log-level <level>', 'pino log level on stderr', 'warn')
    .action(async (scenario: string, options: RunCliOptions) => {
      if (options.failIf && !options.baseline) {
        throw new BazaarError('BAZAAR_BAD_OPTIONS', '--fail-if gates compare with a baseline, and there is none',
          'add --baseline DIR (an earlier run\'s report folder), or use --threshold for a limit on this run alone');
      }
      // Before any load: a missing baseline or a mistyped gate is the person's to fix first.
      const gates = (options.failIf ?? []).map(parseGate);
      const baseline = options.baseline ? loadRecordedRun(options.baseline) : undefined;
      const controller = new AbortController();
      const live = options.progress && process.stderr.isTTY;
      let progressShown = false;
      void io.untilSignal().then((signal) => {
        io.err(`\n${signal}: stopping; writing the partial report`);
        controller.abort('interrupted by the user');
      });
      const agents = agentsOptions(options);
      const found = await resolveTargetProfile(options.profile);
      const result = await startRun({
        ...(found ? { profile: found.profile } : {}),
        scenario,
        target: options.target,
        jwtSecret: options.jwtSecret || io.env.JWT_SECRET || undefined,
        tokenModule: options.tokenModule,
        transport: options.transport,
        ...(options.client ? { client: options.client } : {}),
        thresholds: options.threshold,
        durationMs: options.duration,
        nodes: options.nodes,
        redis: options.redis,
        adapter: options.adapter,
        check: options.check,
        fanout: options.fanout,
        defect: options.defect,
        scale: options.scale,
        ...(options.fault && options.fault.length > 0 ? { faults: options.fault } : {}),
        reportDir: options.report,
        localAddresses: options.localAddresses,
        workers: agents ? (options.workers as number) : resolveWorkers(options.workers, options),
        ...(agents ? { agents } : {}),
        ...(options.metricsPort !== undefined ? { metricsPort: options.metricsPort } : {}),
        ...(options.metricsHost ? { metricsHost: options.metricsHost } : {}),
        onMetricsListening: (url) => io.err(`metrics: ${url} (Prometheus text format, while the run lasts)`),
        signal: controller.signal,
        logger: io.logger(options.logLevel),
        onNotice: (message) => io.err(message),
        onSeed: live
          ? (p) => process.stderr.write(`\rseeding ${p.phase}: ${p.done}/${p.total}   ${p.done === p.total ? '\n' : ''}`)
          : undefined,
        onProgress: live
          ? (p) => {
              progressShown = true;
              process.stderr.write(`\r${renderProgressLine(p)}\u001b[K`);
            }
          : undefined,
      });
      if (progressShown) process.stderr.write('\n');
      io.out(renderSummaryText(result));
      let code = exitCodeFor(result, options.allowSaturated === true);
      let markdown = renderSummaryMarkdown(result);
      if (baseline) {
        const comparison = compareRuns(baseline, result, gates);
        io.out(renderComparisonText(comparison));
        const compared = `\n${renderComparisonMarkdown(comparison, '##')}`;
        markdown += compared;
        if (result.reportDir) appendFileSync(join(result.reportDir, 'summary.md'), compared);
        if (!comparison.gatesPassed && code === ExitCode.Ok) code = ExitCode.ThresholdsFailed;
      }
      appendStepSummary(io, markdown);
      if (result.reportDir) io.out(`report: ${result.reportDir}\nhtml: ${join(result.reportDir, 'report.html')}`);
      if (result.generator.saturated && code === ExitCode.HarnessError) {
        io.err('failing the run: the load generator was saturated, so its latencies are not to be trusted (--allow-saturated accepts them)');
      }
      io.setExitCode(code);
    });
}
