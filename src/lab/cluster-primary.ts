import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { createServer, type Server as HttpServer } from 'node:http';
import { Socket, type AddressInfo } from 'node:net';
import { setupMaster } from '@socket.io/sticky';
import type { AdapterName, PresenceStoreKind } from '../../reference-server/index.ts';
import { BazaarError } from '../errors.ts';
import { modulePath } from '../util/module-path.ts';
import type { ControlReply, ControlRequest, LoadBalancer, NodeMessage, NodeSettings, PrimaryMessage } from './cluster-protocol.ts';
import { requireHaproxy, startHaproxy } from './haproxy.ts';
import { startRoundRobinProxy } from './round-robin-proxy.ts';

export interface ClusterPrimaryOptions {
  nodes: number;
  redisUrl: string;
  prefix: string;
  adapter: AdapterName;
  lb: LoadBalancer;
  jwtSecret: string;
  /** The entry's port (0: any free one). */
  port: number;
  host: string;
  logLevel: string;
  presenceTtlMs?: number;
  presenceHeartbeatMs?: number;
  presenceSweepMs?: number;
  /** 'node-memory': each node keeps its users' presence (reproduces ghosts after a kill). Default 'shared'. */
  presenceStore?: PresenceStoreKind;
  recovery?: boolean;
  fanout?: 'ordered' | 'adapter';
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  streamMaxLen?: number;
  /** Every node answers only the acks the contract requires. */
  minimalAcks?: boolean;
  /** Every node disconnects slow consumers above this many unsent bytes. */
  slowConsumerMaxBufferedBytes?: number;
  /** A node that exits on its own (crash, or SIGTERM for a rolling restart) is replaced. Default true. */
  replaceExited?: boolean;
  onEvent?(line: string): void;
}

export interface ClusterNodeInfo {
  index: number;
  url: string;
  pid: number;
  metricsUrl: string;
}

export interface RunningCluster {
  url: string;
  nodes: ClusterNodeInfo[];
  /** Inject a fault into a node (docs/faults.md); answers with the pid hit, or an error. */
  control(request: ControlRequest): ControlReply;
  close(): Promise<void>;
}

const NODE_START_TIMEOUT_MS = 20_000;
const NODE_STOP_TIMEOUT_MS = 6_000;
const WORKER = modulePath('./cluster-node.ts', import.meta.url);

/**
 * The primary of a reference cluster, in this process: forks the nodes (Node's cluster module,
 * so they are real processes that die with it) and puts the chosen entry in front of them.
 * Must run in a process that is not itself a cluster worker; `bazaar serve --nodes` is one.
 */
export async function runClusterPrimary(options: ClusterPrimaryOptions): Promise<RunningCluster> {
  if (!cluster.isPrimary) throw new Error('runClusterPrimary must run in a cluster primary');
  if (!Number.isInteger(options.nodes) || options.nodes < 1) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `--nodes must be a positive integer, got ${options.nodes}`);
  }
  // Fail before forking anything when the entry cannot run here.
  if (options.lb === 'haproxy') await requireHaproxy();
  // advanced: @socket.io/sticky sends the first chunk as a Buffer, which JSON would mangle.
  cluster.setupPrimary({ exec: WORKER, execArgv: process.execArgv, silent: false, serialization: 'advanced' });

  const nodes: (ClusterNodeInfo | undefined)[] = new Array(options.nodes).fill(undefined);
  const workers = new Map<number, Worker>();
  /** Workers a fault stopped (SIGSTOP): thawed before they are asked to stop. */
  const frozen = new Set<Worker>();
  /** Workers a fault took down for good: not replaced when they exit. */
  const leaveDown = new Set<Worker>();
  let closing = false;

  const settingsFor = (index: number): NodeSettings => ({
    index,
    host: options.host,
    redisUrl: options.redisUrl,
    prefix: options.prefix,
    adapter: options.adapter,
    lb: options.lb,
    logLevel: options.logLevel,
    presenceTtlMs: options.presenceTtlMs,
    presenceHeartbeatMs: options.presenceHeartbeatMs,
    presenceSweepMs: options.presenceSweepMs,
    ...(options.presenceStore ? { presenceStore: options.presenceStore } : {}),
    recovery: options.recovery,
    fanout: options.fanout,
    pingIntervalMs: options.pingIntervalMs,
    pingTimeoutMs: options.pingTimeoutMs,
    streamMaxLen: options.streamMaxLen,
    minimalAcks: options.minimalAcks,
    slowConsumerMaxBufferedBytes: options.slowConsumerMaxBufferedBytes,
  });

  const fork = (index: number): Promise<ClusterNodeInfo> => {
    const worker = cluster.fork({ BAZAAR_NODE: JSON.stringify(settingsFor(index)), JWT_SECRET: options.jwtSecret });
    if (options.lb === 'sticky') stopReadingBeforeHandOver(worker);
    workers.set(index, worker);
    return new Promise<ClusterNodeInfo>((resolve, reject) => {
      const timer = setTimeout(() => {
        worker.process.kill('SIGKILL');
        reject(new BazaarError('BAZAAR_NODE_FAILED', `node ${index} did not start within ${NODE_START_TIMEOUT_MS} ms`));
      }, NODE_START_TIMEOUT_MS);
      const onMessage = (message: NodeMessage) => {
        if (message?.type === 'bazaar:node-ready' && message.index === index) {
          clearTimeout(timer);
          worker.off('message', onMessage);
          const info: ClusterNodeInfo = { index, url: message.url, pid: message.pid, metricsUrl: message.metricsUrl };
          nodes[index] = info;
          resolve(info);
        } else if (message?.type === 'bazaar:node-failed' && message.index === index) {
          clearTimeout(timer);
          reject(new BazaarError('BAZAAR_NODE_FAILED', `node ${index} failed to start: ${message.message}`,
            'check that Redis answers at the --redis url'));
        }
      };
      worker.on('message', onMessage);
      worker.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new BazaarError('BAZAAR_NODE_FAILED', `node ${index} exited with ${code ?? signal} while starting`));
        frozen.delete(worker);
        if (workers.get(index) !== worker) return;
        workers.delete(index);
        if (leaveDown.delete(worker)) {
          nodes[index] = undefined;
          options.onEvent?.(`node ${index} (pid ${worker.process.pid}) exited with ${code ?? signal}; left down`);
          return;
        }
        if (closing || options.replaceExited === false || nodes[index] === undefined) return;
        // Rolling restart: a node that drained (SIGTERM) or crashed is replaced; the others serve meanwhile.
        options.onEvent?.(`node ${index} (pid ${worker.process.pid}) exited with ${code ?? signal}; starting a replacement`);
        fork(index).then(
          (info) => options.onEvent?.(`node ${index} replaced: ${info.url} pid ${info.pid} metrics ${info.metricsUrl}`),
          (error: unknown) => options.onEvent?.(`node ${index} could not be replaced: ${(error as Error).message}`),
        );
      });
    });
  };

  const stopWorkers = async () => {
    // A stopped process would sit on SIGTERM until the SIGKILL: thaw it first.
    for (const worker of frozen) worker.process.kill('SIGCONT');
    frozen.clear();
    await Promise.all([...workers.values()].map(async (worker) => {
      if (worker.process.exitCode !== null || worker.process.signalCode !== null) return;
      const exited = once(worker, 'exit');
      worker.process.kill('SIGTERM');
      const timer = setTimeout(() => worker.process.kill('SIGKILL'), NODE_STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }));
    workers.clear();
  };

  let entry: { url: string; close(): Promise<void> };
  try {
    const started = await Promise.all(Array.from({ length: options.nodes }, (_, i) => fork(i)));
    entry = await startEntry(options, started);
  } catch (error) {
    closing = true;
    await stopWorkers();
    throw error;
  }

  let closed: Promise<void> | undefined;
  return {
    url: entry.url,
    get nodes() {
      return nodes.filter((n): n is ClusterNodeInfo => n !== undefined);
    },
    control(request) {
      const worker = workers.get(request.node);
      const reply = { type: 'bazaar:control-done', id: request.id } as const;
      if (!worker || worker.process.exitCode !== null || worker.process.signalCode !== null) {
        return { ...reply, error: `node ${request.node} is not running` };
      }
      const pid = worker.process.pid as number;
      if (request.op === 'block-loop') {
        worker.send({ type: 'bazaar:block-loop', ms: request.ms } satisfies PrimaryMessage);
        return { ...reply, pid };
      }
      if (request.signal === 'SIGSTOP') frozen.add(worker);
      if (request.signal === 'SIGCONT') frozen.delete(worker);
      if ((request.signal === 'SIGKILL' || request.signal === 'SIGTERM') && !request.replace) leaveDown.add(worker);
      if (frozen.has(worker) && request.signal !== 'SIGSTOP') worker.process.kill('SIGCONT');
      worker.process.kill(request.signal);
      return { ...reply, pid };
    },
    close() {
      closed ??= (async () => {
        closing = true;
        await entry.close();
        await stopWorkers();
      })();
      return closed;
    },
  };
}

/**
 * @socket.io/sticky hands a connection to a node with worker.send(message, socket). Node then
 * stops delivering the primary's reads (onread = nop) but keeps the descriptor reading until
 * the node acknowledges the handle; bytes that arrive meanwhile are read here and dropped. On a
 * busy machine that was a WebSocket's first frame (the Socket.IO CONNECT): 3 to 7 % of connects
 * through the entry hung after the engine opened. Stopping the read first leaves those bytes in
 * the kernel for the node.
 */
function stopReadingBeforeHandOver(worker: Worker): void {
  const send = worker.send.bind(worker) as (...args: unknown[]) => boolean;
  (worker as { send: (...args: unknown[]) => boolean }).send = (message: unknown, handle?: unknown, ...rest: unknown[]) => {
    if (handle instanceof Socket) (handle as unknown as { _handle?: { readStop?: () => number } })._handle?.readStop?.();
    return send(message, handle, ...rest);
  };
}

async function startEntry(options: ClusterPrimaryOptions, nodes: ClusterNodeInfo[]): Promise<{ url: string; close(): Promise<void> }> {
  const targets = nodes.map((node) => {
    const url = new URL(node.url);
    return { host: url.hostname, port: Number(url.port) };
  });
  if (options.lb === 'none') return startRoundRobinProxy(targets, { host: options.host, port: options.port });
  if (options.lb === 'haproxy') return startHaproxy(targets, { host: options.host, port: options.port });

  // Sticky: the primary reads the first bytes of each connection and hands it to the node
  // that owns the session id in it. New sessions go round-robin: least-connection counts a
  // session only once the node reports it, so a burst of connects all went to one node.
  const server: HttpServer = createServer();
  setupMaster(server, { loadBalancingMethod: 'round-robin' });
  // Registered after setupMaster's own listener, so the session is in its table by now: tell
  // the node, which holds its handshake answer until then (see cluster-node.ts).
  cluster.on('message', (worker: Worker, message: { type?: unknown; data?: unknown }) => {
    if (message?.type === 'sticky:connection' && typeof message.data === 'string') {
      worker.send({ type: 'bazaar:bound', sid: message.data } satisfies PrimaryMessage);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE'
        ? new BazaarError('BAZAAR_SERVE_FAILED', `port ${options.port} on ${options.host} is already in use`, 'choose another --port (0 picks a free one)')
        : error);
    });
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
