import type { AdapterName } from '../../../reference-server/index.ts';
import { startReferenceCluster, type ClusterSettings, type ReferenceCluster } from '../cluster.ts';
import { startEmbeddedServer, type EmbeddedServer } from '../embedded-server.ts';
import type { FaultEvent } from './fault-impact.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';
import { FAULT_KIND_INFO, needsProxy, type Fault, type FaultLink } from './fault-spec.ts';
import { startFaultInjector, type FaultInjector } from './inject-faults.ts';
import { startLabRedis, type LabRedis } from './lab-redis.ts';

export interface FaultLabOptions {
  /** Checked by planFaults against the same options. */
  faults: readonly Fault[];
  /** An external server: only client-side faults (the entry link's proxy in front of it). */
  target?: string;
  /** Reference nodes to start without a target (1: the embedded server). */
  nodes: number;
  /** The cluster's Redis when the run was given one (no Redis fault then: planFaults refuses them). */
  redisUrl?: string;
  adapter?: AdapterName;
  fanout?: 'ordered' | 'adapter';
  /** More of the cluster it starts (entry, recovery, heartbeat, presence). */
  cluster?: ClusterSettings;
  prefix?: string;
  defect?: string;
  onNotice?(message: string): void;
}

export interface FaultLab {
  /** Where the clients connect: the server, or the fault proxy in front of it. */
  url: string;
  /** The server itself (the --target, or the entry of what the lab started), proxy or not. */
  serverUrl: string;
  /** The started server's secret (undefined against a target). */
  jwtSecret: string | undefined;
  /** The processes the lab started, for people and for tests that check nothing is left behind. */
  pids: number[];
  /** Start playing the faults on the run's clock (ms since the schedule started). */
  start(elapsedMs: () => number): void;
  events(): FaultEvent[];
  /** Lift the faults in force (thaw what is frozen), then stop the proxies, the server and Redis. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * What a run with faults stands on (docs/faults.md): the server (the embedded one, a cluster, or
 * the --target), a redis-server of the lab's own when a fault acts on Redis, and a fault proxy
 * on each link a fault acts on (clients to the entry; the nodes to Redis). Whatever fails to
 * start, what was started is stopped again.
 */
export async function startFaultLab(options: FaultLabOptions): Promise<FaultLab> {
  const closers: (() => Promise<void>)[] = [];
  const pids: number[] = [];
  const proxies: Partial<Record<FaultLink, FaultProxy>> = {};
  let redis: LabRedis | undefined;
  let server: ReferenceCluster | EmbeddedServer | undefined;
  const closeStarted = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  };
  try {
    const redisFaults = options.faults.some((f) => FAULT_KIND_INFO[f.kind].target === 'redis');
    let redisUrl = options.redisUrl;
    if (!options.target && options.nodes > 1 && !redisUrl && (redisFaults || needsProxy(options.faults, 'redis'))) {
      redis = await startLabRedis();
      const labRedis = redis;
      closers.push(() => labRedis.close());
      pids.push(redis.pid);
      redisUrl = redis.url;
    }
    if (redisUrl && needsProxy(options.faults, 'redis')) {
      const { hostname, port } = new URL(redisUrl);
      const proxy = await startFaultProxy({ target: { host: hostname, port: Number(port) } });
      closers.push(() => proxy.close());
      proxies.redis = proxy;
      const through = new URL(redisUrl);
      through.hostname = proxy.host;
      through.port = String(proxy.port);
      redisUrl = through.toString();
    }
    if (!options.target) {
      server = options.nodes > 1
        ? await startReferenceCluster({
            nodes: options.nodes,
            ...(redisUrl ? { redisUrl } : {}),
            adapter: options.adapter ?? 'redis',
            ...(options.fanout ? { fanout: options.fanout } : {}),
            ...(options.prefix ? { prefix: options.prefix } : {}),
            ...options.cluster,
            ...(options.onNotice ? { onEvent: options.onNotice } : {}),
          })
        : await startEmbeddedServer(options.defect ? { defect: options.defect } : {});
      const started = server;
      closers.push(() => started.close());
      pids.push(server.pid, ...(isCluster(server) ? server.nodes.map((n) => n.pid) : []));
    }
    const serverUrl = (options.target ?? server?.url ?? '').replace(/\/$/, '');
    let url = serverUrl;
    if (needsProxy(options.faults, 'entry')) {
      const entry = new URL(url);
      const proxy = await startFaultProxy({ target: { host: entry.hostname, port: Number(entry.port || (entry.protocol === 'https:' ? 443 : 80)) } });
      closers.push(() => proxy.close());
      proxies.entry = proxy;
      url = `${entry.protocol}//${proxy.host}:${proxy.port}`;
    }

    let injector: FaultInjector | undefined;
    let closing: Promise<void> | undefined;
    return {
      url,
      serverUrl,
      jwtSecret: server?.jwtSecret,
      pids,
      start(elapsedMs) {
        injector ??= startFaultInjector({
          faults: options.faults,
          targets: {
            ...(server && isCluster(server) ? { cluster: server } : {}),
            ...(redis ? { redis } : {}),
            proxies,
          },
          elapsedMs,
          ...(options.onNotice ? { onNotice: options.onNotice } : {}),
        });
      },
      events: () => injector?.events() ?? [],
      close() {
        closing ??= (async () => {
          await injector?.stop();
          await closeStarted();
        })();
        return closing;
      },
    };
  } catch (error) {
    await closeStarted();
    throw error;
  }
}

function isCluster(server: ReferenceCluster | EmbeddedServer): server is ReferenceCluster {
  return 'signalNode' in server;
}
