import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { generateSecret, type AdapterName, type PresenceStoreKind } from '../../reference-server/index.ts';
import { BazaarError } from '../errors.ts';
import { modulePath } from '../util/module-path.ts';
import type { ControlOp, ControlReply, ControlRequest, LoadBalancer, NodeSignal } from './cluster-protocol.ts';

export type { LoadBalancer } from './cluster-protocol.ts';

export interface ReferenceClusterOptions {
  nodes: number;
  /** Redis to share; default: REDIS_URL, else a throwaway redis-server or Docker container (see provideRedis). */
  redisUrl?: string;
  adapter?: AdapterName;
  /** Default 'sticky'. */
  lb?: LoadBalancer;
  /** Prefix of every Redis key and channel; default "bazaar". */
  prefix?: string;
  jwtSecret?: string;
  /** Entry port; default 0 (any free one). */
  port?: number;
  presenceTtlMs?: number;
  presenceHeartbeatMs?: number;
  presenceSweepMs?: number;
  /** 'node-memory': each node keeps its users' presence, so a killed node's users stay online (docs/repro/ghost-after-kill.md). Default 'shared'. */
  presenceStore?: PresenceStoreKind;
  /** Connection state recovery, re-authorized (needs adapter 'streams'). */
  recovery?: boolean;
  /** 'adapter' is the stock io.to().emit, kept to reproduce cross-node misordering. Default 'ordered'. */
  fanout?: 'ordered' | 'adapter';
  /** Engine.IO heartbeat of every node (Socket.IO's defaults: 25 s interval, 20 s timeout). */
  pingIntervalMs?: number;
  pingTimeoutMs?: number;
  /** With adapter 'streams': the stream's MAXLEN (the adapter's default 10,000 entries). */
  streamMaxLen?: number;
  /** Every node disconnects slow consumers above this many unsent bytes (docs/repro/slow-consumer.md). */
  slowConsumerMaxBufferedBytes?: number;
  /**
   * Called once with the nodes as started, before the cluster is handed back: the repro catalog
   * watches their /metrics while a run with faults (which starts the cluster itself) plays.
   */
  onStarted?(nodes: ReferenceCluster['nodes']): void;
  /** Called with each replacement the primary starts after a rolling restart (restart-node), once it is up: the catalog watches it too. */
  onNodeReplaced?(node: ReferenceCluster['nodes'][number] & { index: number }): void;
  /** Node log level (to this process's stderr only when not 'silent'); default 'warn'. */
  logLevel?: string;
  /** What the cluster reports once started: a node exited, was replaced, or left down (after a fault). */
  onEvent?(line: string): void;
}

/** What a run (or a fault lab) may set on the cluster it starts, besides nodes, Redis, adapter and fan-out. */
export type ClusterSettings = Pick<ReferenceClusterOptions,
  'lb' | 'recovery' | 'pingIntervalMs' | 'pingTimeoutMs' | 'streamMaxLen' | 'presenceTtlMs' | 'presenceHeartbeatMs' | 'presenceSweepMs' | 'presenceStore'
  | 'slowConsumerMaxBufferedBytes' | 'onStarted' | 'onNodeReplaced'>;

export interface ReferenceCluster {
  /** The entry: Socket.IO, the HTTP API and /healthz, spread over the nodes. */
  url: string;
  /** The nodes as started (a replacement after a rolling restart is announced through onNodeReplaced and onEvent). */
  nodes: { url: string; pid: number; metricsUrl: string }[];
  /** The primary's pid (`bazaar serve --nodes`), which owns the nodes and the entry. */
  pid: number;
  jwtSecret: string;
  /**
   * Send a node a signal, through the primary (docs/faults.md). `replace`: the primary starts a
   * replacement once it exits; false leaves it down. Resolves with the pid hit.
   */
  signalNode(node: number, signal: NodeSignal, options?: { replace?: boolean }): Promise<{ pid: number }>;
  /** Keep a node's event loop busy for `ms`. */
  blockLoop(node: number, ms: number): Promise<{ pid: number }>;
  close(): Promise<void>;
}

const CONTROL_TIMEOUT_MS = 5_000;

const BIN = modulePath('../../bin/bazaar.ts', import.meta.url);
const START_TIMEOUT_MS = 40_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * Several reference-server processes on Redis behind one entry (docs/scaling.md). It runs
 * `bazaar serve --nodes N` as a child process, which is the cluster primary: the nodes die with
 * it, and closing it (SIGTERM) stops the entry, the nodes and any redis-server it started.
 */
export async function startReferenceCluster(options: ReferenceClusterOptions): Promise<ReferenceCluster> {
  if (!Number.isInteger(options.nodes) || options.nodes < 2) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', `a cluster has at least 2 nodes, got ${options.nodes}`,
      'for one node use startReferenceServer (with its redis option for Redis mode)');
  }
  const jwtSecret = options.jwtSecret ?? generateSecret();
  const args = [BIN, 'serve', '--nodes', String(options.nodes), '--port', String(options.port ?? 0),
    '--adapter', options.adapter ?? 'redis', '--lb', options.lb ?? 'sticky', '--prefix', options.prefix ?? 'bazaar',
    '--log-level', options.logLevel ?? 'warn'];
  if (options.redisUrl) args.push('--redis', options.redisUrl);
  if (options.recovery) args.push('--recovery');
  if (options.fanout) args.push('--fanout', options.fanout);
  if (options.pingIntervalMs) args.push('--ping-interval', `${options.pingIntervalMs}ms`);
  if (options.pingTimeoutMs) args.push('--ping-timeout', `${options.pingTimeoutMs}ms`);
  if (options.streamMaxLen) args.push('--stream-max-len', String(options.streamMaxLen));
  if (options.presenceTtlMs) args.push('--presence-ttl', `${options.presenceTtlMs}ms`);
  if (options.presenceHeartbeatMs) args.push('--presence-heartbeat', `${options.presenceHeartbeatMs}ms`);
  if (options.presenceSweepMs) args.push('--presence-sweep', `${options.presenceSweepMs}ms`);
  if (options.presenceStore) args.push('--presence-store', options.presenceStore);
  if (options.slowConsumerMaxBufferedBytes) args.push('--slow-consumer-max-buffered', String(options.slowConsumerMaxBufferedBytes));
  const child = spawn(process.execPath, args, {
    // ipc: faults are asked of the primary over it, and the primary stops when this process goes.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // The secret goes by environment, not argv, so it does not show in `ps`.
    env: { ...process.env, JWT_SECRET: jwtSecret },
  }) as ChildProcessByStdio<null, Readable, Readable>;
  // A crashed caller should not leave a cluster behind (the nodes follow their primary).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-8_000);
    if (options.logLevel && options.logLevel !== 'silent' && options.logLevel !== 'warn') process.stderr.write(chunk);
  });

  const started = await new Promise<{ url: string; nodes: ReferenceCluster['nodes'] }>((resolve, reject) => {
    let url: string | undefined;
    const nodes: ReferenceCluster['nodes'] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new BazaarError('BAZAAR_CLUSTER_FAILED', `the reference cluster did not start within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`));
    }, START_TIMEOUT_MS);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (url && nodes.length > 0 && /^\s+node \d+ .*(exited|replaced|left down|could not be replaced)/.test(line)) options.onEvent?.(line.trim());
      const replaced = url && nodes.length > 0 ? /^\s+node (\d+) replaced: (http:\/\/\S+) pid (\d+) metrics (\S+)/.exec(line) : null;
      if (replaced) options.onNodeReplaced?.({ index: Number(replaced[1]), url: replaced[2] as string, pid: Number(replaced[3]), metricsUrl: replaced[4] as string });
      const entry = /listening on (http:\/\/\S+)/.exec(line);
      if (entry) url = entry[1];
      const node = /^\s+node (\d+)\s+(http:\/\/\S+)\s+pid (\d+)\s+metrics (\S+)/.exec(line);
      if (node && !/replaced|exited/.test(line)) nodes.push({ url: node[2] as string, pid: Number(node[3]), metricsUrl: node[4] as string });
      if (line.startsWith('Ctrl-C') && url) {
        clearTimeout(timer);
        resolve({ url, nodes });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new BazaarError('BAZAAR_CLUSTER_FAILED', `the reference cluster exited with ${code}: ${stderr.trim()}`));
    });
  }).catch((error: unknown) => {
    process.removeListener('exit', killOnExit);
    throw error;
  });

  let nextId = 1;
  const pending = new Map<number, (reply: ControlReply) => void>();
  child.on('message', (reply: ControlReply) => {
    if (reply?.type === 'bazaar:control-done') pending.get(reply.id)?.(reply);
  });
  const control = (request: ControlOp): Promise<{ pid: number }> => {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new BazaarError('BAZAAR_FAULT_FAILED', `the cluster did not answer a ${request.op} for node ${request.node} within ${CONTROL_TIMEOUT_MS} ms`));
      }, CONTROL_TIMEOUT_MS);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        pending.delete(id);
        if (reply.error !== undefined || reply.pid === undefined) reject(new BazaarError('BAZAAR_FAULT_FAILED', reply.error ?? 'no pid in the answer'));
        else resolve({ pid: reply.pid });
      });
      if (!child.connected) {
        pending.get(id)?.({ type: 'bazaar:control-done', id, error: 'the cluster has stopped' });
        return;
      }
      child.send({ type: 'bazaar:control', id, ...request } as ControlRequest);
    });
  };

  options.onStarted?.(started.nodes);
  let closing: Promise<void> | undefined;
  return {
    url: started.url,
    nodes: started.nodes,
    pid: child.pid as number,
    jwtSecret,
    signalNode: (node, signal, options) => control({ op: 'signal', node, signal, replace: options?.replace ?? false }),
    blockLoop: (node, ms) => control({ op: 'block-loop', node, ms }),
    close() {
      closing ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
