import { InvalidArgumentError, type Command } from 'commander';
import { ADAPTERS, PRESENCE_STORES, startReferenceServer, type AdapterName, type PresenceStoreKind } from '../../../reference-server/index.ts';
import { BazaarError } from '../../errors.ts';
import { runClusterPrimary, type RunningCluster } from '../../lab/cluster-primary.ts';
import { LOAD_BALANCERS, type ControlRequest, type LoadBalancer } from '../../lab/cluster-protocol.ts';
import { requireHaproxy } from '../../lab/haproxy.ts';
import { provideRedis } from '../../lab/redis-provider.ts';
import { formatDurationMs } from '../../util/duration.ts';
import { generateSecret } from '../../../reference-server/index.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CliIo } from '../io.ts';
import { durationArg, portArg, nodesArg, adapterArg, fanoutArg } from '../options.ts';

interface ServeOptions {
  port: number;
  host: string;
  jwtSecret?: string;
  presenceTtl: number;
  presenceHeartbeat?: number;
  metricsPort: number;
  logLevel: string;
  defect?: string;
  presenceSweep?: number;
  presenceStore: PresenceStoreKind;
  nodes: number;
  redis?: string;
  adapter: AdapterName;
  lb: LoadBalancer;
  prefix: string;
  recovery?: boolean;
  fanout: 'ordered' | 'adapter';
  pingInterval?: number;
  pingTimeout?: number;
  streamMaxLen?: number;
  minimalAcks?: boolean;
  slowConsumerMaxBuffered?: number;
}




function lbArg(value: string): LoadBalancer {
  if (!(LOAD_BALANCERS as readonly string[]).includes(value)) throw new InvalidArgumentError(`--lb is one of ${LOAD_BALANCERS.join(', ')}`);
  return value as LoadBalancer;
}

function presenceStoreArg(value: string): PresenceStoreKind {
  if (!(PRESENCE_STORES as readonly string[]).includes(value)) throw new InvalidArgumentError(`--presence-store is one of ${PRESENCE_STORES.join(', ')}`);
  return value as PresenceStoreKind;
}

/** '256kB', '1MB', '1MiB' or a number of bytes. */
function bytesArg(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|kB|KB|KiB|MB|MiB)?$/.exec(value.trim());
  const unit = { B: 1, kB: 1_000, KB: 1_000, KiB: 1_024, MB: 1_000_000, MiB: 1_048_576 }[match?.[2] ?? 'B'] ?? 1;
  const n = match ? Math.round(Number(match[1]) * unit) : NaN;
  if (!(n >= 1)) throw new InvalidArgumentError(`expected a size such as 256kB, 1MB or 1048576 (bytes), got "${value}"`);
  return n;
}

function maxLenArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('--stream-max-len is a whole number of entries, at least 1');
  return n;
}

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .summary('run the bundled reference server')
    .description('run the bundled reference server (one node in memory; or on Redis, on several nodes: docs/scaling.md)')
    .option('--port <port>', 'port for Socket.IO and the HTTP API', portArg, 3000)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--jwt-secret <secret>', 'HS256 secret for tokens (default: JWT_SECRET, else a generated one)')
    .option('--presence-ttl <duration>', 'presence TTL', durationArg, 60_000)
    .option('--presence-heartbeat <duration>', 'heartbeat interval announced to clients (default 20s, at most TTL/3)', durationArg)
    .option('--metrics-port <port>', 'Prometheus listener port on loopback (0: any free port)', portArg, 9464)
    .option('--defect <name>', 'start with a deliberate defect that breaks one guarantee (reference-server/DEFECTS.md)')
    .option('--presence-sweep <duration>', 'how often lapsed presence is swept (default TTL/4, at most 5s)', durationArg)
    .option('--presence-store <where>', "shared (default: the store's, with the TTL; Redis with --nodes) or node-memory (each node keeps its own users' presence and tells the others: a killed node's users stay online for good; docs/repro/ghost-after-kill.md)", presenceStoreArg, 'shared')
    .option('--log-level <level>', 'pino log level: trace, debug, info, warn, error, silent', 'info')
    .option('--nodes <n>', 'server processes behind one entry (more than 1 needs Redis)', nodesArg, 1)
    .option('--redis <url>', 'Redis for store, presence and adapter (default with --nodes: REDIS_URL, else a throwaway redis-server or Docker container)')
    .option('--adapter <name>', `Socket.IO adapter on Redis: ${ADAPTERS.join(', ')}`, adapterArg, 'redis')
    .option('--lb <kind>', 'entry in front of the nodes: sticky (Node cluster + @socket.io/sticky), haproxy (cookie), none (round-robin, no stickiness)', lbArg, 'sticky')
    .option('--prefix <prefix>', 'prefix of every Redis key and channel', 'bazaar')
    .option('--recovery', 'connection state recovery, re-authorized (in memory on one node; on Redis needs --adapter streams)')
    .option('--fanout <mode>', 'ordered (default: seq and versions in order across nodes) or adapter (stock io.to().emit, reproduces cross-node misordering)', fanoutArg, 'ordered')
    .option('--ping-interval <duration>', "Engine.IO heartbeat: a ping every this long (Socket.IO's default 25s)", durationArg)
    .option('--ping-timeout <duration>', "how long a ping waits for its pong before the socket is closed (Socket.IO's default 20s)", durationArg)
    .option('--stream-max-len <n>', "with --adapter streams: the stream's MAXLEN in entries (the adapter's default 10000)", maxLenArg)
    .option('--slow-consumer-max-buffered <size>', 'disconnect a socket whose unsent data stays above this size for 2s, e.g. 1MB (default: never, as Socket.IO)', bytesArg)
    .option('--minimal-acks', 'answer only the acks docs/contract.md requires: presence:heartbeat and the leaves go unanswered, as another server may leave them')
    .action(async (options: ServeOptions) => {
      // An empty JWT_SECRET counts as none.
      const secretFromUser = options.jwtSecret || io.env.JWT_SECRET || undefined;
      if (options.nodes > 1) return serveCluster(io, options, secretFromUser);
      return serveOneNode(io, options, secretFromUser);
    });
}

/** One node in this process: in memory by default, or on Redis with --redis. */
async function serveOneNode(io: CliIo, options: ServeOptions, secretFromUser: string | undefined): Promise<void> {
  if (options.recovery && options.redis && options.adapter !== 'streams') {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--recovery on Redis needs the streams adapter: the pub/sub adapters cannot keep missed packets',
      'add --adapter streams, or leave out --redis to recover sessions in memory on one node');
  }
  if (options.defect && options.redis) throw new BazaarError('BAZAAR_BAD_OPTIONS', '--defect runs on one node in memory', 'leave out --redis, or leave out --defect');
  const server = await startReferenceServer({
    port: options.port,
    host: options.host,
    jwtSecret: secretFromUser,
    presenceTtlMs: options.presenceTtl,
    presenceHeartbeatMs: options.presenceHeartbeat,
    presenceSweepMs: options.presenceSweep,
    ...(options.presenceStore !== 'shared' ? { presenceStore: options.presenceStore } : {}),
    metricsPort: options.metricsPort,
    logger: io.logger(options.logLevel),
    ...(options.defect ? { defect: options.defect } : {}),
    ...(options.recovery ? { recovery: true } : {}),
    ...(options.minimalAcks ? { minimalAcks: true } : {}),
    ...(options.pingInterval ? { pingIntervalMs: options.pingInterval } : {}),
    ...(options.pingTimeout ? { pingTimeoutMs: options.pingTimeout } : {}),
    ...(options.slowConsumerMaxBuffered ? { slowConsumerMaxBufferedBytes: options.slowConsumerMaxBuffered } : {}),
    ...(options.redis ? { redis: { url: options.redis, prefix: options.prefix, ...(options.streamMaxLen ? { streamMaxLen: options.streamMaxLen } : {}) }, adapter: options.adapter, fanout: options.fanout } : {}),
  }).catch((error: unknown) => {
    throw new BazaarError('BAZAAR_SERVE_FAILED', `cannot start the reference server: ${(error as Error).message}`,
      `${options.redis ? 'check the --redis url, and ' : ''}use --port / --metrics-port to pick free ports, or stop whatever holds them`);
  });
  io.out(`bazaar reference server listening on ${server.url}`);
  io.out(`  metrics      ${server.metricsUrl}`);
  io.out(`  presence     ttl ${formatDurationMs(options.presenceTtl)}${options.presenceStore === 'node-memory' ? ', in this node\'s memory' : ''}`);
  if (options.slowConsumerMaxBuffered) io.out(`  slow         a socket with more than ${options.slowConsumerMaxBuffered} bytes unsent for 2 s is disconnected`);
  if (options.redis) {
    io.out(`  redis        ${redactUrl(options.redis)}  prefix ${options.prefix}  adapter ${options.adapter}  ${options.fanout} fan-out`);
  }
  if (options.recovery) io.out('  recovery     connection state recovery, re-authorized');
  if (options.minimalAcks) io.out('  acks         minimal: only the acks the contract requires are answered');
  if (options.defect) io.out(`  DEFECT       ${options.defect} (deliberately broken: see reference-server/DEFECTS.md)`);
  io.out(`  jwt secret   ${server.jwtSecret}${secretFromUser ? '' : '  (generated: pass --jwt-secret or set JWT_SECRET to keep one)'}`);
  io.out(`  get a token  npx bazaar token --jwt-secret ${server.jwtSecret} --sub u1 --role buyer`);
  io.out('Ctrl-C to stop');
  const signal = await io.untilSignal();
  io.err(`${signal}: closing`);
  await server.close();
  io.setExitCode(ExitCode.Ok);
  // Everything bazaar opened is closed; engine.io may still hold a timer of its own for up to
  // 30 s (the request-body timeout of a polling POST it refused as too large, measured after the
  // security.cve.* checks), which would keep this process, and whoever waits on it, alive.
  setTimeout(() => process.exit(), 1_000).unref();
}

/** Several node processes behind one entry (docs/scaling.md). */
async function serveCluster(io: CliIo, options: ServeOptions, secretFromUser: string | undefined): Promise<void> {
  if (options.recovery && options.adapter !== 'streams') {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--recovery needs --adapter streams: the pub/sub adapters cannot keep missed packets', 'add --adapter streams');
  }
  if (options.defect) throw new BazaarError('BAZAAR_BAD_OPTIONS', '--defect runs on one node in memory', 'leave out --nodes, or leave out --defect');
  if (options.lb === 'haproxy') await requireHaproxy(io.env);
  const log = io.logger(options.logLevel);
  const redis = await provideRedis({ url: options.redis, env: io.env, logger: log });
  const jwtSecret = secretFromUser ?? generateSecret();
  let running;
  try {
    running = await runClusterPrimary({
      nodes: options.nodes,
      redisUrl: redis.url,
      prefix: options.prefix,
      adapter: options.adapter,
      lb: options.lb,
      jwtSecret,
      port: options.port,
      host: options.host,
      logLevel: options.logLevel,
      presenceTtlMs: options.presenceTtl,
      presenceHeartbeatMs: options.presenceHeartbeat,
      presenceSweepMs: options.presenceSweep,
      ...(options.presenceStore !== 'shared' ? { presenceStore: options.presenceStore } : {}),
      recovery: options.recovery,
      fanout: options.fanout,
      ...(options.pingInterval ? { pingIntervalMs: options.pingInterval } : {}),
      ...(options.pingTimeout ? { pingTimeoutMs: options.pingTimeout } : {}),
      ...(options.streamMaxLen ? { streamMaxLen: options.streamMaxLen } : {}),
      minimalAcks: options.minimalAcks,
      ...(options.slowConsumerMaxBuffered ? { slowConsumerMaxBufferedBytes: options.slowConsumerMaxBuffered } : {}),
      onEvent: (line) => io.out(`  ${line}`),
    });
  } catch (error) {
    await redis.close();
    throw error;
  }
  io.out(`bazaar reference cluster listening on ${running.url}`);
  io.out(`  nodes        ${options.nodes} (adapter ${options.adapter}, lb ${options.lb}, ${options.fanout} fan-out${options.recovery ? ', recovery' : ''})`);
  for (const node of running.nodes) io.out(`  node ${node.index}       ${node.url}  pid ${node.pid}  metrics ${node.metricsUrl}`);
  io.out(`  redis        ${redactUrl(redis.url)} (${redis.source}${redis.pid ? ` pid ${redis.pid}` : ''})  prefix ${options.prefix}`);
  io.out(`  presence     ttl ${formatDurationMs(options.presenceTtl)}${options.presenceStore === 'node-memory' ? ', in each node\'s memory (a killed node\'s users stay online)' : ''}`);
  if (options.slowConsumerMaxBuffered) io.out(`  slow         a socket with more than ${options.slowConsumerMaxBuffered} bytes unsent for 2 s is disconnected`);
  io.out(`  jwt secret   ${jwtSecret}${secretFromUser ? '' : '  (generated: pass --jwt-secret or set JWT_SECRET to keep one)'}`);
  io.out('Ctrl-C to stop');
  // Started by startReferenceCluster (src/lab/cluster.ts) with an IPC channel: it injects faults
  // through it, and its end (that process gone) is a stop like Ctrl-C.
  const parentGone = listenForControl(running);
  const signal = await Promise.race([io.untilSignal(), parentGone]);
  io.err(`${signal}: closing`);
  await running.close();
  await redis.close();
  // The IPC channel would keep this process alive.
  if (process.connected) process.disconnect();
  io.setExitCode(ExitCode.Ok);
}

function listenForControl(running: RunningCluster): Promise<string> {
  if (typeof process.send !== 'function') return new Promise(() => {});
  process.on('message', (message: ControlRequest) => {
    if (message?.type === 'bazaar:control') process.send?.(running.control(message));
  });
  return new Promise((resolve) => process.once('disconnect', () => resolve('the parent process is gone')));
}

function redactUrl(raw: string): string {
  try {
    const parsed = new URL(raw);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '<unparsable url>';
  }
}
