import { startReferenceServer } from '../../../reference-server/index.ts';
import { BazaarError } from '../../errors.ts';
import { startReferenceCluster, type ClusterSettings } from '../cluster.ts';
import { startHaproxy } from '../haproxy.ts';
import type { ReproTopology } from './types.ts';

export interface RunningTopology {
  /** Where the load connects: the entry (LB, HAProxy) or the one node. */
  url: string;
  jwtSecret: string;
  /** Every node's Prometheus endpoint. */
  metricsUrls: string[];
  /** The nodes as started (pid 0 for a node in this process). */
  nodes: { url: string; pid: number }[];
  close(): Promise<void>;
}

/**
 * Starts a variant's deployment. Two or more nodes: a reference cluster on Redis, as `bazaar
 * serve --nodes` runs it (real processes behind the chosen entry). One node: the reference
 * server in this process (its Engine.IO heartbeat set as asked), with HAProxy in front when the
 * topology says so: what the proxy-timeout entry needs, and a cluster's entry does not offer.
 */
/** The cluster settings a topology asks for (the run starts a cluster with them when the variant has faults). */
export function clusterSettings(topology: ReproTopology): ClusterSettings {
  return {
    ...(topology.lb ? { lb: topology.lb } : {}),
    ...(topology.recovery ? { recovery: true } : {}),
    ...(topology.pingIntervalMs ? { pingIntervalMs: topology.pingIntervalMs } : {}),
    ...(topology.pingTimeoutMs ? { pingTimeoutMs: topology.pingTimeoutMs } : {}),
    ...(topology.presenceTtlMs ? { presenceTtlMs: topology.presenceTtlMs } : {}),
    ...(topology.presenceStore ? { presenceStore: topology.presenceStore } : {}),
    ...(topology.streamMaxLen ? { streamMaxLen: topology.streamMaxLen } : {}),
    ...(topology.slowConsumerMaxBufferedBytes ? { slowConsumerMaxBufferedBytes: topology.slowConsumerMaxBufferedBytes } : {}),
  };
}

export async function startTopology(topology: ReproTopology, context: { redisUrl?: string; prefix: string }): Promise<RunningTopology> {
  if (topology.nodes >= 2) {
    if (topology.haproxy) {
      throw new BazaarError('BAZAAR_BAD_OPTIONS', 'custom HAProxy timeouts apply to a one-node repro topology only',
        "give the entry nodes: 1, or lb: 'haproxy' with the cluster's own configuration");
    }
    const cluster = await startReferenceCluster({
      nodes: topology.nodes,
      ...(context.redisUrl ? { redisUrl: context.redisUrl } : {}),
      adapter: topology.adapter ?? 'redis',
      lb: topology.lb ?? 'sticky',
      fanout: topology.fanout ?? 'ordered',
      ...(topology.recovery ? { recovery: true } : {}),
      ...clusterSettings(topology),
      prefix: context.prefix,
    });
    return {
      url: cluster.url,
      jwtSecret: cluster.jwtSecret,
      metricsUrls: cluster.nodes.map((n) => n.metricsUrl),
      nodes: cluster.nodes.map((n) => ({ url: n.url, pid: n.pid })),
      close: () => cluster.close(),
    };
  }
  const server = await startReferenceServer({
    metricsPort: 0,
    ...(topology.recovery ? { recovery: true } : {}),
    ...(topology.pingIntervalMs ? { pingIntervalMs: topology.pingIntervalMs } : {}),
    ...(topology.pingTimeoutMs ? { pingTimeoutMs: topology.pingTimeoutMs } : {}),
    ...(topology.slowConsumerMaxBufferedBytes ? { slowConsumerMaxBufferedBytes: topology.slowConsumerMaxBufferedBytes } : {}),
  });
  let entry: { url: string; close(): Promise<void> } | undefined;
  if (topology.haproxy) {
    const node = new URL(server.url);
    try {
      entry = await startHaproxy([{ host: node.hostname, port: Number(node.port) }], { host: '127.0.0.1', port: 0, timeouts: topology.haproxy });
    } catch (error) {
      await server.close();
      throw error;
    }
  }
  return {
    url: entry?.url ?? server.url,
    jwtSecret: server.jwtSecret,
    metricsUrls: server.metricsUrl ? [server.metricsUrl] : [],
    nodes: [{ url: server.url, pid: 0 }],
    async close() {
      await entry?.close();
      await server.close();
    },
  };
}
