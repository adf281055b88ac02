import { BazaarError } from '../errors.ts';
import { startEmbeddedServer } from '../lab/embedded-server.ts';
import { startReferenceCluster, type ClusterSettings } from '../lab/cluster.ts';
import type { AdapterName } from '../../reference-server/index.ts';

export interface RunServerOptions {
  target?: string | undefined;
  nodes?: number | undefined;
  redis?: string | undefined;
  adapter?: AdapterName | undefined;
  fanout?: 'ordered' | 'adapter' | undefined;
  defect?: string | undefined;
  /** Settings of a cluster started for the run (load balancer, recovery, ping timing, stream length, presence TTL). */
  cluster?: ClusterSettings | undefined;
}

export interface RunServer {
  /** Started for the run; undefined for an external target. */
  server: { url: string; jwtSecret: string; close(): Promise<void> } | undefined;
  target: string;
  embedded: boolean;
  /** The processes of the server started for the run (to read their CPU); empty for an external target. */
  pids: number[];
}

/** The target: the one given, or a reference server (one node, or a cluster on Redis) started for the run. */
export async function startRunServer(options: RunServerOptions, startedAt: Date): Promise<RunServer> {
  validateRunServerOptions(options);
  const embedded = !options.target;
  if (!embedded) return { server: undefined, target: (options.target ?? '').replace(/\/$/, ''), embedded, pids: [] };
  if ((options.nodes ?? 1) > 1) {
    const cluster = await startReferenceCluster({
      nodes: options.nodes as number,
      ...(options.redis ? { redisUrl: options.redis } : {}),
      adapter: options.adapter ?? 'redis',
      ...(options.fanout ? { fanout: options.fanout } : {}),
      ...options.cluster,
      prefix: `bazaar-run-${startedAt.getTime().toString(36)}`,
    });
    return { server: cluster, target: cluster.url.replace(/\/$/, ''), embedded, pids: [cluster.pid, ...cluster.nodes.map((n) => n.pid)] };
  }
  const server = await startEmbeddedServer(options.defect ? { defect: options.defect } : {});
  return { server, target: server.url.replace(/\/$/, ''), embedded, pids: [server.pid] };
}

/** What a run may not combine: said before anything starts. */
export function validateRunServerOptions(options: RunServerOptions): void {
  if (options.defect && (options.target || (options.nodes ?? 1) > 1)) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--defect applies to the embedded one-node reference server only',
      'leave out --target and --nodes to run against the defective embedded server');
  }
  if (options.cluster && (options.target || (options.nodes ?? 1) < 2)) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', 'cluster settings apply to a reference cluster started for the run',
      'add nodes: 3 (and leave out target)');
  }
  if (options.fanout && (options.target || (options.nodes ?? 1) < 2)) {
    throw new BazaarError('BAZAAR_BAD_OPTIONS', '--fanout chooses the fan-out of a reference cluster started for the run',
      'add --nodes 3 (and leave out --target)');
  }
}
